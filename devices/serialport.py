"""Helpers shared by the printer, ID-card reader and LED display packages.

- `device_options`: validate a DeviceConfig's free-form `options` with the package's own pydantic model,
  with an error that names the device (a hall's YAML has dozens of devices).
- `Backoff`: when to try reopening a port that vanished, so a missing device is retried without
  hammering the kernel or the log.
- `SerialDevice`: the port part of the ID-card reader and the LED display: opened on demand, dropped
  when lost, reopened after the back-off; health reported without ever raising.
- `PtyDevice`: the other end of a real pseudo-terminal, run by a thread. Simulators subclass it and
  answer bytes exactly as the hardware would; the code under test opens the slave path with pyserial,
  the same code path as a real /dev/ttyUSBx (the idea of OctoPrint's virtual printer, one level lower).
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
import tty
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Self, TypeVar

from pydantic import BaseModel, ValidationError

from .health import Reports, report_safely

if TYPE_CHECKING:
    import serial

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


class DeviceOptionsError(ValueError):
    """A device's `options` in the site YAML do not fit its kind and backend."""


def device_options(model: type[M], cfg) -> M:
    """Validate `cfg.options` (a DeviceConfig) with `model`; the error names the device and the fields."""
    try:
        return model.model_validate(cfg.options)
    except ValidationError as e:
        raise DeviceOptionsError(
            f"device {cfg.id!r} ({cfg.kind}, backend {cfg.backend!r}) has invalid options: {problems(e, '(options)')}"
        ) from None


def problems(error: ValidationError, whole: str) -> str:
    """What is wrong, field by field ("speed: Input should be ..."); `whole` names an error of the whole mapping."""
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or whole}: {err['msg']}" for err in error.errors())


def backend_options(kind: str, backends: dict[str, type[M]], cfg) -> M:
    """The options of a device of `kind`, validated by the model of its backend (`backends`)."""
    model = backends.get(cfg.backend)
    if model is None:
        raise DeviceOptionsError(
            f"device {cfg.id!r} ({kind}): unknown backend {cfg.backend!r}; use one of {', '.join(backends)}"
        )
    return device_options(model, cfg)


class Backoff:
    """Exponential back-off between reconnection attempts: `initial`, doubling, capped at `maximum`."""

    def __init__(
        self,
        initial: float = 0.5,
        maximum: float = 30.0,
        factor: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self._clock = clock
        self._delay = 0.0
        self._next_at = 0.0
        self.failures = 0

    def ready(self) -> bool:
        """May we try again now?"""
        return self._clock() >= self._next_at

    def wait_time(self) -> float:
        return max(0.0, self._next_at - self._clock())

    def failed(self) -> float:
        """Record a failed attempt; returns the delay before the next one."""
        self.failures += 1
        self._delay = self.initial if self._delay == 0 else min(self.maximum, self._delay * self.factor)
        self._next_at = self._clock() + self._delay
        return self._delay

    def succeeded(self) -> None:
        self.failures = 0
        self._delay = 0.0
        self._next_at = 0.0


class SerialDevice:
    """A device on a serial port that may vanish (a USB-serial adapter pulled): `_open_port` when needed
    (the path is asked again each time: a re-plugged adapter may get a new one), `_lost` when a read or
    write fails, `_report` its health under `kind`. Subclasses hold `_lock` while they use the port."""

    kind = "serial"

    def __init__(
        self,
        device_id: str,
        port: Callable[[], str],
        health: Reports,
        *,
        baudrate: int,
        timeout: float,
        backoff: Backoff | None,
        simulator: Any,
    ):
        self.device_id = device_id
        self.timeout = timeout
        self.simulator = simulator  # the simulator when the backend is "simulator", for tests and demos
        self._port_path = port
        self._baudrate = baudrate
        self._health = health
        self._backoff = backoff or Backoff()
        self._serial: serial.Serial | None = None
        self._lock = threading.RLock()
        self._closed = False

    def _open_port(self) -> serial.Serial:
        """Open the port; raises what pyserial (or asking for the path) raises."""
        import serial  # only the boards with a serial device have pyserial

        self._serial = serial.Serial(
            self._port_path(), self._baudrate, timeout=self.timeout, write_timeout=self.timeout
        )
        return self._serial

    def _lost(self, e: Exception) -> None:
        log.warning("%s %s: port lost: %s", self.kind, self.device_id, e)
        self._drop_port()
        self._backoff.failed()

    def _drop_port(self) -> None:
        if self._serial is not None:
            try:
                self._serial.close()
            except Exception:  # already gone (unplugged): nothing left to tell anyone
                pass
            self._serial = None

    def _report(self, state: str, message: str) -> None:
        report_safely(self._health, self.device_id, self.kind, state, message)


def open_raw_pty() -> tuple[int, int, str]:
    """A pseudo-terminal pair in raw mode on both ends: (master_fd, slave_fd, slave_path).

    Raw mode on both ends so no byte is translated (no CR/LF mapping, no echo, no ^C handling): the
    ID-card protocol is binary and 0x0D or 0x03 must pass untouched.
    """
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    return master, slave, os.ttyname(slave)


class PtyDevice:
    """A simulated serial device on the master side of a pty, served by a daemon thread.

    Subclasses implement `on_bytes(data)` and answer with `send(data)`. `vanish()` closes the pty
    (the slave path disappears, as when a USB-serial adapter is pulled); `restore()` makes a new one,
    at a new path (`port`), as the kernel would.
    """

    name = "pty-device"

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._master = -1
        self._slave = -1
        self.port = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._open_pty()

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> Self:
        self._thread = threading.Thread(target=self._serve, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self._close_pty()

    def vanish(self) -> None:
        """Close both ends: the client's next read or write fails and the path no longer exists."""
        self._close_pty()

    def restore(self) -> str:
        """Come back on a fresh pty; returns the new slave path."""
        with self._lock:
            if self._master < 0:
                self._open_pty()
            return self.port

    @property
    def present(self) -> bool:
        return self._master >= 0

    # --- I/O ---------------------------------------------------------------------------------
    def send(self, data: bytes) -> None:
        with self._lock:
            fd = self._master
        if fd < 0 or not data:
            return
        view = memoryview(data)
        while view:
            try:
                n = os.write(fd, view)
            except BlockingIOError:
                time.sleep(0.001)
                continue
            except OSError:
                return  # the pty was closed under us (vanish): the bytes are lost, as on a real line
            view = view[n:]

    def on_bytes(self, data: bytes) -> None:  # pragma: no cover - subclasses implement it
        raise NotImplementedError

    # --- internals ---------------------------------------------------------------------------
    def _open_pty(self) -> None:
        self._master, self._slave, self.port = open_raw_pty()

    def _close_pty(self) -> None:
        with self._lock:
            for fd in (self._master, self._slave):
                if fd >= 0:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            self._master = self._slave = -1

    def _serve(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                fd = self._master
            if fd < 0:
                time.sleep(0.01)
                continue
            try:
                ready, _, _ = select.select([fd], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(fd, 4096)
            except (OSError, ValueError):
                time.sleep(0.01)  # closed by vanish() between the check and the read
                continue
            if data:
                try:
                    self.on_bytes(data)
                except Exception:  # a simulator bug must not kill the thread and look like silence
                    log.exception("%s: simulator failed on %r", self.name, data[:32])
