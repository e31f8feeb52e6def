"""The call screen survives a Mosquitto restart: a clear 'connection lost' banner while the broker
is away, the full picture back from the retained state topics afterwards, and calls shown again."""

from __future__ import annotations

import time

import pytest

from .hall import write_site
from .harness import HallParts

pytestmark = [pytest.mark.ui, pytest.mark.timeout(180)]


def test_call_screen_survives_a_mosquitto_restart(own_mosquitto, site_id, tmp_path):
    site = write_site(tmp_path, site_id, display={"reconnect_max_s": 2})
    with HallParts(own_mosquitto.url, site_id, tmp_path) as hall:
        broker = hall.broker(site)
        kiosk = hall.node("kiosk-1", "kiosk")
        boss = hall.node("supervisor-x", "supervisor")
        cs = hall.screen("callscreen", site, "display-1", "cs")
        for service in ("zh-general", "zh-general", "bdc-transfer"):
            kiosk.issue(service)
        cs.connect()
        cs.wait_for(lambda s: s["online"] and s["has_state"] and not s["banner"], 30, "the first state")
        boss.send(boss.t.counter_cmd("W1", "open"), operator_id="demo", pin="123456")
        boss.send(boss.t.counter_cmd("W1", "call-next"))
        cs.wait_for(lambda s: s["hero_number"] == "A001", 5, "A001")

        own_mosquitto.stop()
        st = cs.wait_for(lambda s: not s["online"], 15, "the drop noticed")
        assert "网络连接中断" in st["banner"]
        assert "网络连接中断" in cs.wait_text("网络连接中断")
        assert st["hero_number"] == "A001"  # what was shown stays, under the banner
        cs.screenshot("callscreen-offline")
        time.sleep(1.0)  # the outage lasts a second more, the screen retrying meanwhile: the experiment's length
        own_mosquitto.start()

        # back: the link reconnects by itself, the broker republishes its retained state
        assert broker.service.link.wait_connected(20) and kiosk.link.wait_connected(20)
        assert boss.link.wait_connected(20)
        st = cs.wait_for(lambda s: s["online"] and not s["banner"], 30, "reconnected, banner gone")
        kiosk.issue("sb-card")  # a change while the screen is back: the queue table follows
        st = cs.wait_for(
            lambda s: any(r["id"] == "SB" and r["waiting"] == 1 for r in s["queue_rows"]), 15, "state after the restart"
        )
        assert {r["id"] for r in st["queue_rows"]} == {"ZH", "BDC", "SB"}
        boss.send(boss.t.counter_cmd("W1", "call-next"), timeout=10)
        st = cs.wait_for(lambda s: s["hero_number"] == "A002", 10, "a call after the restart")
        assert [c["number"] for c in st["recent"]][:1] == ["A001"]
        assert st["metrics"]["drops"] >= 1 and st["metrics"]["reconnects"] >= 2
        assert cs.state()["ui_errors"] == 0
