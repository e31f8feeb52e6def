"""Ticket and notice layouts as data: a list of blocks with `{field}` templates, rendered by one loop.

Callers never build bytes. To change how a ticket looks, edit TICKET_LAYOUT; the golden-byte tests
then show exactly what changed on the wire.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from .config import PrinterProfile
from .model import GuidePrint, NoticePrint, TicketPrint
from .writer import EscposWriter


@dataclass(frozen=True)
class Text:
    template: str
    align: str = "left"
    bold: bool = False
    size: int = 1  # 2 = double width and height
    when: str | None = None  # print only if this context field is truthy


@dataclass(frozen=True)
class Each:
    """One line per item of a list field; the template sees the item's fields (or `{item}`) and `{n}`."""

    field: str
    template: str = "{item}"


@dataclass(frozen=True)
class Rule:
    char: str = "-"


@dataclass(frozen=True)
class QR:
    template: str


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    pass


Block = Text | Each | Rule | QR | Feed | Cut

TICKET_LAYOUT: tuple[Block, ...] = (
    Text("{hall_name}", align="center", bold=True),
    Rule(),
    Text("{number}", align="center", bold=True, size=2),
    Text("{queue_name}", align="center"),
    Text("办理事项：{service_name}"),
    Text("前面等候：{waiting_ahead} 人"),
    Text("预计等候：{wait_text}"),
    Text("取号时间：{issued_local}"),
    Rule(),
    QR("{ticket_id}"),
    Text("扫码查看排队进度", align="center"),
    Text("请备齐以下材料：", when="materials_hint"),
    Each("materials_hint", "・{item}"),
    Text("{footer}", align="center", when="footer"),
    Cut(),
)

NOTICE_LAYOUT: tuple[Block, ...] = (
    Text("{hall_name}", align="center", bold=True),
    Text("一次性告知单", align="center", bold=True, size=2),
    Rule(),
    Text("办理事项：{service_name}"),
    Text("排队号码：{ticket_number}", when="ticket_number"),
    Text("经审查，您申请办理的事项尚需补齐以下材料："),
    Each("materials", "{n}. {name}{amount}{note}"),
    Rule(),
    Text("{deadline_note}", bold=True, when="deadline_note"),
    Text("受理窗口：{counter_name}"),
    Text("告知日期：{issued_date}"),
    Text("咨询电话：{contact}", when="contact"),
    Feed(1),
    Text("窗口工作人员（签字）：__________"),
    Text("{footer}", align="center", when="footer"),
    Cut(),
)


def wait_text(low: int, high: int) -> str:
    low, high = sorted((max(0, low), max(0, high)))
    if high == 0:
        return "即将叫号"
    if low == high:
        return f"约 {low} 分钟"
    return f"约 {low}–{high} 分钟"


def ticket_context(t: TicketPrint, profile: PrinterProfile) -> dict[str, Any]:
    issued = t.issued_at if t.issued_at.tzinfo else t.issued_at.replace(tzinfo=UTC)
    local = issued.astimezone(ZoneInfo(profile.timezone))
    return {
        "hall_name": t.hall_name,
        "number": t.number,
        "queue_name": t.queue_name,
        "service_name": t.service_name,
        "waiting_ahead": t.waiting_ahead,
        "wait_text": wait_text(*t.wait_range_min),
        "issued_local": local.strftime("%Y-%m-%d %H:%M"),
        "ticket_id": t.ticket_id,
        "materials_hint": list(t.materials_hint),
        "footer": t.footer,
    }


def material_line(m: Any) -> dict[str, str]:
    counts = []
    if getattr(m, "originals", 0):
        counts.append(f"原件{m.originals}份")
    if getattr(m, "copies", 0):
        counts.append(f"复印件{m.copies}份")
    note = getattr(m, "note", "") or ""
    return {
        "name": m.name,
        "amount": f"（{'，'.join(counts)}）" if counts else "",
        "note": f"：{note}" if note else "",
    }


def notice_context(n: NoticePrint, profile: PrinterProfile) -> dict[str, Any]:
    return {
        "hall_name": n.hall_name,
        "service_name": n.service_name,
        "ticket_number": n.ticket_number,
        "materials": [material_line(m) for m in n.missing_materials],
        "deadline_note": n.deadline_note,
        "counter_name": n.counter_name,
        "issued_date": f"{n.issued_on.year}年{n.issued_on.month}月{n.issued_on.day}日",
        "contact": n.contact,
        "footer": n.footer,
    }


GUIDE_LAYOUT: tuple[Block, ...] = (
    Text("{hall_name}", align="center", bold=True),
    Text("办事材料清单", align="center", bold=True, size=2),
    Rule(),
    Text("办理事项：{item_name}"),
    Text("请备齐以下材料："),
    Each("lines", "{n}. {item}"),
    Rule(),
    Text("{where}", when="where"),
    Text("咨询方式：{contact}", when="contact"),
    Text("打印日期：{printed_date}"),
    Text("不预约也可以现场取号办理", align="center"),
    Cut(),
)


def guide_context(g: GuidePrint) -> dict[str, Any]:
    return {
        "hall_name": g.hall_name,
        "item_name": g.item_name,
        "lines": list(g.lines),
        "where": g.where,
        "contact": g.contact,
        "printed_date": f"{g.printed_on.year}年{g.printed_on.month}月{g.printed_on.day}日",
    }


def render(layout: Sequence[Block], context: Mapping[str, Any], writer: EscposWriter) -> None:
    writer.initialize()
    for block in layout:
        match block:
            case Text(when=when) if when is not None and not context.get(when):
                continue
            case Text():
                writer.text(block.template.format_map(context), align=block.align, bold=block.bold, size=block.size)
            case Each():
                for n, item in enumerate(context.get(block.field) or [], start=1):
                    fields = item if isinstance(item, Mapping) else {"item": item}
                    writer.text(block.template.format_map({**fields, "n": n}))
            case Rule():
                writer.rule(block.char)
            case QR():
                writer.qr(block.template.format_map(context))
            case Feed():
                writer.feed(block.lines)
            case Cut():
                writer.cut()
