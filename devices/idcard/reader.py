"""IdCardReader: find, select and read a card over the SAM serial protocol, with a bounded wait.

Guarantees the kiosk relies on:
- every command waits at most its timeout (default 1 s) and then raises ReaderTimeout;
- only IdCardError subclasses leave this module (ReaderTimeout, ReaderUnavailable, FrameError,
  CardError, SamError): whatever pyserial or the OS raises is wrapped;
- a card is read once: it must leave the field (find card answers "no card") before it is read again,
  so a citizen who leaves the card on the pad does not take five tickets;
- a vanished port is reopened on a later call, with back-off, and reported as health.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import serial

from ..health import HealthReporter
from ..serialport import Backoff, SerialDevice
from . import protocol as p
from .card import CardData
from .cardtext import parse_card
from .errors import CardError, FrameError, IdCardError, ReaderTimeout, ReaderUnavailable, SamError

log = logging.getLogger(__name__)
KIND = "idcard"


class IdCardReader(SerialDevice):
    kind = KIND

    def __init__(
        self,
        device_id: str,
        port: Callable[[], str],
        health: HealthReporter,
        *,
        baudrate: int = 115200,
        timeout: float = 1.0,
        fingerprint: bool = False,
        backoff: Backoff | None = None,
        simulator=None,
    ):
        super().__init__(
            device_id, port, health, baudrate=baudrate, timeout=timeout, backoff=backoff, simulator=simulator
        )
        self.fingerprint = fingerprint
        self._awaiting_removal = False

    # --- public API ----------------------------------------------------------------------------
    def read_card(self, timeout: float | None = None) -> CardData | None:
        """The card in the field, or None when there is none (or it is the one already read)."""
        with self._lock:
            try:
                card = self._read_card(self.timeout if timeout is None else timeout)
            except IdCardError as e:
                self._report_error(e)
                raise
            except Exception as e:  # a bug below must not escape as anything but a typed error
                log.exception("idcard %s: unexpected failure", self.device_id)
                self._report("fault", "读卡器内部错误")
                raise ReaderUnavailable(f"读卡器内部错误：{type(e).__name__}") from e
            self._report("ready", "身份证读卡器就绪")
            return card

    def check(self) -> bool:
        """Ask the SAM for its status and report health; True when the reader is usable. Never raises."""
        with self._lock:
            try:
                self._command(p.SAM_STATUS, self.timeout, expect=(p.OK,))
            except IdCardError as e:
                self._report_error(e)
                return False
            except Exception:
                log.exception("idcard %s: unexpected failure in check", self.device_id)
                self._report("fault", "读卡器内部错误")
                return False
            self._report("ready", "身份证读卡器就绪")
            return True

    def sam_id(self, timeout: float | None = None) -> str:
        with self._lock:
            reply = self._command(p.SAM_ID, self.timeout if timeout is None else timeout, expect=(p.OK,))
            return reply.data.hex()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._drop_port()
            if self.simulator is not None:  # started by open_reader for this reader alone
                self.simulator.stop()

    # --- the read sequence ---------------------------------------------------------------------
    def _read_card(self, timeout: float) -> CardData | None:
        found = self._command(p.FIND_CARD, timeout, expect=(p.FIND_OK, p.FIND_NONE))
        if found.sw3 == p.FIND_NONE:
            self._awaiting_removal = False
            return None
        if self._awaiting_removal:
            return None
        selected = self._command(p.SELECT_CARD, timeout, expect=(p.OK, p.SELECT_FAILED))
        if selected.sw3 == p.SELECT_FAILED:
            raise CardError("选卡失败：请将证件平放在读卡区，不要移动")
        command = p.READ_TEXT_PHOTO_FINGERPRINT if self.fingerprint else p.READ_TEXT_PHOTO
        expect = (p.OK, p.NO_CONTENT) if self.fingerprint else (p.OK,)
        read = self._command(command, timeout, expect=expect)
        text, photo, fingerprint = p.split_read_data(read.data, self.fingerprint and read.sw3 == p.OK)
        card = parse_card(text, photo, fingerprint)
        self._awaiting_removal = True
        return card

    def _command(self, command: tuple[int, int], timeout: float, expect: tuple[int, ...]) -> p.Reply:
        reply = self._transact(command, timeout)
        if reply.sw3 in expect:
            return reply
        what = f"{reply.meaning}（{reply.sw3:02X}）"
        if reply.sw3 in p.SAM_FAULTS:
            raise SamError(f"安全模块异常：{what}")
        if reply.sw3 in p.TERMINAL_FAULTS:
            raise FrameError(f"读卡器未能识别命令：{what}")
        raise CardError(f"读卡失败：{what}")

    # --- one request, one reply ----------------------------------------------------------------
    def _transact(self, command: tuple[int, int], timeout: float) -> p.Reply:
        port = self._ensure_port()
        deadline = time.monotonic() + timeout
        try:
            port.reset_input_buffer()  # a late reply to an earlier command is not this one's
            port.write_timeout = timeout
            port.write(p.request(command))
            header = self._read_exact(port, p.HEADER, deadline, started=False)
            length = p.body_length(header)
            body = self._read_exact(port, length, deadline, started=True)
            return p.parse_reply(header + body)
        except FrameError:
            self._drain(port, deadline)
            raise
        except IdCardError:
            raise
        except Exception as e:  # SerialException, OSError, termios.error: the port is gone
            self._lost(e)
            raise ReaderUnavailable(f"读卡器端口断开：{e}") from e

    def _read_exact(self, port: serial.Serial, n: int, deadline: float, started: bool) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if started or buf:
                    raise FrameError(f"回应不完整：收到 {len(buf)} / {n} 字节")
                raise ReaderTimeout("读卡器无应答（超时）")
            port.timeout = remaining
            buf += port.read(n - len(buf))
        return bytes(buf)

    def _drain(self, port: serial.Serial, deadline: float) -> None:
        """After a bad frame, swallow the rest of it (until the line is quiet) so the next reply is clean."""
        try:
            port.timeout = 0.02
            while time.monotonic() < deadline and port.read(4096):
                pass
            port.reset_input_buffer()
        except Exception as e:
            self._lost(e)

    # --- the port ------------------------------------------------------------------------------
    def _ensure_port(self) -> serial.Serial:
        if self._serial is not None:
            return self._serial
        if self._closed:
            raise ReaderUnavailable("读卡器已关闭")
        if not self._backoff.ready():
            raise ReaderUnavailable(f"读卡器未连接，{self._backoff.wait_time():.1f} 秒后重试")
        try:
            port = self._open_port()
        except Exception as e:
            delay = self._backoff.failed()
            raise ReaderUnavailable(f"读卡器端口无法打开（{e}），{delay:.1f} 秒后重试") from e
        self._backoff.succeeded()
        return port

    # --- health --------------------------------------------------------------------------------
    def _report_error(self, e: IdCardError) -> None:
        match e:
            case ReaderUnavailable():
                self._report("fault", "读卡器未连接或端口已断开，正在重试")
            case ReaderTimeout():
                self._report("fault", "读卡器无应答")
            case SamError():
                self._report("fault", str(e))
            case FrameError():
                self._report("degraded", "读卡器通信出错（数据校验失败），已自动重试")
            case CardError():
                self._report("ready", "身份证读卡器就绪")  # the card is at fault, not the device
