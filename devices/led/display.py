"""WindowDisplay: the LED strip above a counter, showing its number and the ticket being served.

`show()` and `clear()` never raise for I/O: a display that does not answer is retried a few times
and reported `degraded`; a port that vanished is reported `fault` and reopened by a background
thread with back-off, which then puts the latest content back on the screen.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import serial

from ..health import HealthReporter
from ..serialport import Backoff, SerialDevice
from . import protocol as p

log = logging.getLogger(__name__)
KIND = "led"
REPLACEMENT = "□"  # in GB2312, so it can always be shown


def clean(text: str) -> str:
    return "".join(c for c in text if c >= " " and c != "\x7f")


def encode_text(text: str, encoding: str, max_bytes: int) -> bytes:
    """The text in the display's encoding; characters it lacks become □, and it is cut (at a character
    boundary) to what the display holds."""
    out = bytearray()
    for c in clean(text):
        try:
            b = c.encode(encoding)
        except UnicodeEncodeError:
            b = REPLACEMENT.encode(encoding)
        if len(out) + len(b) > max_bytes:
            break
        out += b
    return bytes(out)


class WindowDisplay(SerialDevice):
    kind = KIND

    def __init__(
        self,
        device_id: str,
        port: Callable[[], str],
        health: HealthReporter,
        *,
        address: int = 1,
        baudrate: int = 9600,
        timeout: float = 0.5,
        retries: int = 2,
        encoding: str = "gb2312",
        max_text_bytes: int = 64,
        backoff: Backoff | None = None,
        simulator=None,
    ):
        super().__init__(
            device_id, port, health, baudrate=baudrate, timeout=timeout, backoff=backoff, simulator=simulator
        )
        self.address = address
        self.retries = retries
        self.encoding = encoding
        self.max_text_bytes = max_text_bytes
        self._wake = threading.Event()
        self._wanted: bytes | None = None  # the last frame asked for, put back after a reconnect
        self._keeper = threading.Thread(target=self._keep, name=f"led-{device_id}", daemon=True)

    def start(self) -> WindowDisplay:
        with self._lock:
            self._connect()
        self._keeper.start()
        return self

    # --- public API ----------------------------------------------------------------------------
    def show(self, counter_number: int, text: str) -> bool:
        """Show `text` (the ticket being served) with the counter's number. True when acknowledged."""
        data = p.show_data(counter_number, encode_text(text, self.encoding, self.max_text_bytes))
        return self._request(p.encode(self.address, p.SHOW, data))

    def clear(self) -> bool:
        return self._request(p.encode(self.address, p.CLEAR))

    def ping(self) -> bool:
        with self._lock:
            return self._send(p.encode(self.address, p.PING))

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._drop_port()
        self._wake.set()
        if self._keeper.is_alive():
            self._keeper.join(timeout=2)
        if self.simulator is not None:
            self.simulator.stop()

    # --- sending -------------------------------------------------------------------------------
    def _request(self, frame: bytes) -> bool:
        with self._lock:
            self._wanted = frame
            if self._serial is None:
                self._wake.set()  # the keeper reconnects and sends it
                return False
            return self._send(frame)

    def _send(self, frame: bytes) -> bool:
        port = self._serial
        if port is None:
            return False
        command = frame[2]
        for _attempt in range(self.retries + 1):
            try:
                port.reset_input_buffer()
                port.write(frame)
                reply = self._read_reply(port, time.monotonic() + self.timeout)
            except Exception as e:  # SerialException, OSError, termios.error (tcflush is not wrapped)
                self._lost(e)
                return False
            if reply is not None and reply.command == p.ACK and reply.data[:1] == bytes([command]):
                self._report("ready", "窗口屏正常")
                return True
        self._report("degraded", f"窗口屏（地址 {self.address}）无应答或拒收，已重试 {self.retries} 次")
        return False

    def _read_reply(self, port: serial.Serial, deadline: float) -> p.Frame | None:
        """One reply frame from our address, or None (timeout or a spoilt frame)."""
        header = self._read(port, p.HEADER, deadline)
        if header is None:
            return None
        try:
            length = p.data_length(header)
        except p.LedFrameError:
            return None
        rest = self._read(port, length + p.TRAILER, deadline)
        if rest is None:
            return None
        try:
            frame = p.decode(header + rest)
        except p.LedFrameError:
            return None
        return frame if frame.address == self.address else None

    @staticmethod
    def _read(port: serial.Serial, n: int, deadline: float) -> bytes | None:
        buf = bytearray()
        while len(buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            port.timeout = remaining
            buf += port.read(n - len(buf))
        return bytes(buf)

    # --- the port and the keeper thread --------------------------------------------------------
    def _connect(self) -> bool:
        try:
            self._open_port()
        except Exception as e:
            delay = self._backoff.failed()
            log.info("led %s: cannot open port (%s); retry in %.1f s", self.device_id, e, delay)
            self._report("fault", f"窗口屏未连接，{delay:.0f} 秒后重试")
            return False
        self._backoff.succeeded()
        ok = self._send(self._wanted or p.encode(self.address, p.PING))
        return ok

    def _lost(self, e: Exception) -> None:
        super()._lost(e)
        self._report("fault", "窗口屏连接断开，正在重试")
        self._wake.set()

    def _keep(self) -> None:
        while not self._closed:
            self._wake.wait(timeout=max(0.05, min(1.0, self._backoff.wait_time())))
            self._wake.clear()
            with self._lock:
                if self._closed or self._serial is not None or not self._backoff.ready():
                    continue
                try:
                    self._connect()
                except Exception:  # the thread must outlive any surprise; the next round retries
                    log.exception("led %s: reconnect failed", self.device_id)
                    self._drop_port()
