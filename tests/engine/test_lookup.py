"""The supervisor finds any ticket (by number, counter, state, queue) and transfers or annuls it; a kiosk's
help request becomes an alert marked 视障. Wrong input is refused plainly and changes nothing."""

from __future__ import annotations

import pytest

from queue_broker.engine.commands import AnnulTicket, FindTickets, HoldTicket, RequestHelp, SupervisorTransfer
from queue_broker.engine.hall import HallEngine, Rejected


def _numbers(reply):
    return [t["number"] for t in reply["tickets"]]


def test_find_by_number_counter_state_and_queue(drive, hall):
    a1, a2, b1 = drive.issue(), drive.issue(), drive.issue("bdc-transfer")
    drive.open("W1")
    drive.act("W1", "call-next")
    drive.run(HoldTicket("W1"))
    drive.act("W1", "call-next")
    one = drive.run(FindTickets(number="a001"))
    assert _numbers(one) == ["A001"] and one["total"] == 1
    assert one["tickets"][0]["state"] == "held" and one["tickets"][0]["history"][0]["step"] == "issued"
    assert _numbers(drive.run(FindTickets(counter_id="W1"))) == ["A001", "A002"]  # held there, called there
    assert _numbers(drive.run(FindTickets(state="waiting"))) == ["B001"]
    assert _numbers(drive.run(FindTickets(queue_id="ZH", state="called"))) == ["A002"]
    assert drive.run(FindTickets(ticket_id=b1["id"]))["tickets"][0]["queue_id"] == "BDC"
    assert drive.run(FindTickets(number="A001", day="2026-11-26"))["tickets"] == []  # another day
    limited = drive.run(FindTickets(limit=2))
    assert limited["total"] == 3 and limited["truncated"] and len(limited["tickets"]) == 2
    for bad, code in ((FindTickets(counter_id="W9"), "not_found"), (FindTickets(queue_id="XX"), "not_found")):
        with pytest.raises(Rejected) as err:
            drive.run(bad)
        assert err.value.code == code
    assert a1["id"] != a2["id"]


def test_supervisor_transfers_a_ticket_from_a_counter_a_queue_or_a_hold(drive, hall):
    a1, a2 = drive.issue(), drive.issue()
    drive.open("W1")
    drive.act("W1", "call-next")
    moved = drive.run(SupervisorTransfer(a1["id"], "BDC", "走错队列", by="sup-1"))["ticket"]
    assert moved["queue_id"] == "BDC" and moved["state"] == "waiting" and hall.counters["W1"].current is None
    assert moved["issued_at"] == a1["issued_at"]  # keeps its place in time
    drive.act("W1", "call-next")
    drive.run(HoldTicket("W1"))
    held_moved = drive.run(SupervisorTransfer(a2["id"], "SB"))["ticket"]
    assert held_moved["state"] == "waiting" and not hall.held_ids and a2["id"] in hall.waiting["SB"]
    n = len(drive.events)
    for bad, code in (
        (SupervisorTransfer(a2["id"], "SB"), "conflict"),  # already there
        (SupervisorTransfer(a2["id"], "NOPE"), "not_found"),
        (SupervisorTransfer("20261127-Z999", "SB"), "not_found"),
    ):
        with pytest.raises(Rejected) as err:
            drive.run(bad)
        assert err.value.code == code
    assert len(drive.events) == n


def test_annul_needs_a_reason_of_the_site_and_changes_nothing_otherwise(drive, hall, config):
    a1, a2 = drive.issue(), drive.issue()
    drive.open("W1")
    drive.act("W1", "call-next")
    n = len(drive.events)
    with pytest.raises(Rejected) as wrong:
        drive.run(AnnulTicket(a1["id"], "看他不顺眼"))
    assert wrong.value.code == "invalid_request" and "重复取号" in wrong.value.message
    with pytest.raises(Rejected) as bare_other:
        drive.run(AnnulTicket(a1["id"], "其他", "  "))
    assert bare_other.value.code == "invalid_request" and "写明" in bare_other.value.message
    assert len(drive.events) == n and hall.tickets[a1["id"]].state == "called"
    gone = drive.run(AnnulTicket(a1["id"], "重复取号", by="sup-1"))["ticket"]
    assert gone["state"] == "cancelled" and hall.counters["W1"].current is None
    assert drive.events[-1].data == {
        "ticket_id": a1["id"],
        "reason": "annulled",
        "annul_reason": "重复取号",
        "note": "",
        "by": "sup-1",
        "counter_id": "W1",
    }
    with pytest.raises(Rejected) as twice:
        drive.run(AnnulTicket(a1["id"], "重复取号"))
    assert twice.value.code == "conflict"
    assert drive.run(AnnulTicket(a2["id"], "其他", "测试号"))["ticket"]["state"] == "cancelled"
    again = HallEngine(config)
    again.replay(drive.events)
    assert again.tickets[a2["id"]].state == "cancelled" and not again.waiting["ZH"]


def test_help_request_is_one_alert_per_kiosk_marked_by_need(drive, hall):
    raised = drive.run(RequestHelp("kiosk-1", "visually_impaired"))["alert"]
    alert = hall.alerts[raised["id"]]
    assert alert.kind == "help" and alert.severity == "red" and "视障" in alert.message
    assert alert.data["need_label"] == "视障" and alert.data["node_id"] == "kiosk-1"
    n = len(drive.events)
    assert drive.run(RequestHelp("kiosk-1", "visually_impaired"))["alert"]["id"] == raised["id"]
    assert len(drive.events) == n  # pressed twice: one alert
    drive.run(RequestHelp("kiosk-1", "general", cancel=True))
    assert hall.alerts[raised["id"]].cleared_at is not None
    fresh = drive.run(RequestHelp("kiosk-1", "general"), minutes=1)["alert"]
    assert fresh["id"] != raised["id"] and hall.alerts[fresh["id"]].severity == "yellow"
    with pytest.raises(Rejected):
        drive.run(RequestHelp("kiosk-1", "telepathy"))
