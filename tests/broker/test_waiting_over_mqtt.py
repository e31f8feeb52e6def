"""Over MQTT, from the real broker: the retained state/queues says why each wait is what it is and marks a
demonstration (`up --open-now`), and a closed hall's refusal is a Chinese sentence naming when it opens.
What every face (kiosk, call screen, counter, tablet) reads in phase 2 instead of its own guess."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path

from queue_broker.config.loader import load_site_config
from queue_broker.protocol.messages import QueuesState, parse
from queue_broker.protocol.waiting import wait_words
from queue_broker.service.runner import HallService

from .conftest import TZ, Clock, Node, Recorder

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "neixiang" / "site.yaml"
SUNDAY = datetime(2026, 11, 29, 10, 0, tzinfo=TZ)


def _broker(url: str, site_id: str, data: Path, demo: str | None) -> HallService:
    cfg = load_site_config(SAMPLE, env={"HALL_MQTT_URL": url, "HALL_DATA_DIR": str(data)})
    cfg.site.id = site_id
    service = HallService(cfg, clock=Clock(SUNDAY), env={"HALL_ID_HASH_KEY": "11" * 32}, demo=demo).start()
    assert service.link.wait_connected(5)
    return service


def test_closed_on_sunday_then_open_for_a_demonstration(mosquitto, site_id, tmp_path):
    broker = _broker(mosquitto.url, site_id, tmp_path / "data", None)
    kiosk = Node(mosquitto.url, site_id, "kiosk-1", "kiosk")
    seen = Recorder(mosquitto.url, site_id)
    try:
        refused = kiosk.send(kiosk.t.ticket_issue(), kiosk_id="kiosk-1", service_id="zh-consult", channel="walk_in")
        assert refused["error"] == {"code": "closed", "message": "现在不取号，明天 08:30开始"}
        state = parse(QueuesState, json.dumps(seen.wait_for("state/queues")).encode())
        assert state.hall is not None and state.hall.ticketing_open is False and state.hall.demo is None
        assert {(q.wait_status, q.wait_text) for q in state.queues} == {("closed", "暂停取号，明天 08:30开始")}
    finally:
        broker.stop()
    broker = _broker(mosquitto.url, site_id, tmp_path / "data", "open_now")  # the same hall, `up --open-now`
    try:
        issued = kiosk.send(kiosk.t.ticket_issue(), kiosk_id="kiosk-1", service_id="zh-consult", channel="walk_in")
        assert issued["ok"] and issued["ticket"]["number"] == "Z001", issued
        latest = seen.wait_for(
            "state/queues",
            lambda b: (b.get("hall") or {}).get("demo") == "open_now" and b["queues"][0]["waiting"] == 1,
        )
        state = parse(QueuesState, json.dumps(latest).encode())
        assert state.hall.ticketing_open is True and state.hall.text.startswith("演示")
        zh = next(q for q in state.queues if q.id == "ZH")
        assert zh.waiting == 1 and zh.wait_status == "no_counter" and zh.wait_text == "窗口暂未开放"
        # any face, any language: the same facts give the same words
        assert wait_words(zh.wait_status, zh.estimated_wait_s, zh.next_opening, SUNDAY) == zh.wait_text
    finally:
        seen.stop()
        kiosk.stop()
        broker.stop()


def test_state_queues_follows_the_opening_hours_at_once(mosquitto, site_id, tmp_path):
    """Ticketing opening or closing by the clock alone (no request) is published at once, not at the next
    10-s refresh: the faces show the hall's hours from state/queues (a kiosk says 暂停取号 the moment the
    broker would refuse a ticket). Each turn comes right after a refresh, so the next refresh is 10 s away."""
    broker = _broker(mosquitto.url, site_id, tmp_path / "data", None)
    seen = Recorder(mosquitto.url, site_id)
    clock = broker.clock
    try:
        for before, opens in (
            (datetime(2026, 11, 30, 8, 29, 58, tzinfo=TZ), True),  # Monday 08:30
            (datetime(2026, 11, 30, 11, 59, 58, tzinfo=TZ), False),
        ):  # lunch at 12:00
            clock.now = before
            n = len(seen.of("state/queues"))
            seen.wait_for("state/queues", lambda b, n=n: len(seen.of("state/queues")) > n, timeout=15)  # a refresh
            clock.advance(seconds=3)
            t0 = time.monotonic()
            seen.wait_for("state/queues", lambda b, opens=opens: b["hall"]["ticketing_open"] is opens, timeout=8)
            assert time.monotonic() - t0 < 5, "published by the 10-s refresh, not when the hours turned"
    finally:
        seen.stop()
        broker.stop()
