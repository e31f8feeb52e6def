"""The simulator's test cards (devices/idcard/testcards.yaml) and the loader that checks them."""

from __future__ import annotations

import pytest

from devices.idcard.cardtext import parse_card
from devices.idcard.testcards import TEST_CARDS, load_test_cards

GOOD = """
wang_wu:
  layout: resident
  name: 王五
  sex: "1"
  nation: "01"
  birth: 1990-01-01
  address: 河南省南阳市内乡县
  id_number: {area: "411325", sequence: "135"}
  authority: 内乡县公安局
  valid_from: "20150601"
  valid_to: "20350601"
"""


def test_every_test_card_reads_back_with_its_birth_date_and_a_valid_number():
    assert set(TEST_CARDS) == {"zhang_san", "li_xiuying", "chan_tai_man", "smith_2017", "martin_2023"}
    for key, card in TEST_CARDS.items():
        data = parse_card(card.text)  # raises CardError on a bad check digit or date
        assert data.birth == card.birth, key
    assert TEST_CARDS["zhang_san"].fingerprint and not TEST_CARDS["li_xiuying"].fingerprint


def test_a_number_given_as_area_and_sequence_gets_the_birth_date_and_its_check_digit(tmp_path):
    path = tmp_path / "cards.yaml"
    path.write_text(GOOD, encoding="utf-8")
    card = load_test_cards(path)["wang_wu"]
    assert parse_card(card.text).id_number.startswith("41132519900101135")


@pytest.mark.parametrize(
    "change, message",
    [
        (("layout: resident", "layout: passport"), "layout is one of resident"),
        (("  birth: 1990-01-01\n", ""), "no 'birth'"),
        (("birth: 1990-01-01", "birth: 19900101"), "birth must be a date"),
        (('nation: "01"', "nation: 01"), "every field is text"),
        (('sex: "1"', 'sex: "1"\n  pass_number: H1'), "no field pass_number in its layout"),
    ],
)
def test_a_broken_card_is_refused_naming_it(tmp_path, change, message):
    path = tmp_path / "cards.yaml"
    path.write_text(GOOD.replace(*change), encoding="utf-8")
    with pytest.raises(ValueError, match=f"card 'wang_wu': {message}"):
        load_test_cards(path)
