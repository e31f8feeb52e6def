"""The hall the UI tests run the faces in: the mini test hall's site file with a node for each face
(`write_site`), the real queue broker in the test process (`Broker`), plain MQTT nodes that take
tickets, send commands and record what is published (`Node`). Mosquitto is the session's real one
(tests/conftest.py). The faces themselves run in child processes: tests/ui/harness.py.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import threading
import time
from pathlib import Path

import yaml

from queue_broker.config.loader import load_site_config
from queue_broker.link import HallLink
from queue_broker.service.runner import HallService
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "mini-site.yaml"

# the kiosk's devices, all simulated (a test may set faults on them inside the kiosk)
KIOSK_DEVICES = [
    {"id": "printer", "kind": "printer", "backend": "simulator", "options": {}},
    {"id": "idcard", "kind": "idcard", "backend": "simulator", "options": {}},
    {"id": "scanner", "kind": "scanner", "backend": "simulator", "options": {}},
]
COUNTER_DEVICES = [
    {"id": "keypad", "kind": "keypad", "backend": "simulator", "options": {}},
    {"id": "rating", "kind": "rating_pad", "backend": "simulator", "options": {}},
    {"id": "printer", "kind": "printer", "backend": "simulator", "options": {}},
    {"id": "led", "kind": "led", "backend": "simulator", "options": {}},
]
# the sample hall (内乡县) and the items its kiosk shows first, for its screenshots and benchmarks
NEIXIANG = ROOT / "examples" / "neixiang"
NEIXIANG_FREQUENT = ["sb-card-apply", "bdc-transfer-resale", "yb-resident-enroll", "hj-idcard-renew"]
NEIXIANG_FREQUENT += ["gjj-withdrawal", "sb-record-print", "zh-consult", "sw-iit-annual"]
# the kiosk on a 21.5-inch portrait panel, as in most halls; quick timeouts unless a test wants others
KIOSK_SCREEN = {
    "width": 1080,
    "height": 1920,
    "diagonal_in": 21.5,
    "display_name": "1号自助机",
    "request_timeout_s": 2.0,
    "retry_max_s": 2.0,
    "speech": False,
    "frequent_service_ids": ["zh-general", "bdc-transfer", "sb-card", "sb-print"],
}
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

# a valid GB 11643 number (check digit computed) for a citizen who takes a ticket with the ID card
HOLDER = {"id_number": "411325199001011230", "name": "张三丰"}

_n = itertools.count()


def write_site(
    tmp: Path,
    site_id: str,
    *,
    kiosk: dict | None = None,
    kiosk_devices: list | None = None,
    display: dict | None = None,
    counter: dict | None = None,
    supervisor: dict | None = None,
    extra_counters: list[dict] | None = None,
    services: list | None = None,
    site_overrides: dict | None = None,
    rebalancer: bool = False,
    gateway: dict | None = None,
) -> Path:
    """The mini test hall with this test's site id and a node for each face: kiosk-1 (simulated
    printer, ID-card reader, scanner), display-1, counter-W1 (simulated keypad, rating pad, printer,
    LED strip), supervisor-1; `kiosk=`, `display=`, ... change their `screen:` settings."""
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    data["site"]["id"] = site_id
    data["site"].update(site_overrides or {})
    data["data_dir"] = str(tmp / "data")
    data["rebalancer"] = {"enabled": rebalancer, "review_every_s": 5}
    if gateway is not None:  # the site's gateway section (public_url: the tickets' QR codes)
        data["gateway"] = gateway
    if services is not None:
        data["services"] = services
    if extra_counters:
        data["counters"] += extra_counters
    faces = [
        {
            "id": "kiosk-1",
            "role": "kiosk",
            "zone": "main",
            "language": "zh",
            "devices": copy.deepcopy(KIOSK_DEVICES if kiosk_devices is None else kiosk_devices),
            "screen": {**KIOSK_SCREEN, **(kiosk or {})},
        },
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
    ids = {f["id"] for f in faces}
    data["nodes"] = [n for n in data["nodes"] if n["id"] not in ids] + faces
    path = tmp / f"site-{next(_n)}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


class Broker:
    """The real queue broker (HallService) in this process, for one site file. `published` notes when
    each event left it (wall time). `stop()` then `start()`: the broker restarts on the same data."""

    def __init__(
        self,
        site_path: Path,
        url: str,
        data_dir: Path,
        *,
        clock=None,
        tick_tasks: list | None = None,
        tick_interval_s: float = 1.0,
        production_tasks: bool = False,
        env: dict[str, str] | None = None,
        start: bool = True,
    ):
        self.site_path, self.url, self.data_dir, self.clock = site_path, url, data_dir, clock
        self.tick_tasks = tick_tasks or []
        self.tick_interval_s = tick_interval_s
        self.production_tasks = production_tasks
        self.env = dict(env or {})  # the broker's node.env as `queue_broker run` reads it (HALL_HANDOVER_SITES)
        self.published: list[tuple[float, str, dict]] = []
        self.service: HallService | None = None
        self.config = self.load_config()
        if start:
            self.start()

    def load_config(self):
        """The site file as the broker reads it (again: after a test changed the file)."""
        return load_site_config(self.site_path, env={"HALL_MQTT_URL": self.url, "HALL_DATA_DIR": str(self.data_dir)})

    def start(self) -> HallService:
        self.config = cfg = self.load_config()
        kwargs = {"clock": self.clock} if self.clock is not None else {}
        service = HallService(cfg, env=dict(self.env), tick_interval_s=self.tick_interval_s, **kwargs)
        if self.production_tasks:  # as `queue_broker run` wires it: monitoring, rebalancer, device-health feed
            from queue_broker.service.tasks import default_tasks
            from queue_broker.supervision import attach

            service.tick_tasks.extend(default_tasks(cfg))
            attach(service, env={})
        service.tick_tasks.extend(self.tick_tasks)
        original = service.link.publish

        def publish(topic, data, *args, **kwargs):
            if "/event/" in topic:
                self.published.append((time.time(), topic.rsplit("/", 1)[-1], dict(data)))
            return original(topic, data, *args, **kwargs)

        service.link.publish = publish
        self.service = service.start()
        assert service.link.wait_connected(10)
        return service

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()
            self.service = None

    @property
    def engine(self):
        return self.service.engine

    def tickets(self) -> list:
        return list(self.engine.tickets.values())

    def events(self, kind: str) -> list[tuple[float, dict]]:
        return [(t, d) for t, k, d in list(self.published) if k == kind]

    def stored(self, event_type: str) -> list[dict]:
        """The data of every event of this type in the broker's event log (the audit trail), oldest first."""
        return [r.event.data for r in self.service.store.iter_events() if r.event.type == event_type]


