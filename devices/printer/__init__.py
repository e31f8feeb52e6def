"""Ticket printer (ESC/POS through python-escpos): tickets, one-time notification lists, status, health.

    printer = open_printer(device_config, health)
    try:
        printer.print_ticket(TicketPrint(...))
    except PrinterError as e:
        show_ticket_on_screen(...)  # str(e) says why, in Chinese, for staff

See docs/devices-printer-idcard-led.md.
"""

from .config import PrinterProfile
from .errors import PrinterError, PrinterNotReady, PrinterUnavailable, PrintIncomplete
from .model import GuidePrint, NoticeMaterial, NoticePrint, TicketPrint, sample_ticket
from .printer import TicketPrinter, open_printer, render_guide_bytes, render_notice_bytes, render_ticket_bytes
from .simulator import PrinterSimulator
from .status import PrinterStatus

__all__ = [
    "GuidePrint",
    "render_guide_bytes",
    "NoticeMaterial",
    "NoticePrint",
    "PrintIncomplete",
    "PrinterError",
    "PrinterNotReady",
    "PrinterProfile",
    "PrinterSimulator",
    "PrinterStatus",
    "PrinterUnavailable",
    "TicketPrint",
    "TicketPrinter",
    "open_printer",
    "render_notice_bytes",
    "render_ticket_bytes",
    "sample_ticket",
]
