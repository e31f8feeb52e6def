"""Fixtures for the kiosk tests: one X server for the session (the kiosks run as child processes on
it, tests/ui/harness.py: KioskProcess; Kivy is never imported in the pytest process itself)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from queue_broker.processes import stop_process
from tests.clock import Clock
from tests.ui.hall import Broker, Node, write_site
from tests.ui.harness import KioskProcess, start_kiosk

TZ = ZoneInfo("Asia/Shanghai")
FRIDAY_9AM = datetime(2026, 11, 27, 9, 0, tzinfo=TZ)


@pytest.fixture(scope="session")
def display():
    """A real X server (Xvfb) for the kiosks' windows, like a kiosk's display; without Xvfb (or when
    DISPLAY is set already) the kiosks use what there is (SDL falls back to `offscreen`)."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    xvfb = shutil.which("Xvfb")
    if os.environ.get("KIOSK_TEST_DISPLAY") == "offscreen":  # force SDL's offscreen driver
        xvfb = None
    if not xvfb:
        yield None
        return
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [xvfb, "-displayfd", str(write_fd), "-screen", "0", "1080x1920x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    os.close(write_fd)
    number = b""
    deadline = time.monotonic() + 10
    while not number.endswith(b"\n") and time.monotonic() < deadline:
        chunk = os.read(read_fd, 16)
        if not chunk:
            break
        number += chunk
    os.close(read_fd)
    try:
        yield f":{int(number)}"
    finally:
        stop_process(proc, 5)


@dataclass
class KioskHall:
    """A hall for a kiosk test: its site file, the broker on an injected clock, a watcher of everything
    published, a connected kiosk whose clock started with the broker's."""

    path: Path
    clock: Clock
    broker: Broker
    watcher: Node
    kiosk: KioskProcess


@contextmanager
def kiosk_hall(url: str, tmp: Path, site_id: str, display: str | None, start: datetime = FRIDAY_9AM, **site):
    """The mini hall (tests/ui/hall.py: write_site, `site` its options) with a ready kiosk; all of it
    stopped at the end."""
    path = write_site(tmp, site_id, **site)
    clock = Clock(start)
    with ExitStack() as stack:
        broker = Broker(path, url, tmp / "data", clock=clock)
        stack.callback(broker.stop)
        watcher = Node.watch(url, site_id)
        stack.callback(watcher.stop)
        kiosk = start_kiosk(path, url, tmp / "kiosk", display, clock_start=start)
        stack.callback(kiosk.close)
        kiosk.ready()
        yield KioskHall(path, clock, broker, watcher, kiosk)
