"""What callers hand to the printer: plain data, no bytes. The layout decides how it looks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol


class MaterialLike(Protocol):
    """Anything shaped like queue_broker.protocol.Material (a pydantic model or a small dataclass)."""

    name: str
    originals: int
    copies: int
    note: str


@dataclass(frozen=True)
class TicketPrint:
    hall_name: str
    number: str  # A001
    queue_name: str
    service_name: str
    waiting_ahead: int
    wait_range_min: tuple[int, int]  # estimated wait, low and high, in minutes
    issued_at: datetime  # aware; printed in the profile's time zone
    ticket_id: str  # goes into the QR code, for "where is my ticket" on a phone or at a kiosk
    materials_hint: list[str] = field(default_factory=list)
    footer: str = ""


@dataclass(frozen=True)
class NoticeMaterial:
    """A missing material when the caller has no Material model at hand."""

    name: str
    originals: int = 0
    copies: int = 0
    note: str = ""


@dataclass(frozen=True)
class NoticePrint:
    """一次性告知单: everything still missing, told once, so the citizen comes back only once."""

    hall_name: str
    service_name: str
    missing_materials: list[MaterialLike]
    counter_name: str  # 3号窗口 综合受理
    issued_on: date
    deadline_note: str  # 请于15个工作日内补齐材料，逾期需重新申请
    ticket_number: str = ""
    contact: str = ""  # 咨询电话
    footer: str = ""
