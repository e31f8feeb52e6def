"""A ticket printer in software: keeps every byte, prints nothing, and can be made to fail.

Like OctoPrint's virtual printer it plugs in where the connection would be (here: a python-escpos
backend whose `_raw` and `_read` talk to this object), so the TicketPrinter code path is the one used
with a real printer. Faults are flags; DLE EOT queries are answered from them with the bit patterns of
a real printer (`status.encode`), or not at all when `silent`.

In-process (`SimulatedPrinter`), a status query is recognised when a write is exactly `10 04 n`,
which is how TicketPrinter sends it. Behind a pty (`PtyPrinter`, for the serial backend) the byte
stream is scanned for `10 04 n` wherever it occurs, as a real printer does; a stray reply that this
causes inside raster data is discarded by the serial link, which empties its input before each query.
"""

from __future__ import annotations

import errno
import threading

from escpos.escpos import Escpos

from ..serialport import PtyDevice
from . import status

PAPER_CUT = (b"\x1dV\x00", b"\x1dV\x01", b"\x1dVA", b"\x1dVB")


class PrinterSimulator:
    def __init__(
        self,
        *,
        paper_near_end: bool = False,
        paper_out: bool = False,
        cover_open: bool = False,
        cutter_error: bool = False,
        offline: bool = False,
        silent: bool = False,
        paper_runs_out_after_bytes: int | None = None,
    ):
        self.paper_near_end = paper_near_end
        self.paper_out = paper_out
        self.cover_open = cover_open
        self.cutter_error = cutter_error
        self.offline = offline
        self.silent = silent  # answers no status query (powered but hung, or a one-way cable)
        self.connected = True  # False: every write fails, as when the cable is pulled
        self.paper_runs_out_after_bytes = paper_runs_out_after_bytes
        self.received = bytearray()  # every byte written, status queries included
        self.printed = bytearray()  # what the mechanism actually printed
        self.status_queries: list[int] = []
        self._replies = bytearray()
        self._lock = threading.Lock()

    # --- what the device does with bytes -------------------------------------------------------
    def write(self, data: bytes) -> None:
        with self._lock:
            if not self.connected:
                raise OSError(errno.ENODEV, "printer disconnected")
            self.received += data
            if len(data) == 3 and data[:2] == status.DLE_EOT and 1 <= data[2] <= 4:
                self.status_queries.append(data[2])
                if not self.silent:
                    self._replies.append(self.status_bytes()[data[2]])
                return
            if not self._can_print():
                return  # a stopped printer swallows data (real ones buffer it, then drop it on reset)
            room = len(data)
            if self.paper_runs_out_after_bytes is not None:
                room = max(0, self.paper_runs_out_after_bytes - len(self.printed))
            self.printed += data[:room]
            if room < len(data):
                self.paper_out = True

    def read(self) -> bytes:
        with self._lock:
            if not self.connected:
                raise OSError(errno.ENODEV, "printer disconnected")
            reply, self._replies = bytes(self._replies), bytearray()
            return reply

    def _can_print(self) -> bool:
        return not (self.offline or self.paper_out or self.cover_open or self.cutter_error)

    def status_bytes(self) -> dict[int, int]:
        return status.encode(
            offline=self.offline,
            cover_open=self.cover_open,
            paper_near_end=self.paper_near_end,
            paper_out=self.paper_out,
            cutter_error=self.cutter_error,
        )

    # --- for tests and the CLI -----------------------------------------------------------------
    @property
    def cuts(self) -> int:
        """How many tickets were cut off, i.e. completely printed."""
        data = bytes(self.printed)
        return sum(data.count(c) for c in PAPER_CUT)

    def disconnect(self) -> None:
        self.connected = False

    def reconnect(self) -> None:
        self.connected = True

    def clear(self) -> None:
        with self._lock:
            self.received.clear()
            self.printed.clear()
            self.status_queries.clear()
            self._replies.clear()


class SimulatedPrinter(Escpos):
    """The python-escpos backend for PrinterSimulator: as thin as python-escpos' own backends."""

    def __init__(self, simulator: PrinterSimulator, *args, **kwargs):
        Escpos.__init__(self, *args, **kwargs)
        self.simulator = simulator

    def open(self, raise_not_found: bool = True) -> None:
        if not self.simulator.connected:
            raise OSError(errno.ENODEV, "simulated printer is disconnected")
        self.device = self.simulator

    def _raw(self, msg: bytes) -> None:
        self.simulator.write(msg)

    def _read(self) -> bytes:
        return self.simulator.read()

    def close(self) -> None:
        self._device = False


class StreamFeeder:
    """Feeds a byte stream (as it arrives from a serial line or a socket, in arbitrary pieces) to a
    PrinterSimulator, cutting out DLE EOT n queries and returning their replies."""

    def __init__(self, printer: PrinterSimulator):
        self.printer = printer
        self._pending = b""

    def feed(self, data: bytes) -> bytes:
        data, self._pending = self._pending + data, b""
        replies = bytearray()
        while data:
            i = data.find(status.DLE_EOT)
            if i < 0 or i + 2 >= len(data):
                keep = i if i >= 0 else (len(data) - 1 if data.endswith(b"\x10") else len(data))
                if keep:
                    self.printer.write(data[:keep])
                self._pending = data[keep:]  # a query split across two reads
                break
            if i:
                self.printer.write(data[:i])
            self.printer.write(data[i : i + 3])
            replies += self.printer.read()
            data = data[i + 3 :]
        return bytes(replies)


class PtyPrinter(PtyDevice):
    """The simulated printer behind a pseudo-terminal, for the `serial` backend's code path."""

    name = "printer-simulator"

    def __init__(self, printer: PrinterSimulator | None = None):
        super().__init__()
        self.printer = printer or PrinterSimulator()
        self._feeder = StreamFeeder(self.printer)

    def on_bytes(self, data: bytes) -> None:
        self.send(self._feeder.feed(data))
