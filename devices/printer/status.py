"""Real-time status by DLE EOT n (`10 04 n`), decoded bit by bit as the ESC/POS reference defines it.

Each reply is one byte whose bits 1 and 4 are always 1 and bits 0 and 7 always 0 (mask 0x93 == 0x12);
a byte that breaks that is not a status reply (line noise, a stale byte) and is treated as no answer.

n = 1, printer status
    bit 2  drawer kick-out connector pin 3 high (not used here)
    bit 3  offline
    bit 5  waiting for online recovery
    bit 6  paper feed button pressed
n = 2, offline cause
    bit 2  cover open
    bit 3  paper being fed by the feed button
    bit 5  printing stopped by paper end
    bit 6  an error occurred
n = 3, error cause
    bit 2  mechanical error (Epson: "recoverable error"; clones use it for a jammed head or motor)
    bit 3  autocutter error
    bit 5  unrecoverable error
    bit 6  automatically recoverable error (head too hot, ...)
n = 4, roll paper sensor
    bits 2-3  near-end sensor: 00 paper adequate, 11 paper near end
    bits 5-6  end sensor: 00 paper present, 11 paper end

An EMPTY reply means the printer did not answer: offline, powered off or unplugged. That is unknown,
never "paper adequate" (python-escpos 3.1's `paper_status()` returns 2, adequate, for it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DLE_EOT = b"\x10\x04"
PRINTER, OFFLINE_CAUSE, ERROR_CAUSE, PAPER_SENSOR = 1, 2, 3, 4
FIXED_MASK, FIXED_BITS = 0x93, 0x12


def query(n: int) -> bytes:
    if n not in (1, 2, 3, 4):
        raise ValueError("DLE EOT n takes n = 1..4")
    return DLE_EOT + bytes([n])


def valid_reply(b: int | None) -> bool:
    return b is not None and (b & FIXED_MASK) == FIXED_BITS


def _bit(b: int, n: int) -> bool:
    return bool(b >> n & 1)


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said. None means "did not say" (no reply, or a reply that is not a status byte)."""

    online: bool | None = None
    waiting_online_recovery: bool | None = None
    feed_button: bool | None = None
    cover_open: bool | None = None
    paper_stop: bool | None = None  # printing stopped because the paper ran out
    error: bool | None = None
    mechanical_error: bool | None = None
    cutter_error: bool | None = None
    unrecoverable_error: bool | None = None
    auto_recoverable_error: bool | None = None
    paper_near_end: bool | None = None
    paper_out: bool | None = None
    raw: dict[int, int | None] = field(default_factory=dict)
    supported: bool = True  # False for write-only backends (a plain file, /dev/usb/lp0)

    @property
    def answered(self) -> bool:
        return self.online is not None

    @property
    def paper(self) -> str:
        """ "adequate" | "near_end" | "out" | "unknown"."""
        if self.paper_out:
            return "out"
        if self.paper_out is None:
            return "unknown"
        return "near_end" if self.paper_near_end else "adequate"

    def problems(self) -> list[str]:
        """Plain-language faults, worst first (Chinese: these reach the hall's supervisor screen)."""
        out = []
        if self.cover_open:
            out.append("打印机盖未关")
        if self.paper_out or self.paper_stop:
            out.append("打印机缺纸")
        if self.cutter_error:
            out.append("切刀故障")
        if self.unrecoverable_error:
            out.append("打印机不可恢复故障，需断电检修")
        if self.mechanical_error:
            out.append("打印机机械故障")
        if self.online is False and not out and not self.auto_recoverable_error:
            out.append("打印机离线")  # offline for a reason it did not give (the offline switch, a reset)
        return out

    def warnings(self) -> list[str]:
        out = []
        if self.paper_near_end and not self.paper_out:
            out.append("纸将用尽，请尽快换纸")
        if self.auto_recoverable_error:
            out.append("打印头过热，稍后自动恢复")
        return out

    def health(self) -> tuple[str, str]:
        """(state, message) for HealthReporter: ready | degraded | fault | unknown."""
        if not self.supported:
            return "unknown", "此连接方式无法查询打印机状态"
        if not self.answered:
            return "fault", "打印机无应答（离线、断电或连接断开）"
        problems = self.problems()
        if problems:
            return "fault", "；".join(problems)
        warnings = self.warnings()
        if self.paper == "unknown":
            warnings.append("纸张状态未知（纸传感器无应答）")
        if warnings:
            return "degraded", "；".join(warnings)
        return "ready", "打印机就绪"


def decode(replies: dict[int, bytes]) -> PrinterStatus:
    """Decode the replies to DLE EOT 1..4 (each `b""` when the printer stayed silent)."""
    raw: dict[int, int | None] = {}
    for n in (1, 2, 3, 4):
        reply = replies.get(n, b"")
        b = reply[0] if reply else None
        raw[n] = b if valid_reply(b) else None
    values: dict[str, Any] = {}
    if (b := raw[PRINTER]) is not None:
        values |= {"online": not _bit(b, 3), "waiting_online_recovery": _bit(b, 5), "feed_button": _bit(b, 6)}
    if (b := raw[OFFLINE_CAUSE]) is not None:
        values |= {"cover_open": _bit(b, 2), "paper_stop": _bit(b, 5), "error": _bit(b, 6)}
    if (b := raw[ERROR_CAUSE]) is not None:
        values |= {
            "mechanical_error": _bit(b, 2),
            "cutter_error": _bit(b, 3),
            "unrecoverable_error": _bit(b, 5),
            "auto_recoverable_error": _bit(b, 6),
        }
    if (b := raw[PAPER_SENSOR]) is not None:
        # Either bit of a pair counts: some clones set only one of the two.
        values |= {"paper_near_end": bool(b & 0x0C), "paper_out": bool(b & 0x60)}
    return PrinterStatus(raw=raw, **values)


def unsupported() -> PrinterStatus:
    return PrinterStatus(supported=False)


def encode(
    *,
    offline: bool = False,
    cover_open: bool = False,
    paper_near_end: bool = False,
    paper_out: bool = False,
    cutter_error: bool = False,
    mechanical_error: bool = False,
    unrecoverable_error: bool = False,
    auto_recoverable_error: bool = False,
) -> dict[int, int]:
    """The four status bytes a printer in this condition sends (used by the simulator)."""
    error = cutter_error or mechanical_error or unrecoverable_error or auto_recoverable_error
    stopped = offline or cover_open or paper_out or error
    printer = FIXED_BITS | (0x08 if stopped else 0) | (0x20 if error and not unrecoverable_error else 0)
    offline_cause = FIXED_BITS | (0x04 if cover_open else 0) | (0x20 if paper_out else 0) | (0x40 if error else 0)
    error_cause = (
        FIXED_BITS
        | (0x04 if mechanical_error else 0)
        | (0x08 if cutter_error else 0)
        | (0x20 if unrecoverable_error else 0)
        | (0x40 if auto_recoverable_error else 0)
    )
    # A real roll-end sensor trips after the near-end one, so "out" reports both pairs: 0x7E.
    paper = FIXED_BITS | (0x0C if paper_near_end or paper_out else 0) | (0x60 if paper_out else 0)
    return {PRINTER: printer, OFFLINE_CAUSE: offline_cause, ERROR_CAUSE: error_cause, PAPER_SENSOR: paper}
