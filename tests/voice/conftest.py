"""Fixtures for the voice tests: a small two-zone site file, a publisher acting as the broker, events."""

from __future__ import annotations

import json
import shutil
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from queue_broker.link import HallLink
from queue_broker.protocol.messages import CalledEvent
from tests.waiting import wait_for

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def write_site(tmp_path: Path, site_id: str, url: str, voice: dict | None = None) -> Path:
    """Counters 1-3 and 12 on the ground floor, 20 upstairs; one voice node per floor."""
    site = {
        "site": {"id": site_id, "name": "测试大厅", "opening_hours": {"mon": [{"start": "08:30", "end": "17:30"}]}},
        "mqtt": {"url": url},
        "data_dir": str(tmp_path / "var"),
        "queues": [{"id": "ZH", "prefix": "A", "name": "综合受理"}, {"id": "SB", "prefix": "B", "name": "社会保险"}],
        "counters": [
            {"id": "c01", "number": 1, "name": "1号窗口", "zone": "ground", "home": ["ZH"]},
            {"id": "c02", "number": 2, "name": "2号窗口", "zone": "ground", "home": ["ZH"]},
            {"id": "c03", "number": 3, "name": "3号窗口", "zone": "ground", "home": ["SB"]},
            {"id": "c12", "number": 12, "name": "12号窗口", "zone": "ground", "home": ["SB"]},
            {"id": "c20", "number": 20, "name": "20号窗口", "zone": "first", "home": ["SB"]},
        ],
        "voice": voice or {},
        "nodes": [
            {"id": "broker", "role": "broker", "zone": "ground"},
            {"id": "voice-ground", "role": "voice", "zone": "ground"},
            {"id": "voice-first", "role": "voice", "zone": "first"},
            {"id": "kiosk-1", "role": "kiosk", "zone": "ground"},
        ],
    }
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(site, allow_unicode=True), encoding="utf-8")
    return path


# short announcements keep the queue tests fast; the rendering is still real espeak-ng
FAST_VOICE = {"template": "{number}号到{counter}号窗口", "repeat": 1, "rate": 350, "chime": False}


def called(
    number: str,
    counter_id: str,
    counter_number: int,
    recall: int = 0,
    ticket_id: str | None = None,
    zone: str | None = None,
) -> CalledEvent:
    return CalledEvent(
        at=datetime.now(UTC),
        ticket_id=ticket_id or f"t-{number}",
        number=number,
        queue_id="ZH",
        counter_id=counter_id,
        counter_number=counter_number,
        counter_name=f"{counter_number}号窗口",
        recall=recall,
        zone=zone,
    )


@pytest.fixture
def hall_broker(mosquitto, site_id):
    """A HallLink with node id 'broker', publishing as the queue broker would."""
    link = HallLink(mosquitto.url, site_id, "broker", "broker").start()
    try:  # stopped even when it does not connect: a stray "broker" would push later tests' broker off
        assert link.wait_connected(5)
        yield link
    finally:
        link.stop()


def wait_listening(url: str, site_id: str, node_id: str, timeout: float = 5.0) -> None:
    """Until the node's subscriptions are in force. Its link subscribes on connecting, then publishes its
    retained online status on the same connection, which Mosquitto reads in order: once the status is
    seen, the SUBSCRIBE has been done."""
    online = threading.Event()
    probe = HallLink(url, site_id, f"probe-{node_id}-{time.monotonic_ns()}", "supervisor")

    def on_status(topic: str, payload: bytes, inbound) -> None:
        if json.loads(payload).get("online"):
            online.set()

    probe.subscribe(probe.topics.node_status(node_id), on_status)
    probe.start()
    try:
        wait_for(online.is_set, timeout, f"{node_id} online (its subscriptions in force)")
    finally:
        probe.stop()
