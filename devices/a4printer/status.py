"""What the printing system says of the printer and of a job, and what that means for health and screen.

CUPS (IPP) reports a printer as `printer-state` (3 idle, 4 processing, 5 stopped), whether it accepts
jobs, and `printer-state-reasons`: keywords with a severity suffix (`media-empty-error`,
`toner-low-warning`, `offline-report`). A backend sets them while it talks to the printer, so a USB
printer's paper-out shows up once a job is being sent; the job then waits in state processing until
the paper is loaded (or the job is cancelled).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The reasons that stop printing, whatever their suffix: (staff message, citizen message)
BLOCKING: dict[str, tuple[str, str]] = {
    "media-empty": ("A4打印机缺纸", "打印机缺纸，请联系工作人员加纸。"),
    "media-needed": ("A4打印机缺纸", "打印机缺纸，请联系工作人员加纸。"),
    "input-tray-missing": ("A4打印机纸盒未装好", "打印机纸盒未装好，请联系工作人员。"),
    "media-jam": ("A4打印机卡纸", "打印机卡纸，请联系工作人员。"),
    "cover-open": ("A4打印机盖板打开", "打印机盖板未关好，请联系工作人员。"),
    "door-open": ("A4打印机舱门打开", "打印机舱门未关好，请联系工作人员。"),
    "output-area-full": ("A4打印机出纸盒已满", "打印机出纸盒已满，请取走纸张或联系工作人员。"),
    "toner-empty": ("A4打印机墨粉用完", "打印机墨粉用完，请联系工作人员。"),
    "marker-supply-empty": ("A4打印机墨粉用完", "打印机墨粉用完，请联系工作人员。"),
    "offline": ("A4打印机离线", "打印机离线，请联系工作人员。"),
    "offline-report": ("A4打印机离线或未连接", "打印机离线，请联系工作人员。"),
    "shutdown": ("A4打印机已关机", "打印机已关机，请联系工作人员。"),
    "paused": ("A4打印队列已暂停", "打印机暂停使用，请联系工作人员。"),
}
# Reasons that still print: (staff message)
WARNINGS: dict[str, str] = {
    "media-low": "A4打印机纸张即将用完",
    "toner-low": "A4打印机墨粉不足",
    "marker-supply-low": "A4打印机墨粉不足",
}
SUFFIXES = ("-error", "-warning", "-report")
# IPP job-state
JOB_STATES = {3: "pending", 4: "held", 5: "processing", 6: "stopped", 7: "canceled", 8: "aborted", 9: "completed"}


def keyword(reason: str) -> tuple[str, str]:
    """'media-empty-error' -> ('media-empty', 'error'); 'offline-report' stays whole (it names itself)."""
    if reason in BLOCKING:
        return reason, ""
    for suffix in SUFFIXES:
        if reason.endswith(suffix):
            return reason[: -len(suffix)], suffix[1:]
    return reason, ""


@dataclass(frozen=True)
class A4Status:
    state: str  # ready | degraded | fault | unknown (protocol DeviceHealth states)
    message: str  # for staff (the device health message)
    citizen_message: str = ""  # for the screen, when it cannot print
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def can_print(self) -> bool:
        return self.state in ("ready", "degraded")


def printer_status(printer_state: int, accepting: bool, reasons: list[str] | tuple[str, ...]) -> A4Status:
    reasons = tuple(r for r in reasons if r and r != "none")
    for r in reasons:
        name, _ = keyword(r)
        if name in BLOCKING:
            staff, citizen = BLOCKING[name]
            return A4Status("fault", staff, citizen, reasons)
    errors = [r for r in reasons if keyword(r)[1] == "error"]
    if errors:
        return A4Status("fault", f"A4打印机故障（{', '.join(errors)}）", "打印机故障，请联系工作人员。", reasons)
    if printer_state == 5:
        return A4Status("fault", "A4打印队列已停止", "打印机暂停使用，请联系工作人员。", reasons)
    if not accepting:
        return A4Status("fault", "A4打印队列不接受新任务", "打印机暂停使用，请联系工作人员。", reasons)
    warnings = [WARNINGS[keyword(r)[0]] for r in reasons if keyword(r)[0] in WARNINGS]
    if warnings:
        return A4Status("degraded", "；".join(dict.fromkeys(warnings)), "", reasons)
    return A4Status("ready", "A4打印机就绪", "", reasons)


@dataclass(frozen=True)
class JobInfo:
    """A job as the printing system tells it: `state` is an IPP job state name, or `gone` when the
    system no longer knows the job (its history expired)."""

    state: str
    sheets: int = 0
    reasons: tuple[str, ...] = ()

    @property
    def finished(self) -> bool:
        return self.state in ("canceled", "aborted", "completed", "gone")
