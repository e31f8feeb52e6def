"""CardData: what was read from a card. Its repr and str never show the name, the number or the address."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from .privacy import mask_address, mask_id_number, mask_name

CardType = Literal["resident", "hmt_residence_permit", "foreign_permanent_2017", "foreign_permanent_2023"]

CARD_TYPE_NAMES: dict[str, str] = {
    "resident": "居民身份证",
    "hmt_residence_permit": "港澳台居民居住证",
    "foreign_permanent_2017": "外国人永久居留身份证（2017版）",
    "foreign_permanent_2023": "外国人永久居留身份证（2023版）",
}


@dataclass(frozen=True, repr=False)
class CardData:
    card_type: CardType
    name: str  # the Chinese name; for a foreigner without one, the English name
    sex: str  # 男 | 女 | 未知 | 未说明
    nation: str  # 民族 for residents; empty on a residence permit; the nationality code for foreigners
    birth: date
    address: str  # empty on foreigners' cards, which carry none
    id_number: str
    authority: str  # 签发机关 (foreigners' 2017 cards: the accepting office's code)
    valid_from: date
    valid_to: date | None  # None: 长期 (no expiry)
    photo_wlt: bytes = field(default=b"", compare=False)  # the card's WLT-compressed photo, not decoded
    fingerprint: bytes = field(default=b"", compare=False)
    english_name: str = ""
    pass_number: str = ""  # 港澳台: number of the travel permit
    issue_count: str = ""  # 港澳台: 签发次数; foreigners 2023: 换证次数
    nationality: str = ""  # foreigners: country or region code
    card_version: str = ""  # foreigners 2017: 证件版本号
    previous_number_link: str = ""  # foreigners 2023: link to the number of the earlier card

    def age_on(self, day: date) -> int:
        years = day.year - self.birth.year
        return years - ((day.month, day.day) < (self.birth.month, self.birth.day))

    def to_public_dict(self, unmasked: bool = False) -> dict[str, Any]:
        """The fields a screen or a message may carry. Name, ID number and address are masked unless
        `unmasked` (which only the broker's ticket-issue path should ask for)."""
        return {
            "name": self.name if unmasked else mask_name(self.name),
            "sex": self.sex,
            "nation": self.nation,
            "birth": self.birth.isoformat(),
            "address": self.address if unmasked else mask_address(self.address),
            "id_number": self.id_number if unmasked else mask_id_number(self.id_number),
            "authority": self.authority,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else "长期",
            "card_type": self.card_type,
        }

    def __repr__(self) -> str:
        return (
            f"CardData(card_type={self.card_type!r}, name={mask_name(self.name)!r}, "
            f"id_number={mask_id_number(self.id_number)!r}, sex={self.sex!r}, birth={self.birth.isoformat()!r}, "
            f"valid_to={self.valid_to.isoformat() if self.valid_to else '长期'!r}, photo={len(self.photo_wlt)} bytes)"
        )

    __str__ = __repr__
