"""Fixtures for the kiosk tests: one X server for the session, a real queue broker per hall, kiosks
as child processes (see harness.py). Kivy is never imported in the pytest process itself."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from queue_broker.config.loader import load_site_config
from queue_broker.link import HallLink
from queue_broker.service.runner import HallService
from tests.waiting import wait_for

from .harness import Clock, KioskProcess, write_site

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
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()


class Hall:
    """A real HallService (in this process, injected clock) for one site file."""

    def __init__(self, site_path: Path, mqtt_url: str, data_dir: Path, clock: Clock):
        self.site_path, self.url, self.data_dir, self.clock = site_path, mqtt_url, data_dir, clock
        self.service: HallService | None = None

    def config(self):
        return load_site_config(self.site_path, env={"HALL_MQTT_URL": self.url, "HALL_DATA_DIR": str(self.data_dir)})

    def start(self) -> HallService:
        self.service = HallService(self.config(), clock=self.clock, env={}).start()
        assert self.service.link.wait_connected(5)
        return self.service

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()
            self.service = None

    @property
    def engine(self):
        return self.service.engine

    def tickets(self) -> list:
        return list(self.service.engine.tickets.values())


class Watcher:
    """A supervisor-like node that records everything published under the site."""

    def __init__(self, url: str, site: str):
        self.messages: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()
        self.link = HallLink(url, site, f"watch-{os.getpid()}-{time.monotonic_ns()}", "supervisor")
        self.link.subscribe(self.link.topics.everything(), self._on)
        self.link.start()
        assert self.link.wait_connected(5)

    def _on(self, topic, payload, inbound) -> None:
        with self._lock:
            self.messages.append((topic, bytes(payload)))

    def on(self, topic: str) -> list[dict]:
        with self._lock:
            return [json.loads(p) for t, p in self.messages if t == topic]

    def wait_for(self, topic: str, predicate=lambda body: True, timeout: float = 5.0) -> dict:
        return wait_for(
            lambda: next((body for body in self.on(topic) if predicate(body)), None),
            timeout,
            f"a message on {topic}",
            describe=lambda: f"last seen: {self.on(topic)[-3:]}",
        )

    def all_payloads(self) -> list[tuple[str, bytes]]:
        with self._lock:
            return list(self.messages)

    def request(self, topic: str, payload: dict, timeout: float = 5.0) -> dict:
        return self.link.request(topic, payload, timeout)

    def stop(self) -> None:
        self.link.stop()


def start_kiosk(
    site_path: Path, url: str, workdir: Path, display: str | None, clock_start: datetime | None = None, **kw
) -> KioskProcess:
    env = {"DISPLAY": display} if display else {}
    env.update(kw.pop("env", {}))
    kiosk = KioskProcess(site_path, url, workdir, clock_start=clock_start, env=env, **kw)
    kiosk.connect()
    return kiosk


@pytest.fixture
def make_hall(mosquitto, tmp_path, site_id):
    """make_hall(screen=..., site_overrides=..., start=FRIDAY_9AM) -> (hall, site_path)."""
    halls: list[Hall] = []

    def make(start: datetime = FRIDAY_9AM, url: str | None = None, **site_kw):
        path = write_site(tmp_path, site_id, **site_kw)
        hall = Hall(path, url or mosquitto.url, tmp_path / "data", Clock(start))
        hall.start()
        halls.append(hall)
        return hall, path

    yield make
    for h in halls:
        h.stop()
