"""The counter terminal hands its citizen over to another hall (同城通办, docs/county.md): a real Kivy app in
its own process (under Xvfb with xvfb-run), the real queue broker and a real Mosquitto, driven by
simulated touches.

No county broker and no county link run here, on purpose: the township's broker commits the hand-over in
its own event log and frees the counter whether or not the county can be reached, and the request waits
in the township's outbox (sent again until answered). What the county then does is
tests/county/test_handover.py's. The broker is started as `queue_broker run` would be with
`HALL_HANDOVER_SITES=county-centre` in its node.env, so it accepts hand-overs to that hall only."""

from __future__ import annotations

import pytest

from .hall import HOLDER, Node, write_site
from .harness import HallParts, ScreenProcess, log_in_counter, step

pytestmark = [pytest.mark.ui, pytest.mark.timeout(240)]

COUNTY = {"site": "county-centre", "name": "县政务服务中心"}
# a second target the broker has no link to: its refusal must reach the operator with the reason
CITY = {"site": "city", "name": "市民中心", "queue_id": "ZH", "queue_name": "综合受理"}


def _login_and_call(ct: ScreenProcess) -> dict:
    log_in_counter(ct)
    ct.tap("desk.call-next")
    return ct.wait_for(lambda s: s["phase"] == "called", 10, "a citizen called")


