"""What callers hand to the printer: plain data, no bytes. The layout decides how it looks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Protocol


class MaterialLike(Protocol):
    """Anything shaped like queue_broker.protocol.Material (a pydantic model or a frozen dataclass): read
    only, so a frozen NoticeMaterial fits."""

    @property
    def name(self) -> str: ...
    @property
    def originals(self) -> int: ...
    @property
    def copies(self) -> int: ...
    @property
    def note(self) -> str: ...


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
    missing_materials: Sequence[MaterialLike]  # read only: a list of Material models or of NoticeMaterial
    counter_name: str  # 3号窗口 综合受理
    issued_on: date
    deadline_note: str  # 请于15个工作日内补齐材料，逾期需重新申请
    ticket_number: str = ""
    contact: str = ""  # 咨询电话
    footer: str = ""


@dataclass(frozen=True)
class GuidePrint:
    """办事材料清单: what to bring for an item, printed from its guide at the kiosk."""

    hall_name: str
    item_name: str
    lines: list[str]  # one material a line, with originals, copies and form
    printed_on: date
    where: str = ""  # which windows, which floor
    contact: str = ""


def sample_ticket(issued_at: datetime | None = None) -> TicketPrint:
    """A made-up ticket for `python -m devices printer sample` and for trying a printer out."""
    return TicketPrint(
        hall_name="内乡县政务服务中心",
        number="A001",
        queue_name="综合受理",
        service_name="不动产登记：转移登记",
        waiting_ahead=5,
        wait_range_min=(12, 20),
        issued_at=issued_at or datetime.now(UTC),
        ticket_id="T-SAMPLE-A001",
        materials_hint=["身份证原件", "不动产权证书", "完税证明"],
        footer="过号请重新取号，谢谢配合！",
    )
