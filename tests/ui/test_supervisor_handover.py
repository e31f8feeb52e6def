"""The supervisor tablet hands the citizen at a counter over to another hall (同城通办, docs/county.md):
a real Kivy app in its own process (under Xvfb), the real queue broker (accepting hand-overs to the
county, as with `HALL_HANDOVER_SITES=county-centre` in its node.env) and a real Mosquitto. No county
runs here: the township commits the hand-over and frees the counter either way (tests/county/ has the
county's side)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ..clock import Clock as FakeClock
from .hall import HOLDER, write_site
from .harness import HallParts, log_in_supervisor, step

pytestmark = [pytest.mark.ui, pytest.mark.timeout(180)]

TZ = ZoneInfo("Asia/Shanghai")
COUNTY = {"site": "county-centre", "name": "县政务服务中心"}


def test_the_supervisor_hands_a_citizen_at_a_counter_over_to_the_county(mosquitto, site_id, tmp_path):
    clock = FakeClock(datetime(2026, 11, 27, 9, 0, tzinfo=TZ))
    site = write_site(tmp_path, site_id, supervisor={"handover_sites": [COUNTY]})
    with HallParts(mosquitto.url, site_id, tmp_path) as hall:
        broker = hall.broker(site, clock=clock, tick_interval_s=0.25, env={"HALL_HANDOVER_SITES": COUNTY["site"]})
        kiosk = hall.node("kiosk-1", "kiosk")
        desk = hall.node("counter-x", "counter")
        sup = hall.screen("supervisor", site, "supervisor-1", "sup")
        desk.open_counters("W1", "W2")
        a001 = kiosk.issue("zh-general", holder=HOLDER)
        assert desk.send(desk.t.counter_cmd("W1", "call-next"))["ticket"]["number"] == "A001"

        sup.connect()
        sup.wait_for(lambda s: s["online"] and s["counter_tiles"], 30, "the first state")
        log_in_supervisor(sup)
        assert sup.state()["handover_targets"][0]["site"] == COUNTY["site"]

        with step("a counter with nobody at it offers no hand-over"):
            sup.tap("hall.counter.W2")
            sup.wait_for(lambda s: s["screen"] == "counter", 5, "W2's screen")
            assert not sup.can_tap("counter.handover.0")
            sup.tap("counter.back")

        with step("W1 has A001: the first tap asks, the second sends"):
            sup.tap("hall.counter.W1")
            sup.wait_for(lambda s: s["screen"] == "counter" and s["edit"].get("serving") == "A001", 5, "W1's screen")
            assert "县政务服务中心　同一事项的队列" in sup.screen_text()
            assert HOLDER["name"] not in sup.screen_text() and HOLDER["id_number"][-4:] not in sup.screen_text()
            sup.tap("counter.handover.0")
            st = sup.wait_for(lambda s: s["handover_armed"] == 0, 5, "asked to confirm")
            assert st["message"] == "将 A001 转交县政务服务中心？再点一次确认"
            assert not broker.events("handover")  # nothing sent on the first tap
            sup.screenshot("supervisor-handover")
            sup.tap("counter.handover.0")
            st = sup.wait_for(lambda s: s["screen"] == "hall" and "已转交" in s["message"], 10, "handed over")
            assert st["message"] == "A001 已转交县政务服务中心：已发出，等待对方受理；1号窗口 综合受理已空闲", st[
                "message"
            ]
            sent = [d for _, d in broker.events("handover")]
            assert [(d["state"], d["ticket_id"], d["to_site"], d["counter_id"]) for d in sent] == [
                ("sent", a001["id"], COUNTY["site"], "W1")
            ]
            assert broker.engine.counters["W1"].current is None
            assert broker.engine.tickets[a001["id"]].state == "handed_over"
            assert sup.state()["ui_errors"] == 0
