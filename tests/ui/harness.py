"""Run the hall's staff and display screens (`python -m kiosk_app.callscreen|counter|supervisor`)
each in its own process, and drive them like a person would.

Kivy's window is a process singleton, so every screen runs in a child process with a real window
(SDL's offscreen driver without DISPLAY, X11 under xvfb-run); the test talks to it through the
screen's remote control socket (kiosk_app/common/remote.py; the process side is tests/remote_app.py):
taps are real touch events, keys go through the window's key handler, screenshots are rendered frames
(tests/remote_app.py: where they go). The queue broker (HallService) and Mosquitto are real and run in
(or from) the test process.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import yaml

from queue_broker.config.loader import load_site_config
from queue_broker.link import HallLink
from queue_broker.service.runner import HallService
from tests.remote_app import ROOT, RemoteApp, RemoteAppError

MINI = ROOT / "tests" / "fixtures" / "mini-site.yaml"

COUNTER_DEVICES = [
    {"id": "keypad", "kind": "keypad", "backend": "simulator", "options": {}},
    {"id": "rating", "kind": "rating_pad", "backend": "simulator", "options": {}},
    {"id": "printer", "kind": "printer", "backend": "simulator", "options": {}},
    {"id": "led", "kind": "led", "backend": "simulator", "options": {}},
]
# test-sized windows: the call screen keeps its 1080p panel, the others the usual tablet
# (the notice line scrolls at 5 frames a second here, not 20: every frame is a full software-GL
# redraw of 1080p on a shared 2-core test machine)
DISPLAY_SCREEN = {
    "width": 1920,
    "height": 1080,
    "diagonal_in": 55,
    "fullscreen": False,
    "flash_s": 3,
    "marquee_fps": 5,
    "notices": ["午间 12:00–14:00 窗口暂停服务，自助区 24 小时开放"],
}
COUNTER_SCREEN = {"width": 1280, "height": 800, "diagonal_in": 13.3, "request_timeout_s": 3}
SUPERVISOR_SCREEN = {"width": 1280, "height": 800, "diagonal_in": 10.1, "request_timeout_s": 3}

_n = itertools.count()

# a valid GB 11643 number (check digit computed) for a citizen who takes a ticket with the ID card
HOLDER = {"id_number": "411325199001011230", "name": "张三丰"}


def write_site(
    tmp: Path,
    site_id: str,
    *,
    extra_counters: list[dict] | None = None,
    display: dict | None = None,
    counter: dict | None = None,
    supervisor: dict | None = None,
    rebalancer: bool = False,
) -> Path:
    """The mini test hall, with this test's site id and the screen nodes."""
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    data["site"]["id"] = site_id
    data["data_dir"] = str(tmp / "data")
    data["rebalancer"] = {"enabled": rebalancer, "review_every_s": 5}
    if extra_counters:
        data["counters"] += extra_counters
    nodes = [n for n in data["nodes"] if n["id"] not in ("counter-W1",)]
    nodes += [
        {"id": "display-1", "role": "display", "zone": "main", "screen": {**DISPLAY_SCREEN, **(display or {})}},
        {
            "id": "counter-W1",
            "role": "counter",
            "counter_id": "W1",
            "devices": copy.deepcopy(COUNTER_DEVICES),
            "screen": {**COUNTER_SCREEN, **(counter or {})},
        },
        {"id": "supervisor-1", "role": "supervisor", "screen": {**SUPERVISOR_SCREEN, **(supervisor or {})}},
    ]
    data["nodes"] = nodes
    path = tmp / f"site-{next(_n)}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


