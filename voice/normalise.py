"""Text normalisation: what the hall's speech engine is given to read, per language.

Mandarin announcements read a ticket number digit by digit (`A012` → `A零一二`, never "A十二"), a
counter number as a number (12 → 十二), and a letter by the name people in Chinese halls say aloud
(A → 诶, C → 西). espeak-ng's `cmn-latn-pinyin` voice reads a bare capital letter on its own, but
reads C as "sei", G as "zhi", J as "zhei", and two capitals together (`AB`) as an English word; the
table below replaces each letter with characters the voice reads as intended (checked phoneme by
phoneme in tests/voice/test_normalise.py). A hall may override any letter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import cn2an

DIGITS_ZH = "零一二三四五六七八九"

# What a Chinese speaker calls each letter, in characters that espeak-ng cmn-latn-pinyin reads so.
# A: no common character is read ēi by espeak-ng 1.51; 诶 is read éi, close enough and clear.
LETTERS_ZH: dict[str, str] = {
    "A": "诶",
    "B": "必",
    "C": "西",
    "D": "迪",
    "E": "伊",
    "F": "艾弗",
    "G": "吉",
    "H": "艾尺",
    "I": "艾",
    "J": "杰",
    "K": "开",
    "L": "艾勒",
    "M": "艾姆",
    "N": "恩",
    "O": "欧",
    "P": "批",
    "Q": "丘",
    "R": "阿尔",
    "S": "艾丝",
    "T": "提",
    "U": "优",
    "V": "维",
    "W": "达布留",
    "X": "艾克斯",
    "Y": "歪",
    "Z": "贼",
}

# The intended pinyin of each table entry, for the test that checks the voice reads it so.
LETTERS_PINYIN: dict[str, str] = {
    "A": "ei2",
    "B": "bi4",
    "C": "xi1",
    "D": "di2",
    "E": "yi1",
    "F": "ai4 fu2",
    "G": "ji2",
    "H": "ai4 chi3",
    "I": "ai4",
    "J": "jie2",
    "K": "kai1",
    "L": "ai4 le4",
    "M": "ai4 mu3",
    "N": "en1",
    "O": "ou1",
    "P": "pi1",
    "Q": "qiu1",
    "R": "a1 er3",
    "S": "ai4 si1",
    "T": "ti2",
    "U": "you1",
    "V": "wei2",
    "W": "da2 bu4 liu2",
    "X": "ai4 ke4 si1",
    "Y": "wai1",
    "Z": "zei2",
}


@dataclass(frozen=True)
class Normaliser:
    """Turns ticket and counter numbers into text to speak. Frozen: one per hall configuration."""

    letters: Mapping[str, str] = field(default_factory=lambda: dict(LETTERS_ZH))
    one_as_yao: bool = False  # 幺 for 1 in ticket numbers, as some halls (and phone numbers) say it
    counter_reading: Literal["number", "digits"] = "number"

    @classmethod
    def with_overrides(cls, letters: Mapping[str, str] | None = None, **options) -> Normaliser:
        table = dict(LETTERS_ZH)
        for key, value in (letters or {}).items():
            table[key.upper()] = value
        return cls(letters=table, **options)

    # --- Mandarin ------------------------------------------------------------------------------
    def ticket_zh(self, number: str) -> str:
        out = []
        for ch in number.strip():
            if ch.isascii() and ch.isdigit():
                out.append("幺" if ch == "1" and self.one_as_yao else DIGITS_ZH[int(ch)])
            elif ch.isascii() and ch.isalpha():
                out.append(self.letters.get(ch.upper(), ch.upper()))
            elif ch.isascii():
                continue  # '-', ' ', '#': printed on tickets, never read aloud
            else:
                out.append(ch)
        return "".join(out)

    def counter_zh(self, number: int) -> str:
        if self.counter_reading == "digits":
            return "".join(DIGITS_ZH[int(d)] for d in str(number))
        return cn2an.an2cn(str(number))  # 1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 101 → 一百零一

    # --- English -------------------------------------------------------------------------------
    @staticmethod
    def ticket_en(number: str) -> str:
        """`A012` → `A0 1 2`: espeak-ng `en` reads a lone "A" as the article, "A012" as "A zero
        twelve"; the letters glued to the first digit and the other digits apart read "A zero one two"."""
        letters = "".join(ch.upper() for ch in number if ch.isascii() and ch.isalpha())
        digits = [ch for ch in number if ch.isascii() and ch.isdigit()]
        if not digits:
            return letters
        return " ".join([letters + digits[0], *digits[1:]])

    @staticmethod
    def counter_en(number: int) -> str:
        return str(number)  # espeak-ng en reads 12 as "twelve"
