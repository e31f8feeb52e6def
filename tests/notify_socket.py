"""A test's own sd_notify socket: what systemd would receive from a program it started with NOTIFY_SOCKET."""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from itertools import pairwise
from pathlib import Path

import pytest


class NotifySocket:
    """Binds a datagram socket at `path` and records every (monotonic time, line) a program sends."""

    def __init__(self, path: Path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.1)
        self.messages: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            now = time.monotonic()
            with self._lock:
                self.messages.extend((now, line) for line in data.decode().splitlines())

    def lines(self, prefix: str = "", since: float = 0.0) -> list[str]:
        with self._lock:
            return [m for t, m in self.messages if t >= since and m.startswith(prefix)]

    def longest_silence(self, prefix: str, since: float, until: float) -> float:
        """The longest stretch between `since` and `until` with no line starting with `prefix`."""
        with self._lock:
            times = [t for t, m in self.messages if since <= t <= until and m.startswith(prefix)]
        edges = [since, *times, until]
        return max(b - a for a, b in pairwise(edges))

    def pings(self, since: float = 0.0) -> int:
        return len(self.lines("WATCHDOG=1", since))

    def wait_for(self, prefix: str, timeout: float = 10.0, since: float = 0.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.lines(prefix, since)
            if found:
                return found[0]
            time.sleep(0.02)
        raise AssertionError(f"no {prefix!r} on the notify socket within {timeout} s; got {self.lines()}")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()
        self.path.unlink(missing_ok=True)


@pytest.fixture
def notify():
    """A NotifySocket in a short temporary folder (AF_UNIX paths are limited to 107 bytes: pytest's
    tmp_path can be longer). Import it into a test module to use it as a fixture."""
    folder = Path(tempfile.mkdtemp(prefix="notify-"))
    sock = NotifySocket(folder / "n.sock")
    yield sock
    sock.close()
    folder.rmdir()
