"""systemd's watchdog sees a hang (issue 19 item 1): WATCHDOG=1 only while the work loops make progress.

Every test reads a real sd_notify datagram socket of its own (tests/notify_socket.py), as systemd would.
The broker tests run the real queue broker on the session's real Mosquitto; its engine thread is stalled
by a periodic task that blocks, which is what a hung engine looks like from outside: the process and its
other threads keep running, only the engine makes no progress.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from queue_broker.config.loader import load_site_config
from queue_broker.service.runner import HallService
from queue_broker.watchdog import Notifier, Watchdog, notify_address
from tests.broker.conftest import BrokerProcess
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "mini-site.yaml"
pytestmark = pytest.mark.faults


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_pings_only_while_every_loop_is_fresh(notify):
    clock = FakeClock()
    dog = Watchdog(Notifier(str(notify.path)), interval_s=1, stale_after_s=10, clock=clock)
    engine, player = dog.loop("engine"), dog.loop("player")
    assert dog.check() is True
    clock.now += 8
    engine.beat()
    clock.now += 5  # player last beat 13 s ago: stale
    assert dog.check() is False
    assert dog.stalled() == [("player", pytest.approx(13))]
    assert dog.check() is False  # said once, not on every check
    player.beat()
    assert dog.check() is True
    with player.busy(60):  # a long announcement on purpose: fresh for 60 s more, not for ever
        clock.now += 65
        assert [name for name, _ in dog.stalled()] == ["engine"]  # stale by now; the busy player is not
        assert dog.check() is False
        engine.beat()
        assert dog.check() is True
        clock.now += 10
        assert [name for name, _ in dog.stalled()] == ["player"]
    # datagrams arrive on the socket's reader thread: wait for all seven (three pings, two hung, two running)
    wait_for(lambda: len(notify.lines()) >= 7, 5, "the watchdog's seven notifications")
    lines = notify.lines()
    assert lines.count("WATCHDOG=1") == 3 and lines.count("STATUS=running") == 2
    hung = [line for line in lines if line.startswith("STATUS=hung")]
    assert len(hung) == 2 and "player (no progress for 13 s)" in hung[0]


def test_no_socket_sends_nothing_and_inherited_variables_are_not_ours(notify):
    assert Watchdog.from_env({}).notifier.enabled is False
    other = str(os.getpid() + 100_000)  # no such process: variables inherited from a parent's unit
    env = {"NOTIFY_SOCKET": str(notify.path), "WATCHDOG_PID": other, "WATCHDOG_USEC": "30000000"}
    assert Watchdog.from_env(env).notifier.enabled is False
    mine = Watchdog.from_env({**env, "WATCHDOG_PID": str(os.getpid())})
    assert mine.notifier.enabled and mine.interval_s == 5 and mine.stale_after_s == 15
    assert notify_address("@hall/notify") == b"\0hall/notify"


def start_service(mosquitto, site_id, tmp_path, dog: Watchdog) -> HallService:
    cfg = load_site_config(MINI, env={"HALL_MQTT_URL": mosquitto.url, "HALL_DATA_DIR": str(tmp_path / "data")})
    cfg.site.id = site_id
    service = HallService(cfg, tick_interval_s=0.1, watchdog=dog)
    return service


def test_broker_stops_pinging_when_its_engine_hangs_and_resumes_after(notify, mosquitto, site_id, tmp_path):
    dog = Watchdog(Notifier(str(notify.path)), interval_s=0.1, stale_after_s=1.0)
    service = start_service(mosquitto, site_id, tmp_path, dog)
    release, entered = threading.Event(), threading.Event()
    hang = {"on": False}

    def maybe_hang(engine, now):
        if hang["on"]:
            entered.set()
            release.wait(30)  # a stuck engine: the tick never ends
        return []

    service.tick_tasks.append(maybe_hang)
    service.start()
    dog.start()
    try:
        assert service.link.wait_connected(5)
        time.sleep(1.5)
        now = time.monotonic()  # a working engine keeps pinging (about 10 a second; never half a second without)
        assert notify.longest_silence("WATCHDOG=1", now - 1.0, now) < 0.5, notify.lines()

        hang["on"] = True
        assert entered.wait(5)
        stalled_at = time.monotonic()
        notify.wait_for("STATUS=hung: engine", timeout=3, since=stalled_at)
        quiet_from = time.monotonic()
        time.sleep(1.0)
        assert notify.pings(since=quiet_from) == 0  # no WATCHDOG=1 while the engine is stuck
        assert service._threads[0].is_alive()  # the process is up: only a watchdog can tell

        hang["on"] = False
        release.set()
        running_at = time.monotonic()
        notify.wait_for("STATUS=running", timeout=3, since=quiet_from)
        # progress again: pings again
        wait_for(lambda: notify.pings(since=running_at) >= 2, 3, "pings again after the engine moved on")
    finally:
        release.set()
        dog.stop()
        service.stop()
    assert notify.lines()[-1] == "STOPPING=1"


def test_broker_process_is_ready_and_keeps_pinging(notify, mosquitto, site_id, tmp_path):
    site = tmp_path / "site.yaml"
    site.write_text(MINI.read_text(encoding="utf-8").replace("id: mini", f"id: {site_id}", 1), encoding="utf-8")
    # WatchdogSec=6: a ping a second; the engine (a tick a second) stale after 3 s
    watched = {"NOTIFY_SOCKET": str(notify.path), "WATCHDOG_USEC": "6000000"}
    broker = BrokerProcess(site, mosquitto.url, tmp_path / "data", env=watched)
    try:
        assert notify.wait_for("READY=1", timeout=20)
        since = time.monotonic()
        time.sleep(4.0)
        assert notify.pings(since=since) >= 3, notify.lines()
        assert not notify.lines("STATUS=hung")
    finally:
        returncode = broker.stop()
    assert returncode == 0, broker.out
    assert notify.lines()[-1] == "STOPPING=1"
