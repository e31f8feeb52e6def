"""A 办件 from 受理 to 出件 through the real broker service on the real Mosquitto, with the injected clock
across National Day 2026 on the official calendar (chinesecalendar): accepted on Tue 29 Sep with 5
promised working days, it is due at the end of Mon 12 Oct (30 Sep, 8, 9, Sat 10 (a swapped working day)
and 12 Oct); 80 % of that time is spent at the end of Sat 10 Oct. The monitor raises yellow then, red
at the due date; a supervisor acknowledges with a note; a correction stops the clock and moves the date;
the result is ready, the citizen is told (event/application) and collects it with a pickup ticket at the
综合出件 window."""

from __future__ import annotations

import time

from queue_broker.supervision import supervision_tasks

from .conftest import at


def _alerts(recorder, case_no):
    return [
        b for b in recorder.of("/event/alert") if b.get("rule") == "application_due" and b.get("case_no") == case_no
    ]


def test_application_from_acceptance_to_pickup_across_national_day(plat_hall, plat_recorder):
    hall, clock, rec = plat_hall, plat_hall.clock, plat_recorder
    hall.service.tick_tasks.extend(supervision_tasks(hall.service.config))
    clock.set(at(2026, 9, 29, 10, 0))
    kiosk, desk, sup = (
        hall.node("kiosk-1", "kiosk"),
        hall.node("counter-W2", "counter"),
        hall.node("sup-1", "supervisor"),
    )
    pickup_desk = hall.node("counter-W4", "counter")

    ticket = kiosk.issue("bdc-transfer")["ticket"]
    assert ticket["task_handle_item"] == "11411325MB0000002900011700500001"  # the codes stay on the ticket
    desk.counter("W2", "open", operator_id="clerk", pin="123456")
    assert desk.counter("W2", "call-next")["ticket"]["id"] == ticket["id"]
    desk.counter("W2", "start")
    accepted = desk.send(
        desk.t.counter_cmd("W2", "application"), action="accept", ticket_id=ticket["id"], note="材料齐全，予以受理"
    )
    assert accepted["ok"], accepted
    app = accepted["application"]
    case_no = app["case_no"]
    assert case_no == "11411325MB00000029" + "20260929" + "0001"
    assert app["task_code"] == "11411325MB00000029000117005000"
    assert app["task_handle_item"] == "11411325MB0000002900011700500001"
    assert (app["state"], app["promise_days"], app["promise_day_type"]) == ("accepted", 5, "工作日")
    assert app["due_at"] == at(2026, 10, 13, 0, 0).isoformat()  # the end of Mon 12 Oct
    assert app["warn_at"] == at(2026, 10, 11, 0, 0).isoformat()  # 4 of 5 working days: the end of Sat 10 Oct
    opened = rec.wait_for("/event/application", lambda b: b["case_no"] == case_no)
    assert opened["state"] == "accepted" and opened["due_at"] == app["due_at"] and "holder" not in str(opened)
    desk.counter("W2", "finish", outcome="done")
    again = desk.send(desk.t.counter_cmd("W2", "application"), action="accept", ticket_id=ticket["id"])
    assert again["error"]["code"] == "conflict" and case_no in again["error"]["message"]

    assert sup.send(
        sup.t.supervisor_cmd("application"), action="process", case_no=case_no, note="转不动产登记中心办理"
    )["ok"]
    clock.set(at(2026, 10, 10, 23, 59, 59))  # the swapped working Saturday, just before 80 %
    time.sleep(1.5)
    assert not _alerts(rec, case_no)
    clock.set(at(2026, 10, 11, 0, 0))
    yellow = rec.wait_for("/event/alert", lambda b: b.get("rule") == "application_due" and b.get("case_no") == case_no)
    assert (yellow["severity"], yellow["state"]) == ("yellow", "raised")
    refused = sup.send(sup.t.supervisor_cmd("alert-ack"), alert_id=yellow["id"])
    assert refused["error"]["code"] == "invalid_request"
    assert sup.send(sup.t.supervisor_cmd("alert-ack"), alert_id=yellow["id"], note="已督促，周一办结")["ok"]
    clock.set(at(2026, 10, 13, 0, 0))
    red = rec.wait_for("/event/alert", lambda b: b.get("case_no") == case_no and b.get("state") == "escalated")
    assert red["severity"] == "red" and red["id"] == yellow["id"]
    listed = sup.send(sup.t.supervisor_cmd("application"), action="list")
    assert listed["counts"] == {"open": 1, "warned": 0, "overdue": 1, "result_ready": 0}
    assert listed["applications"][0]["overdue"] is True

    # 补正: the clock stops (the alert clears), the one-time list is kept; resubmitted two working days later
    corrected = desk.send(
        desk.t.counter_cmd("W2", "application"),
        action="correct",
        case_no=case_no,
        missing_materials=["完税证明", "婚姻状况证明"],
        note="一次性告知",
    )
    assert corrected["ok"] and corrected["application"]["corrections"][0]["materials"] == ["完税证明", "婚姻状况证明"]
    rec.wait_for("/event/alert", lambda b: b.get("id") == yellow["id"] and b.get("state") == "cleared")
    clock.set(at(2026, 10, 15, 9, 0))  # Thu: 14 and 15 Oct spent waiting
    resubmitted = desk.send(
        desk.t.counter_cmd("W2", "application"), action="resubmit", case_no=case_no, note="材料补齐"
    )
    assert resubmitted["application"]["due_at"] == at(2026, 10, 15, 0, 0).isoformat()  # 13 Oct + 2 working days
    concluded = sup.send(sup.t.supervisor_cmd("application"), action="conclude", case_no=case_no, outcome="approved")
    assert concluded["application"]["on_time"] is False  # concluded after the (moved) due date

    # 出件: the result is ready for pickup; the citizen is told; a pickup ticket at the 综合出件 window
    ready = pickup_desk.send(
        pickup_desk.t.counter_cmd("W4", "application"), action="result-ready", case_no=case_no, delivery="pickup"
    )
    assert ready["ok"], ready
    code = ready["application"]["pickup_code"]
    assert len(code) == 6 and ready["application"]["pickup"]["queue_id"] == "CJ"
    notice = rec.wait_for("/event/application", lambda b: b["case_no"] == case_no and b["action"] == "result-ready")
    assert notice["state"] == "result_ready" and notice["delivery"] == "pickup" and notice["notice"] == "window"
    assert code not in str(rec.of("/event/application"))  # the code goes to the citizen only
    pickup = kiosk.issue("zh-result-pickup")["ticket"]
    assert pickup["queue_id"] == "CJ" and pickup["number"].startswith("D")
    pickup_desk.counter("W4", "open", operator_id="demo", pin="123456")
    assert pickup_desk.counter("W4", "call-next")["ticket"]["id"] == pickup["id"]
    delivered = pickup_desk.send(
        pickup_desk.t.counter_cmd("W4", "application"), action="deliver", case_no=code, note="本人领取，核验身份证"
    )
    assert delivered["application"]["state"] == "delivered" and delivered["application"]["case_no"] == case_no
    history = [h["action"] for h in delivered["application"]["history"]]
    assert history == ["accept", "process", "correct", "resubmit", "conclude", "result-ready", "deliver"]

    # all of it is in the log, and a restarted broker knows it
    hall.stop_broker()
    hall.start()
    assert hall.service.engine.applications[case_no].state == "delivered"
    assert hall.service.store.audit().ok