class Node:
    """A plain MQTT node speaking the contract (a kiosk taking tickets, a supervisor sending commands,
    a recorder): `record()` keeps what arrives on a topic filter, `watch()` everything of the site."""

    def __init__(self, url: str, site: str, node_id: str, role: str):
        self.link = HallLink(url, site, node_id, role).start()
        assert self.link.wait_connected(10)
        self.t = self.link.topics
        self.seen: list[tuple[float, str, bytes]] = []
        self._lock = threading.Lock()

    @classmethod
    def watch(cls, url: str, site: str) -> Node:
        """A supervisor-like node that records everything published under the site."""
        node = cls(url, site, f"watch-{os.getpid()}-{next(_n)}", "supervisor")
        node.record(node.t.everything())
        return node

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

    def open_counters(self, *counters: str) -> None:
        """Open each counter as the mini hall's operator `demo`; each must open."""
        for counter in counters:
            reply = self.send(self.t.counter_cmd(counter, "open"), operator_id="demo", pin="123456")
            assert reply["ok"], reply

    def record(self, topic_filter: str) -> None:
        def on(topic, payload, inbound):
            with self._lock:
                self.seen.append((time.time(), topic, bytes(payload)))

        self.link.subscribe(topic_filter, on)

    def payloads(self) -> list[tuple[str, bytes]]:
        """What was recorded, as sent: (topic, bytes)."""
        with self._lock:
            return [(t, p) for _, t, p in self.seen]

    def of(self, suffix: str) -> list[dict]:
        """The JSON bodies recorded on topics ending in `suffix` (a body that is not JSON: {})."""
        return [_json(p) for t, p in self.payloads() if t.endswith(suffix)]

    def wait_for(self, suffix: str, predicate=lambda body: True, timeout: float = 5.0) -> dict:
        """The first recorded body on a topic ending in `suffix` that `predicate` accepts."""
        return wait_for(
            lambda: next((body for body in self.of(suffix) if predicate(body)), None),
            timeout,
            f"a message on {suffix}",
            describe=lambda: f"last seen: {self.of(suffix)[-3:]}",
        )

    def stop(self) -> None:
        self.link.stop()


def _json(payload: bytes) -> dict:
    try:
        return json.loads(payload)
    except ValueError:
        return {}
