"""Generated test cards for the simulator: invented people, valid check digits, real layouts.

No real person's data: names are common placeholders, numbers are built by `make_id_number` from a
real area code, a birth date and an invented sequence. Photos are 1024 deterministic bytes standing
in for WLT data (never decoded anywhere).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from .cardtext import FOREIGN_2017, FOREIGN_2023, HMT_PERMIT, RESIDENT, Layout, encode_fields, make_id_number


@dataclass(frozen=True)
class TestCard:
    __test__ = False  # not a pytest test class, despite the name

    key: str
    text: bytes
    photo: bytes
    fingerprint: bytes = b""


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


def _ymd(d: date) -> str:
    return f"{d:%Y%m%d}"


ZHANG_SAN_BIRTH = date(1990, 1, 1)
LI_XIUYING_BIRTH = date(1950, 3, 8)
CHAN_TAI_MAN_BIRTH = date(1985, 6, 15)
SMITH_BIRTH = date(1980, 1, 1)
MARTIN_BIRTH = date(1988, 5, 6)

TEST_CARDS: dict[str, TestCard] = {
    card.key: card
    for card in (
        make_card(
            "zhang_san",
            RESIDENT,
            fingerprint=True,
            name="张三",
            sex="1",
            nation="01",
            birth=_ymd(ZHANG_SAN_BIRTH),
            address="河南省南阳市内乡县城关镇县衙路1号",
            id_number=make_id_number("411325", ZHANG_SAN_BIRTH, "123"),
            authority="内乡县公安局",
            valid_from="20150601",
            valid_to="20350601",
        ),
        make_card(  # elderly (born 1950): the priority rules key on age
            "li_xiuying",
            RESIDENT,
            name="李秀英",
            sex="2",
            nation="03",
            birth=_ymd(LI_XIUYING_BIRTH),
            address="河南省南阳市内乡县湍东镇菊潭大街88号",
            id_number=make_id_number("411325", LI_XIUYING_BIRTH, "042"),
            authority="内乡县公安局",
            valid_from="20100315",
            valid_to="长期",
        ),
        make_card(  # Hong Kong resident's residence permit (number starts 81)
            "chan_tai_man",
            HMT_PERMIT,
            name="陈大文",
            sex="1",
            birth=_ymd(CHAN_TAI_MAN_BIRTH),
            address="广东省深圳市福田区福华路1号",
            id_number=make_id_number("810000", CHAN_TAI_MAN_BIRTH, "051"),
            authority="深圳市公安局",
            valid_from="20190901",
            valid_to="20240901",
            pass_number="H12345678",
            issue_count="01",
        ),
        make_card(
            "smith_2017",
            FOREIGN_2017,
            english_name="SMITH, JOHN",
            sex="1",
            id_number="USA110019800101",
            nationality="USA",
            name="史密斯",
            valid_from="20180101",
            valid_to="20280101",
            birth=_ymd(SMITH_BIRTH),
            card_version="01",
            authority="1100",
        ),
        make_card(
            "martin_2023",
            FOREIGN_2023,
            name="马丁",
            sex="2",
            issue_count="00",
            birth=_ymd(MARTIN_BIRTH),
            english_name="MARTIN, MARIE",
            id_number=make_id_number("911250", MARTIN_BIRTH, "002"),
            valid_from="20240101",
            valid_to="20340101",
            nationality="FRA",
        ),
    )
}
