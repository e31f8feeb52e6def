"""systemd's watchdog that sees a hang: `WATCHDOG=1` only while the node's work loops make progress.

A program that pets the watchdog from a thread of its own is restarted when it crashes, never when it
hangs: the pinging thread keeps going while the thread doing the work is stuck. Here each work loop
registers a `Heartbeat` and beats it whenever it has done a round of work (the broker's engine thread
after each tick it handled, the voice node's player between announcements, a screen's Kivy loop once a
second); the pinging thread sends `WATCHDOG=1` only when every heartbeat is fresh. A loop that stops
beating stops the pings, and systemd (`WatchdogSec=` in the unit) kills and restarts the program.

A loop about to do something long on purpose (an announcement of 20 s) says so with `busy(seconds)`,
which keeps it fresh that long and no longer; a player that hangs past it still stops the pings.

The sd_notify protocol is a datagram to the socket named by `NOTIFY_SOCKET` (a path, or `@name` in the
abstract namespace); without it (a test, a terminal, `up` without its socket) every send is skipped.
`WATCHDOG_USEC` (set by systemd from `WatchdogSec=`) sets the pace: pings at a sixth of it, a loop
stale after half of it. How a node uses it:

    watchdog = Watchdog.from_env()
    beat = watchdog.loop("engine")          # one per work loop that must not hang
    watchdog.start()                        # the pinging thread
    watchdog.ready()                        # READY=1 once the node serves
    ... in the loop:  beat.beat()
    watchdog.stop()                         # STOPPING=1 and the thread ends
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

log = logging.getLogger("hall.watchdog")

DEFAULT_INTERVAL_S = 5.0  # without WATCHDOG_USEC (up's socket, a test): what `up` expects
DEFAULT_STALE_AFTER_S = 15.0  # half of the units' WatchdogSec=30


def notify_address(value: str) -> str | bytes:
    """NOTIFY_SOCKET as a socket address: `@name` is Linux's abstract namespace (a leading NUL)."""
    return b"\0" + value[1:].encode() if value.startswith("@") else value


class Notifier:
    """Sends sd_notify datagrams; a no-op when the program was not started with NOTIFY_SOCKET."""

    def __init__(self, socket_path: str | None):
        self.socket_path = socket_path or None
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.socket_path is not None

    def send(self, message: str) -> bool:
        if self.socket_path is None:
            return False
        with self._lock:
            try:
                if self._sock is None:
                    self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                    self._sock.setblocking(False)
                self._sock.sendto(message.encode(), notify_address(self.socket_path))
                return True
            except OSError as exc:  # the manager went away (up stopped): nothing to tell
                log.debug("sd_notify %s not sent: %s", message.split("=")[0], exc)
                return False

    def close(self) -> None:
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None


class Heartbeat:
    """One work loop's sign of life. `beat()` after each round of work; thread-safe enough (one float)."""

    def __init__(self, name: str, stale_after_s: float, clock: Callable[[], float]):
        self.name = name
        self.stale_after_s = stale_after_s
        self._clock = clock
        self._fresh_until = clock() + stale_after_s

    def beat(self) -> None:
        self._fresh_until = self._clock() + self.stale_after_s

    @contextmanager
    def busy(self, seconds: float) -> Iterator[None]:
        """Fresh for `seconds` more than usual while the block runs (a long announcement, a big replay)."""
        self._fresh_until = self._clock() + self.stale_after_s + max(0.0, seconds)
        try:
            yield
        finally:
            self.beat()

    def late_by(self) -> float:
        """Seconds past its freshness; 0 while fresh."""
        return max(0.0, self._clock() - self._fresh_until)


class Watchdog:
    def __init__(
        self,
        notifier: Notifier,
        *,
        interval_s: float = DEFAULT_INTERVAL_S,
        stale_after_s: float = DEFAULT_STALE_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.notifier = notifier
        self.interval_s = interval_s
        self.stale_after_s = stale_after_s
        self._clock = clock
        self._loops: list[Heartbeat] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stalled = False
        self.pings = 0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **kw: Any) -> Watchdog:
        """The watchdog systemd (or `up`) set up for this process. `WATCHDOG_PID` naming another process
        means the variables were inherited, not meant for us: then nothing is sent. A program under cage
        (the screens) is cage's child, so the parent's pid counts as ours (the unit sets NotifyAccess=all)."""
        env = os.environ if env is None else env
        path = env.get("NOTIFY_SOCKET") or None
        pid = env.get("WATCHDOG_PID")
        if path and pid and pid.isdigit() and int(pid) not in (os.getpid(), os.getppid()):
            path = None
        usec = env.get("WATCHDOG_USEC", "")
        if usec.isdigit() and int(usec) > 0:
            period = int(usec) / 1e6
            kw.setdefault("interval_s", max(0.05, period / 6))
            kw.setdefault("stale_after_s", max(0.1, period / 2))
        return cls(Notifier(path), **kw)

    # --- the work loops --------------------------------------------------------------------------
    def loop(self, name: str, stale_after_s: float | None = None) -> Heartbeat:
        beat = Heartbeat(name, stale_after_s or self.stale_after_s, self._clock)
        self._loops.append(beat)
        return beat

    def stalled(self) -> list[tuple[str, float]]:
        """(loop, seconds since it should have beaten) for every loop that is late."""
        return [(b.name, b.late_by() + b.stale_after_s) for b in self._loops if b.late_by() > 0]

    # --- talking to systemd ----------------------------------------------------------------------
    def ready(self, status: str = "") -> None:
        self.notifier.send("READY=1" + (f"\nSTATUS={status}" if status else ""))

    def check(self) -> bool:
        """Ping when every loop is fresh; when one is not, say which (once, in the log and the unit's
        status) and send nothing, so systemd restarts the program after WatchdogSec."""
        stalled = self.stalled()
        if stalled:
            if not self._stalled:
                what = ", ".join(f"{name} (no progress for {age:.0f} s)" for name, age in stalled)
                log.error("hung: %s; watchdog pings stopped so that systemd restarts this program", what)
                self.notifier.send(f"STATUS=hung: {what}")
            self._stalled = True
            return False
        if self._stalled:
            log.warning("every work loop makes progress again; watchdog pings resumed")
            self.notifier.send("STATUS=running")
            self._stalled = False
        if self.notifier.send("WATCHDOG=1"):
            self.pings += 1
        return True

    def start(self) -> Watchdog:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="hall-watchdog", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.check()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.interval_s + 1)
            self._thread = None
        self.notifier.send("STOPPING=1")
        self.notifier.close()
