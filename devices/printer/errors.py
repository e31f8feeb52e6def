"""Typed printer failures. The kiosk catches `PrinterError` and shows the ticket on screen instead."""

from __future__ import annotations

from .status import PrinterStatus


class PrinterError(Exception):
    """Nothing, or not all, of the ticket was printed. `str()` is a sentence for the hall's staff."""

    def __init__(self, message: str, status: PrinterStatus | None = None, partial: bool = False):
        super().__init__(message)
        self.status = status
        self.partial = partial  # some bytes reached the printer: a torn, incomplete ticket may be out


class PrinterUnavailable(PrinterError):
    """No connection to the printer (unplugged, powered off, port gone); retried with back-off."""


class PrinterNotReady(PrinterError):
    """The printer answered but cannot print: cover open, paper out, cutter error, offline."""


class PrintIncomplete(PrinterError):
    """The print started but failed midway (connection lost, paper ran out before the cut)."""
