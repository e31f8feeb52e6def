"""The kiosk's A4 printer through CUPS (records and certificates of 24-hour self-service), with a simulator
that takes the same PDF, printer faults as device health, and each document printed once.

    printer = open_a4printer(device_config, health)
    job = printer.print_pdf(pdf_bytes, key=transaction_id, pages=2)
    job = printer.wait(transaction_id, timeout=60)

See docs/devices-a4printer.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..health import HealthReporter
from ..serialport import Backoff
from .config import CupsOptions, SimulatorOptions, a4printer_options
from .errors import A4PrinterError, A4PrinterNotReady, A4PrinterUnavailable, A4PrintFailed
from .printer import A4Printer, PrintJob
from .simulator import SimulatedA4Link
from .status import A4Status, JobInfo, printer_status

if TYPE_CHECKING:
    from .cups import CupsLink

__all__ = [
    "A4PrintFailed",
    "A4Printer",
    "A4PrinterError",
    "A4PrinterNotReady",
    "A4PrinterUnavailable",
    "A4Status",
    "JobInfo",
    "PrintJob",
    "SimulatedA4Link",
    "open_a4printer",
    "printer_status",
]


def open_a4printer(cfg, health: HealthReporter) -> A4Printer:
    """An A4Printer for a DeviceConfig (kind a4printer). Raises DeviceOptionsError on bad options only;
    an unreachable printing system gives an object in `fault` that asks again at each use."""
    opts = a4printer_options(cfg)
    link: SimulatedA4Link | CupsLink
    if isinstance(opts, SimulatorOptions):
        link = SimulatedA4Link(
            opts.out_dir, opts.seconds_per_page, opts.paper_sheets, opts.offline, opts.paper_out, opts.jammed
        )
    else:
        assert isinstance(opts, CupsOptions)
        from .cups import CupsLink  # pycups: only where the backend is CUPS

        link = CupsLink(opts.queue, opts.server, opts.job_options)
    printer = A4Printer(
        cfg.id,
        link,
        health,
        poll_s=opts.poll_s,
        backoff=Backoff(initial=opts.retry_initial_s, maximum=opts.retry_max_s),
    )
    printer.purge_open_jobs()
    printer.status()
    return printer
