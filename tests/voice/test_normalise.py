"""The Mandarin and English normaliser, and the letter table checked against the real voice."""

from __future__ import annotations

import subprocess

import pytest

from voice.normalise import LETTERS_PINYIN, LETTERS_ZH, Normaliser

from .conftest import needs_espeak

N = Normaliser()


@pytest.mark.parametrize(
    ("number", "spoken"),
    [
        ("A001", "诶零零一"),
        ("A012", "诶零一二"),
        ("B100", "必一零零"),
        ("C010", "西零一零"),
        ("Z999", "贼九九九"),
        ("AB007", "诶必零零七"),
        ("a-012", "诶零一二"),  # case and separators as printed on a ticket do not matter
        ("0", "零"),
    ],
)
def test_ticket_read_digit_by_digit(number, spoken):
    assert N.ticket_zh(number) == spoken


@pytest.mark.parametrize(
    ("counter", "spoken"),
    [(1, "一"), (2, "二"), (10, "十"), (12, "十二"), (20, "二十"), (101, "一百零一"), (110, "一百一十")],
)
def test_counter_read_as_number(counter, spoken):
    assert N.counter_zh(counter) == spoken


def test_hall_options():
    hall = Normaliser.with_overrides({"a": "A"}, one_as_yao=True, counter_reading="digits")
    assert hall.ticket_zh("A101") == "A幺零幺"
    assert hall.counter_zh(12) == "一二"
    assert hall.letters["B"] == LETTERS_ZH["B"]  # only the overridden letter changes


@pytest.mark.parametrize(
    ("number", "counter", "ticket_en", "counter_en"),
    [
        ("A012", 3, "A0 1 2", "3"),
        ("B100", 12, "B1 0 0", "12"),
        ("AB7", 20, "AB7", "20"),
    ],
)
def test_english(number, counter, ticket_en, counter_en):
    assert N.ticket_en(number) == ticket_en
    assert N.counter_en(counter) == counter_en


def _phonemes(text: str, voice: str = "cmn-latn-pinyin") -> str:
    out = subprocess.run(["espeak-ng", "-q", "-x", "-v", voice, text], capture_output=True, text=True, timeout=10)
    return " ".join(out.stdout.split())


@needs_espeak
@pytest.mark.parametrize("letter", sorted(LETTERS_ZH))
def test_letter_table_is_read_as_intended(letter):
    """Each character of the table is pronounced by cmn-latn-pinyin exactly as its intended pinyin."""
    assert _phonemes(LETTERS_ZH[letter]) == _phonemes(LETTERS_PINYIN[letter])


@needs_espeak
def test_why_the_table_exists():
    """What espeak-ng 1.51 does with bare capitals (docs/voice.md): C is 'sei', G 'zhi', J 'zhei',
    and two capitals become one English word. If this fails, espeak-ng changed: revisit the table."""
    assert _phonemes("C") != _phonemes("xi1")
    assert _phonemes("G") != _phonemes("ji2")
    assert _phonemes("J") != _phonemes("jie2")
    assert "(en)" in _phonemes("AB")
    assert _phonemes("A") == _phonemes("ei4")  # the bare A itself is fine


@needs_espeak
def test_english_ticket_reading():
    """espeak-ng en reads 'A012' as 'A zero twelve' and a lone 'A' as the article; 'A0 1 2' is right."""
    assert _phonemes("A012", "en") != _phonemes("A0 1 2", "en")
    words = _phonemes("Ticket A0 1 2", "en").split()
    assert words[1].startswith((",eI", "'eI")) and len(words) == 5  # A, zero, one, two: four words after Ticket
