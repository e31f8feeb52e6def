"""Generated test cards for the simulator: invented people, valid check digits, real layouts.

The cards are data, in testcards.yaml; this module checks and builds them. No real person's data: names
are common placeholders, numbers are built by `make_id_number` from a real area code, a birth date and
an invented sequence. Photos are 1024 deterministic bytes standing in for WLT data (never decoded anywhere).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from .cardtext import FOREIGN_2017, FOREIGN_2023, HMT_PERMIT, RESIDENT, Layout, encode_fields, make_id_number

TEST_CARDS_FILE = Path(__file__).with_name("testcards.yaml")
LAYOUT_NAMES: dict[str, Layout] = {
    "resident": RESIDENT,
    "hmt_permit": HMT_PERMIT,
    "foreign_2017": FOREIGN_2017,
    "foreign_2023": FOREIGN_2023,
}


@dataclass(frozen=True)
class TestCard:
    __test__ = False  # not a pytest test class, despite the name

    key: str
    text: bytes
    photo: bytes
    fingerprint: bytes = b""
    birth: date | None = None  # the holder's, where the tests need it (the priority rules key on age)


def fake_blob(key: str, size: int, tag: bytes) -> bytes:
    out = bytearray(tag)
    block = key.encode()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:size])


def card_text(layout: Layout, **values: str) -> bytes:
    flag = {HMT_PERMIT: "J", FOREIGN_2017: "I", FOREIGN_2023: "Y"}.get(layout, " ")
    if layout is not RESIDENT:
        values.setdefault("type_flag", flag)
    return encode_fields(values, layout)


def make_card(key: str, layout: Layout, fingerprint: bool = False, **values: str) -> TestCard:
    return TestCard(
        key=key,
        text=card_text(layout, **values),
        photo=fake_blob(key, 1024, b"WLT"),
        fingerprint=fake_blob(key + "/fp", 1024, b"FP") if fingerprint else b"",
    )


def load_test_cards(path: Path = TEST_CARDS_FILE) -> dict[str, TestCard]:
    """key -> TestCard, from a file laid out as testcards.yaml; ValueError names the card and what is wrong."""
    table = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(table, dict):
        raise ValueError(f"{path}: not a mapping of key -> card")
    cards = {}
    for key, entry in table.items():
        try:
            cards[key] = _card(key, entry)
        except KeyError as e:
            raise ValueError(f"{path}: card {key!r}: no {e}") from None
        except (TypeError, ValueError) as e:
            raise ValueError(f"{path}: card {key!r}: {e}") from None
    return cards


def _card(key: str, entry: dict[str, Any]) -> TestCard:
    fields = dict(entry)
    layout = LAYOUT_NAMES.get(fields.pop("layout"))
    if layout is None:
        raise ValueError(f"layout is one of {', '.join(LAYOUT_NAMES)}")
    fingerprint = fields.pop("fingerprint", False)
    birth = fields.pop("birth")
    if not isinstance(birth, date) or not isinstance(fingerprint, bool):
        raise TypeError("birth must be a date (1990-01-01), fingerprint true or false")
    number = fields.pop("id_number")
    if isinstance(number, dict):
        number = make_id_number(number["area"], birth, number["sequence"])
    unknown = set(fields) - {name for name, _ in layout}
    if unknown:
        raise ValueError(f"no field {', '.join(sorted(unknown))} in its layout")
    if not all(isinstance(value, str) for value in fields.values()):
        raise TypeError("every field is text (quote digits)")
    card = make_card(key, layout, fingerprint, birth=f"{birth:%Y%m%d}", id_number=number, **fields)
    return replace(card, birth=birth)


TEST_CARDS: dict[str, TestCard] = load_test_cards()
