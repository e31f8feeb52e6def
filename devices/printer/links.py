"""Connections to a printer: python-escpos' backends plus what they lack for status queries.

A Link writes bytes and asks DLE EOT questions with a bounded wait. Every failure to write means the
connection is gone (`LinkLost`); a read that fails or times out is just "no answer".
"""

from __future__ import annotations

import socket

from escpos.escpos import Escpos

from . import status
from .config import FileOptions, NetworkOptions, SerialOptions, SimulatorOptions, UsbOptions
from .simulator import PrinterSimulator, SimulatedPrinter


class LinkLost(Exception):
    """Writing to the printer failed: unplugged, powered off, the port or the socket vanished."""


class Link:
    readable = True

    def __init__(self, printer: Escpos, status_timeout: float):
        self.printer = printer
        self.status_timeout = status_timeout

    def write(self, data: bytes) -> None:
        try:
            self.printer._raw(data)
        except Exception as e:  # serial.SerialException, OSError, usb.core.USBError, socket.error...
            raise LinkLost(str(e) or type(e).__name__) from e

    def query(self, n: int) -> bytes:
        """Send DLE EOT n and return the reply, b"" if none came within the status timeout."""
        self._before_query()
        self.write(status.query(n))
        try:
            return bytes(self._read())[:1]
        except Exception:  # a timeout, or a backend that cannot read: both are "no answer"
            return b""

    def _before_query(self) -> None:
        pass

    def _read(self) -> bytes:
        return self.printer._read()

    def close(self) -> None:
        try:
            self.printer.close()  # serial: flushes first, which fails on a port that vanished
        except Exception:
            device = getattr(self.printer, "_device", None)
            try:
                if device:
                    device.close()
            except Exception:
                pass
        self.printer._device = False  # so python-escpos' __del__ does not try (and fail) again


class SerialLink(Link):
    def _read(self) -> bytes:
        # python-escpos asks for 16 bytes and so always waits out the whole timeout; the answer is one.
        return self.printer.device.read(1)

    def _before_query(self) -> None:
        # A byte left over from an earlier, late answer would be taken for this one's.
        try:
            self.printer.device.reset_input_buffer()
        except Exception as e:
            raise LinkLost(str(e)) from e


class NetworkLink(Link):
    def _read(self) -> bytes:
        sock: socket.socket = self.printer.device
        previous = sock.gettimeout()
        sock.settimeout(self.status_timeout)
        try:
            return sock.recv(16)
        finally:
            sock.settimeout(previous)


class UsbLink(Link):
    def _read(self) -> bytes:
        device = self.printer.device
        return device.read(self.printer.in_ep, 16, int(self.status_timeout * 1000))


class WriteOnlyLink(Link):
    readable = False

    def query(self, n: int) -> bytes:
        return b""


def connect(backend: str, opts, simulator: PrinterSimulator | None = None) -> Link:
    """Open the backend's connection; raises whatever the backend raises when the device is missing."""
    profile = opts.profile.escpos_profile
    match opts:
        case UsbOptions():
            from escpos.printer import Usb

            p = Usb(
                opts.vendor_id,
                opts.product_id,
                timeout=opts.timeout_ms,
                in_ep=opts.in_ep,
                out_ep=opts.out_ep,
                usb_args={},
                profile=profile,
            )
            p.open()
            return UsbLink(p, opts.status_timeout_s)
        case SerialOptions():
            from escpos.printer import Serial

            p = Serial(
                devfile=opts.port,
                baudrate=opts.baudrate,
                timeout=opts.status_timeout_s,
                dsrdtr=False,
                profile=profile,
            )
            p.open()
            p.device.rtscts = opts.rtscts
            p.device.write_timeout = opts.write_timeout_s
            return SerialLink(p, opts.status_timeout_s)
        case NetworkOptions():
            from escpos.printer import Network

            p = Network(host=opts.host, port=opts.port, timeout=opts.timeout_s, profile=profile)
            p.open()
            return NetworkLink(p, opts.status_timeout_s)
        case FileOptions():
            from escpos.printer import File

            p = File(devfile=opts.path, profile=profile)
            p.open()
            return WriteOnlyLink(p, opts.status_timeout_s)
        case SimulatorOptions():
            assert simulator is not None
            p = SimulatedPrinter(simulator, profile=profile)
            p.open()
            return Link(p, opts.status_timeout_s)
    raise ValueError(f"no printer backend {backend!r}")
