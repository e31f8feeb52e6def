"""TicketPrinter: render a layout, check the printer can take it, send it, check it came out.

The printer object survives a missing or vanished device: connecting is retried with back-off on
the next call, every change of condition goes to the HealthReporter, and a print that cannot be
done raises a typed PrinterError (the kiosk then shows the ticket on screen).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from escpos.printer import Dummy

from ..health import HealthReporter, report_safely
from ..serialport import Backoff
from . import status as st
from .config import PrinterProfile, SimulatorOptions, printer_options
from .errors import PrinterError, PrinterNotReady, PrinterUnavailable, PrintIncomplete
from .layout import (
    GUIDE_LAYOUT,
    NOTICE_LAYOUT,
    TICKET_LAYOUT,
    guide_context,
    notice_context,
    render,
    ticket_context,
)
from .links import Link, LinkLost, connect
from .model import GuidePrint, NoticePrint, TicketPrint
from .simulator import PrinterSimulator
from .status import PrinterStatus
from .writer import EscposWriter

log = logging.getLogger(__name__)
KIND = "printer"


def _render(layout, context, profile: PrinterProfile) -> bytes:
    dummy = Dummy(profile=profile.escpos_profile)
    render(layout, context, EscposWriter(dummy, profile))
    return dummy.output


def render_ticket_bytes(ticket: TicketPrint, profile: PrinterProfile | None = None) -> bytes:
    """The exact bytes a ticket is printed with (for `python -m devices printer sample --out FILE`)."""
    profile = profile or PrinterProfile()
    return _render(TICKET_LAYOUT, ticket_context(ticket, profile), profile)


def render_notice_bytes(notice: NoticePrint, profile: PrinterProfile | None = None) -> bytes:
    profile = profile or PrinterProfile()
    return _render(NOTICE_LAYOUT, notice_context(notice, profile), profile)


def render_guide_bytes(guide: GuidePrint, profile: PrinterProfile | None = None) -> bytes:
    profile = profile or PrinterProfile()
    return _render(GUIDE_LAYOUT, guide_context(guide), profile)


class TicketPrinter:
    def __init__(
        self,
        device_id: str,
        profile: PrinterProfile,
        connector: Callable[[], Link],
        health: HealthReporter,
        backoff: Backoff | None = None,
        simulator: PrinterSimulator | None = None,
    ):
        self.device_id = device_id
        self.profile = profile
        self.simulator = simulator
        self._connector = connector
        self._health = health
        self._backoff = backoff or Backoff()
        self._link: Link | None = None
        self._lock = threading.RLock()
        self._closed = False
        self._unavailable = "打印机未连接"  # why there is no link, for health and errors

    # --- public API ----------------------------------------------------------------------------
    def print_ticket(self, ticket: TicketPrint) -> None:
        self._print(render_ticket_bytes(ticket, self.profile), "取号单")

    def print_notice(self, notice: NoticePrint) -> None:
        self._print(render_notice_bytes(notice, self.profile), "一次性告知单")

    def print_guide(self, guide: GuidePrint) -> None:
        self._print(render_guide_bytes(guide, self.profile), "材料清单")

    def status(self) -> PrinterStatus:
        """Ask the printer (DLE EOT 1..4) and report the result as health. Never raises."""
        with self._lock:
            result = self._query()
            if self._link is None:
                self._report("fault", self._unavailable)
            else:
                self._report(*result.health())
            return result

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._drop_link()

    # --- internals -----------------------------------------------------------------------------
    def _print(self, data: bytes, what: str) -> None:
        with self._lock:
            before = self.status()
            if self._link is None:
                raise PrinterUnavailable(f"{what}未打印：{self._unavailable}", before)
            if before.supported and not before.answered:
                raise PrinterUnavailable(f"{what}未打印：{before.health()[1]}", before)
            if problems := before.problems():
                raise PrinterNotReady(f"{what}未打印：{'；'.join(problems)}", before)
            link = self._link
            try:
                link.write(data)
            except LinkLost as e:
                self._lost(e)
                raise PrintIncomplete(f"{what}打印中断：打印机连接断开", partial=True) from e
            after = self.status()
            if after.supported and (not after.answered or after.problems()):
                reason = "；".join(after.problems()) or after.health()[1]
                raise PrintIncomplete(f"{what}可能未打印完整：{reason}", after, partial=True)

    def _query(self) -> PrinterStatus:
        link = self._ensure_link()
        if link is None:
            return PrinterStatus()
        if not link.readable:
            return st.unsupported()
        replies: dict[int, bytes] = {}
        try:
            for n in (st.PRINTER, st.OFFLINE_CAUSE, st.ERROR_CAUSE, st.PAPER_SENSOR):
                replies[n] = link.query(n)
                if n == st.PRINTER and not replies[n]:
                    break  # silent: do not wait out three more timeouts
        except LinkLost as e:
            self._lost(e)
            return PrinterStatus()
        return st.decode(replies)

    def _ensure_link(self) -> Link | None:
        if self._link is not None:
            return self._link
        if self._closed:
            self._unavailable = "打印机已关闭"
            return None
        if not self._backoff.ready():
            self._unavailable = f"打印机未连接，{self._backoff.wait_time():.0f} 秒后重试"
            return None
        try:
            self._link = self._connector()
        except Exception as e:  # DeviceNotFoundError, USBNotFoundError, OSError...: the device is not there
            delay = self._backoff.failed()
            log.info("printer %s: cannot connect (%s); retry in %.1f s", self.device_id, e, delay)
            self._unavailable = f"打印机未连接，{delay:.0f} 秒后重试"
            return None
        self._backoff.succeeded()
        return self._link

    def _lost(self, e: Exception) -> None:
        log.warning("printer %s: connection lost: %s", self.device_id, e)
        self._drop_link()
        self._backoff.failed()
        self._unavailable = "打印机连接断开，正在重试"
        self._report("fault", self._unavailable)

    def _drop_link(self) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None

    def _report(self, state: str, message: str) -> None:
        report_safely(self._health, self.device_id, KIND, state, message)


def open_printer(cfg, health: HealthReporter) -> TicketPrinter:
    """A TicketPrinter for a DeviceConfig (kind printer). Raises DeviceOptionsError on bad options only:
    a missing device gives a printer in `fault` that keeps retrying."""
    opts = printer_options(cfg)
    simulator = None
    if isinstance(opts, SimulatorOptions):
        simulator = PrinterSimulator(**opts.simulator_arguments())
    printer = TicketPrinter(
        cfg.id,
        opts.profile,
        lambda: connect(cfg.backend, opts, simulator),
        health,
        Backoff(initial=opts.retry_initial_s, maximum=opts.retry_max_s),
        simulator,
    )
    printer.status()
    return printer


__all__ = ["PrinterError", "TicketPrinter", "open_printer", "render_notice_bytes", "render_ticket_bytes"]
