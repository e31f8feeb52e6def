"""The supervisor tablet says why a tidal counter called its citizen from that queue (calling rule 4,
`state/counters` `call_reason`): a real Kivy app in its own process (under Xvfb), the real queue broker
and a real Mosquitto; the broker's clock is injected so the hall is open."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ..clock import Clock as FakeClock
from .hall import write_site
from .harness import HallParts, log_in_supervisor

pytestmark = [pytest.mark.ui, pytest.mark.timeout(180)]

TZ = ZoneInfo("Asia/Shanghai")
REASON = "按需叫号：社保等候3人、仅本窗口办理，最需要人手"


def test_the_tablet_shows_why_a_tidal_counter_called_from_that_queue(mosquitto, site_id, tmp_path):
    clock = FakeClock(datetime(2026, 11, 27, 9, 0, tzinfo=TZ))
    site = write_site(tmp_path, site_id)  # T1: tidal, eligible 综合受理, 社保, 不动产
    with HallParts(mosquitto.url, site_id, tmp_path) as hall:
        hall.broker(site, clock=clock, tick_interval_s=0.25)
        kiosk = hall.node("kiosk-1", "kiosk")
        desk = hall.node("counter-x", "counter")
        boss = hall.node("supervisor-2", "supervisor")
        sup = hall.screen("supervisor", site, "supervisor-1", "sup")
        assert boss.send(
            boss.t.supervisor_cmd("assign"), counter_id="T1", queue_ids=["ZH", "SB"], mode="tidal", locked=False
        )["ok"]
        desk.open_counters("W1", "T1")
        kiosk.issue("zh-general")
        assert desk.send(desk.t.counter_cmd("W1", "call-next"))["ticket"]["queue_id"] == "ZH"
        for service in ("sb-card", "sb-card", "sb-card", "zh-general"):
            kiosk.issue(service)
        clock.advance(minutes=1)
        # 综合受理 has W1 as well; 社保 has nobody else open: T1 goes to 社保 though 综合受理's citizen is as old
        called = desk.send(desk.t.counter_cmd("T1", "call-next"))["ticket"]
        assert called["queue_id"] == "SB"

        sup.connect()
        sup.wait_for(lambda s: s["online"] and s["counter_tiles"], 30, "the first state")
        log_in_supervisor(sup)
        st = sup.wait_for(
            lambda s: any(t["id"] == "T1" and t["call_reason"] for t in s["counter_tiles"]),
            10,
            "T1's call reason in the counters' state",
        )
        assert next(t for t in st["counter_tiles"] if t["id"] == "T1")["call_reason"] == REASON
        assert next(t for t in st["counter_tiles"] if t["id"] == "W1")["call_reason"] == ""  # a fixed counter
        sup.tap("hall.counter.T1")
        sup.wait_for(lambda s: s["screen"] == "counter", 5, "T1's screen")
        assert REASON in sup.screen_text()
        sup.screenshot("supervisor-call-reason")

        # the citizen leaves: no reason is left standing on the tablet
        assert desk.send(desk.t.counter_cmd("T1", "finish"), outcome="done")["ok"]
        sup.wait_for(
            lambda s: not next(t for t in s["counter_tiles"] if t["id"] == "T1")["call_reason"],
            10,
            "the reason gone with the citizen",
        )
        assert REASON not in sup.screen_text()
        assert sup.state()["ui_errors"] == 0
