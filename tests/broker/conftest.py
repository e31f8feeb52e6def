"""A real queue broker (HallService in this process, injected clock) on the session's real Mosquitto."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from queue_broker.config.loader import load_site_config
from queue_broker.link import HallLink, LinkTimeout
from queue_broker.service.runner import HallService
from tests.waiting import wait_for

from ..clock import Clock  # noqa: F401 - re-exported for the broker tests

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "mini-site.yaml"
TZ = ZoneInfo("Asia/Shanghai")
_ids = itertools.count()


class Node:
    """A kiosk, counter terminal or supervisor tablet, speaking only MQTT."""

    def __init__(self, url: str, site: str, node_id: str, role: str):
        self.link = HallLink(url, site, node_id, role).start()
        assert self.link.wait_connected(5)
        self.t = self.link.topics

    def send(self, topic: str, timeout: float = 5.0, request_id: str | None = None, **payload) -> dict:
        payload.setdefault("request_id", request_id or f"req-{next(_ids)}")
        return self.link.request(topic, payload, timeout)

    def raw(self, topic: str, body: bytes, timeout: float = 5.0) -> dict:
        return self.link.request(topic, body, timeout)

    def issue(self, service="zh-general", channel="walk_in", **kw) -> dict:
        return self.send(self.t.ticket_issue(), kiosk_id=self.link.node_id, service_id=service, channel=channel, **kw)

    def counter(self, counter_id: str, action: str, **kw) -> dict:
        return self.send(self.t.counter_cmd(counter_id, action), **kw)

    def stop(self) -> None:
        self.link.stop()


class Recorder:
    """Everything published under the site, as (topic, payload) in arrival order."""

    def __init__(self, url: str, site: str):
        self.messages: list[tuple[str, dict, bool]] = []
        self._lock = threading.Lock()
        self.link = HallLink(url, site, f"recorder-{next(_ids)}", "supervisor")
        self.link.subscribe(self.link.topics.everything(), self._on)
        self.link.start()
        assert self.link.wait_connected(5)

    def _on(self, topic, payload, inbound) -> None:
        try:
            body = json.loads(payload)
        except ValueError:
            body = {"_raw": payload.decode("utf-8", "replace")}
        with self._lock:
            self.messages.append((topic, body, inbound.retain))

    def of(self, suffix: str) -> list[dict]:
        with self._lock:
            return [b for t, b, _ in self.messages if t.endswith(suffix)]

    def wait_for(self, suffix: str, predicate=lambda b: True, timeout: float = 5.0) -> dict:
        return wait_for(
            lambda: next((b for b in self.of(suffix) if predicate(b)), None), timeout, f"a message on {suffix}"
        )

    def stop(self) -> None:
        self.link.stop()


class BrokerProcess:
    """`python -m queue_broker run --config SITE` with its own MQTT URL and data folder (and `env` over
    them), its output in `out`."""

    def __init__(self, site: Path, url: str, data: Path, env: dict[str, str] | None = None):
        full_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("HALL_")},
            "HALL_MQTT_URL": url,
            "HALL_DATA_DIR": str(data),
            "HALL_ID_HASH_KEY": "00" * 32,
            **(env or {}),
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "queue_broker", "run", "--config", str(site)],
            cwd=ROOT,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(iter(self.proc.stdout.readline, "")), daemon=True).start()

    @property
    def out(self) -> str:
        return "".join(self.lines)

    def wait_running(self, timeout: float = 30) -> None:
        def running() -> bool:
            assert self.proc.poll() is None, self.out  # it exited instead
            return " running (data in " in self.out

        wait_for(running, timeout, "the broker running", step=0.05, describe=lambda: self.out)

    def kill(self) -> None:
        """SIGKILL, as a power cut or the OOM killer would: nothing of it runs after."""
        self.proc.kill()
        self.proc.wait(10)

    def finished(self, timeout: float = 30) -> int:
        return self.proc.wait(timeout)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(20)


class Hall:
    def __init__(
        self, url: str, site: str, data_dir: Path, clock: Clock, config_path: Path = MINI, db_url: str | None = None
    ):
        self.url, self.site, self.data_dir, self.clock = url, site, data_dir, clock
        self.db_url = db_url
        self.config_path = config_path
        self.nodes: list[Node | Recorder] = []
        self.service: HallService | None = None

    def start(self) -> HallService:
        cfg = load_site_config(self.config_path, env={"HALL_MQTT_URL": self.url, "HALL_DATA_DIR": str(self.data_dir)})
        cfg.site.id = self.site
        env = {"HALL_DB_URL": self.db_url} if self.db_url else {}
        self.service = HallService(cfg, clock=self.clock, env=env).start()
        assert self.service.link.wait_connected(5)
        self._until_it_answers()
        return self.service

    def __enter__(self) -> Hall:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _until_it_answers(self, timeout: float = 15.0) -> None:
        """Connected is not yet subscribed: a command published before Mosquitto has the broker's
        SUBSCRIBE goes to nobody (seen under load as a 5 s timeout on a test's first request). Ask a
        read-only question until the broker answers it."""
        probe = HallLink(self.url, self.site, f"probe-{next(_ids)}", "kiosk").start()
        try:
            assert probe.wait_connected(5)
            deadline = time.monotonic() + timeout
            while True:
                try:
                    probe.request(
                        probe.topics.ticket_status(), {"request_id": f"p-{next(_ids)}", "ticket_id": "-"}, 1.0
                    )
                    return
                except LinkTimeout:
                    assert time.monotonic() < deadline, "the queue broker never answered"
        finally:
            probe.stop()

    def stop_broker(self) -> None:
        if self.service:
            self.service.stop()
            self.service = None

    def make_store_read_only(self, on: bool) -> None:
        db = self.service.store._db
        if self.db_url:
            db.execute(f"SET default_transaction_read_only = {'on' if on else 'off'}")
        else:
            db.execute(f"PRAGMA query_only = {'ON' if on else 'OFF'}")

    def node(self, node_id: str, role: str) -> Node:
        n = Node(self.url, self.site, node_id, role)
        self.nodes.append(n)
        return n

    def recorder(self) -> Recorder:
        """A Recorder of the site, stopped with the hall's nodes."""
        r = Recorder(self.url, self.site)
        self.nodes.append(r)
        return r

    def close(self) -> None:
        for n in self.nodes:
            n.stop()
        self.stop_broker()


@pytest.fixture
def clock():
    return Clock(datetime(2026, 11, 27, 9, 0, tzinfo=TZ))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def hall(request, mosquitto, site_id, tmp_path, clock):
    """The same tests run with the embedded SQLite store and with the shared PostgreSQL store."""
    db_url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    with Hall(mosquitto.url, site_id, tmp_path / "data", clock, db_url=db_url) as h:
        yield h


@pytest.fixture
def kiosk(hall):
    return hall.node("kiosk-1", "kiosk")


@pytest.fixture
def desk(hall):
    """A counter terminal (and supervisor) node."""
    return hall.node("counter-W1", "counter")


@pytest.fixture
def recorder(hall):
    return hall.recorder()