class Broker:
    """The real queue broker in this process. `published` notes when each event left it (wall time)."""

    def __init__(
        self,
        site_path: Path,
        url: str,
        data_dir: Path,
        tick_tasks: list | None = None,
        tick_interval_s: float = 1.0,
        clock=None,
        production_tasks: bool = False,
        env: dict[str, str] | None = None,
    ):
        cfg = load_site_config(site_path, env={"HALL_MQTT_URL": url, "HALL_DATA_DIR": str(data_dir)})
        self.config = cfg
        kwargs = {"clock": clock} if clock is not None else {}
        # env: the broker's node.env as `queue_broker run` reads it (e.g. HALL_HANDOVER_SITES)
        self.service = HallService(cfg, env=dict(env or {}), tick_interval_s=tick_interval_s, **kwargs)
        if production_tasks:  # as `queue_broker run` wires it: monitoring, rebalancer, device-health feed
            from queue_broker.service.tasks import default_tasks
            from queue_broker.supervision import attach

            self.service.tick_tasks.extend(default_tasks(cfg))
            attach(self.service, env={})
        self.service.tick_tasks.extend(tick_tasks or [])
        self.published: list[tuple[float, str, dict]] = []
        original = self.service.link.publish

        def publish(topic, data, *args, **kwargs):
            if "/event/" in topic:
                self.published.append((time.time(), topic.rsplit("/", 1)[-1], dict(data)))
            return original(topic, data, *args, **kwargs)

        self.service.link.publish = publish
        self.service.start()
        assert self.service.link.wait_connected(10)

    @property
    def engine(self):
        return self.service.engine

    def events(self, kind: str) -> list[tuple[float, dict]]:
        return [(t, d) for t, k, d in list(self.published) if k == kind]

    def stop(self) -> None:
        self.service.stop()


class Node:
    """A plain MQTT node (a kiosk taking tickets, a recorder) speaking the contract."""

    def __init__(self, url: str, site: str, node_id: str, role: str):
        self.link = HallLink(url, site, node_id, role).start()
        assert self.link.wait_connected(10)
        self.t = self.link.topics
        self.seen: list[tuple[float, str, dict]] = []
        self._lock = threading.Lock()

    def send(self, topic: str, timeout: float = 5.0, **payload) -> dict:
        payload.setdefault("request_id", f"req-{os.getpid()}-{next(_n)}")
        return self.link.request(topic, payload, timeout)

    def issue(self, service: str = "zh-general", **kw) -> dict:
        reply = self.send(
            self.t.ticket_issue(),
            kiosk_id=self.link.node_id,
            service_id=service,
            channel=kw.pop("channel", "walk_in"),
            **kw,
        )
        assert reply["ok"], reply
        return reply["ticket"]

    def record(self, topic_filter: str) -> None:
        def on(topic, payload, inbound):
            try:
                body = json.loads(payload)
            except ValueError:
                body = {}
            with self._lock:
                self.seen.append((time.time(), topic, body))

        self.link.subscribe(topic_filter, on)

    def of(self, suffix: str) -> list[dict]:
        with self._lock:
            return [b for _, t, b in self.seen if t.endswith(suffix)]

    def stop(self) -> None:
        self.link.stop()


class ScreenError(RemoteAppError):
    pass


class ScreenProcess(RemoteApp):
    """One screen app (`app`: callscreen, counter, supervisor) in a child process, with its remote control."""

    error = ScreenError
    connect_timeout = 40.0

    def __init__(
        self,
        app: str,
        site_path: Path,
        node: str,
        mqtt_url: str,
        workdir: Path,
        *,
        window: str | None = None,
        env: dict | None = None,
    ):
        self.app = app
        args = ["--config", str(site_path), "--node", node, "--windowed"] + (["--window", window] if window else [])
        super().__init__(app, f"kiosk_app.{app}", args, mqtt_url, workdir, env=env)

    def type(self, tid: str, text: str) -> None:
        result = self.call("type", tid=tid, text=text)
        if not result["typed"]:
            raise ScreenError(f"{self.app}: {result['why']}")

    def key(self, name: str) -> None:
        result = self.call("key", name=name)
        if not result["pressed"]:
            raise ScreenError(f"{self.app}: {result['why']}")

    def resize(self, width: int, height: int) -> None:
        self.call("resize", width=width, height=height)

    def do(self, method: str, *args) -> Any:
        return self.call("call", method=method, args=list(args))


def log_in_supervisor(sup: ScreenProcess, supervisor: str = "super", pin: str = "123456") -> dict:
    """The login screen of a connected supervisor tablet, as a supervisor fills it in; the state once the
    hall screen shows."""
    sup.type("login.supervisor", supervisor)
    sup.type("login.pin", pin)
    sup.tap("login.submit")
    return sup.wait_for(lambda s: s["screen"] == "hall", 10, "logged in")