def test_counter_hands_the_citizen_over_and_is_free(mosquitto, site_id, tmp_path):
    site = write_site(tmp_path, site_id, counter={"handover_sites": [COUNTY, CITY]})
    with HallParts(mosquitto.url, site_id, tmp_path) as hall:
        broker = hall.broker(site, env={"HALL_HANDOVER_SITES": COUNTY["site"]})
        kiosk = hall.node("kiosk-1", "kiosk")
        ct = hall.screen("counter", site, "counter-W1", "ct")
        a001 = kiosk.issue("zh-general", holder=HOLDER)
        ct.connect()
        st = _login_and_call(ct)
        assert st["ticket"]["number"] == "A001"
        assert st["handover_targets"][0]["site"] == COUNTY["site"]

        with step("two targets configured: the operator must pick one before confirming"):
            ct.tap("desk.handover")
            st = ct.wait_for(lambda s: s["screen"] == "handover", 5, "the hand-over screen")
            assert st["handover_choice"] == -1 and not ct.can_tap("handover.confirm")
            text = ct.screen_text()
            assert "县政务服务中心　同一事项的队列" in text and "市民中心　队列：综合受理" in text
            assert HOLDER["name"] not in text and HOLDER["id_number"][-4:] not in text

        with step("a hall the broker has no link to: refused with the broker's reason, nothing changed"):
            ct.tap("handover.target.1")
            ct.tap("handover.confirm")
            st = ct.wait_for(lambda s: s["message_kind"] == "alert", 10, "the refusal")
            assert st["message"].startswith("转交失败：") and "city" in st["message"], st["message"]
            assert st["screen"] == "handover" and st["ticket"]["number"] == "A001"
            assert broker.engine.tickets[a001["id"]].state == "called"
            assert not broker.events("handover")

        with step("the county: confirmed, committed, the counter is free"):
            ct.tap("handover.target.0")
            assert ct.state()["message"] == ""  # the refusal was about the other hall
            ct.screenshot("counter-handover")
            ct.tap("handover.confirm")
            st = ct.wait_for(lambda s: s["screen"] == "desk" and not s["ticket"], 10, "handed over")
            assert st["message"] == "A001 已转交县政务服务中心：已发出，等待对方受理；本窗口已空闲", st["message"]
            status = kiosk.send(kiosk.t.ticket_status(), ticket_id=a001["id"])
            assert status["ok"] and status["ticket"]["state"] == "handed_over", status
            assert (status["handover"]["state"], status["handover"]["to_site"]) == ("sent", COUNTY["site"])
            assert status["handover"]["to_queue_id"] is None  # the county's queue of the same item
            sent = [d for _, d in broker.events("handover")]
            assert [(d["state"], d["ticket_id"], d["to_site"]) for d in sent] == [("sent", a001["id"], COUNTY["site"])]
            assert broker.engine.counters["W1"].current is None
            # no county here: the request waits in this hall's outbox, to be sent again until answered
            assert [h.ticket_id for h in broker.engine.pending_handovers()] == [a001["id"]]

        with step("free indeed: the next citizen is called at this counter"):
            kiosk.issue("zh-general")
            ct.tap("desk.call-next")
            st = ct.wait_for(lambda s: s["phase"] == "called", 10, "the next citizen called")
            assert st["ticket"]["number"] == "A002"

        with step("the county answers, whenever its answer comes through: the operator is told"):
            # published as the county's broker does, on the topic the county link brings into this hall
            county = Node(mosquitto.url, COUNTY["site"], "county-broker", "broker")
            reply_topic = county.t.handover(site_id, "reply")
            county.link.publish(
                reply_topic,
                {
                    "handover_id": sent[0]["handover_id"],
                    "state": "accepted",
                    "at": "2026-03-02T10:00:00+08:00",
                    "ticket": {"id": "cty-1", "number": "B007", "queue_id": "ZH"},
                },
            )
            st = ct.wait_for(lambda s: "受理" in s["message"], 10, "the county's acceptance on the message line")
            assert (st["message"], st["message_kind"]) == ("A001 已由县政务服务中心受理，对方号码B007", "info")
            assert broker.engine.handovers_out[sent[0]["handover_id"]].state == "accepted"

        with step("A002 handed over too, and refused there: the reason, as an alert"):
            ct.tap("desk.handover")
            ct.wait_for(lambda s: s["screen"] == "handover", 5, "the hand-over screen")
            ct.tap("handover.target.0")
            ct.tap("handover.confirm")
            ct.wait_for(lambda s: s["screen"] == "desk" and not s["ticket"], 10, "A002 handed over")
            second = [d for _, d in broker.events("handover") if d["number"] == "A002"]
            assert [(d["state"], d["counter_id"]) for d in second] == [("sent", "W1")]
            county.link.publish(
                reply_topic,
                {
                    "handover_id": second[0]["handover_id"],
                    "state": "refused",
                    "at": "2026-03-02T10:05:00+08:00",
                    "error": {"code": "full", "message": "综合受理今日号已取完"},
                },
            )
            st = ct.wait_for(lambda s: s["message_kind"] == "alert", 10, "the county's refusal on the message line")
            assert st["message"] == "A002 未被县政务服务中心受理：对方该队列今日已满；可重新转交或在本厅办理", st[
                "message"
            ]
            assert [
                (d["state"], d["counter_id"], d.get("code"))
                for _, d in broker.events("handover")
                if d["number"] == "A002"
            ] == [("sent", "W1", None), ("refused", "W1", "full")]
            assert ct.state()["ui_errors"] == 0
            county.stop()


def test_without_handover_sites_the_action_is_not_shown(mosquitto, site_id, tmp_path):
    site = write_site(tmp_path, site_id)
    with HallParts(mosquitto.url, site_id, tmp_path) as hall:
        hall.broker(site)
        kiosk = hall.node("kiosk-1", "kiosk")
        ct = hall.screen("counter", site, "counter-W1", "ct")
        kiosk.issue("zh-general")
        ct.connect()
        _login_and_call(ct)
        assert ct.can_tap("desk.transfer")  # its neighbour is there: the check below can fail
        assert not ct.can_tap("desk.handover") and "转交县级中心办理" not in ct.screen_text()
        ct.do("act", "handover")  # what a key or keypad action would reach: refused on the terminal
        st = ct.wait_for(lambda s: s["message"] == "本窗口未配置可转交的办事大厅", 5, "the warning")
        assert st["screen"] == "desk" and st["phase"] == "called"
        assert ct.state()["ui_errors"] == 0
