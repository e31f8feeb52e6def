"""The queue broker driven only through MQTT, as a kiosk, a counter and a supervisor would."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from queue_broker.security.identity import check_digit

from .conftest import TZ


def make_id(birth: str, serial: str = "123") -> str:
    first17 = "411325" + birth + serial
    return first17 + check_digit(first17)


ELDER = {"id_number": make_id("19480305"), "name": "王老汉"}
YOUNG = {"id_number": make_id("19900101", "456"), "name": "李四"}


def test_issue_call_finish_with_events_and_state(hall, kiosk, desk, recorder):
    assert desk.counter("W1", "open", operator_id="demo", pin="123456")["ok"]
    reply = kiosk.issue()
    assert reply["ok"], reply
    t = reply["ticket"]
    assert t["number"] == "A001" and t["queue_id"] == "ZH" and t["waiting_ahead"] == 0
    assert t["estimated_wait_s"] >= 0 and len(t["estimated_wait_range_s"]) == 2
    issued = recorder.wait_for("/event/issued", lambda b: b["ticket_id"] == t["id"])
    assert issued["number"] == "A001"
    called = desk.counter("W1", "call-next")
    assert called["ticket"]["id"] == t["id"]
    ev = recorder.wait_for("/event/called", lambda b: b["ticket_id"] == t["id"])
    assert ev["counter_number"] == 1 and ev["recall"] == 0 and ev["counter_name"].startswith("1号窗口")
    hall.clock.advance(minutes=6)
    done = desk.counter("W1", "finish", outcome="done")
    assert done["ticket"]["state"] == "done"
    fin = recorder.wait_for("/event/finished", lambda b: b["ticket_id"] == t["id"])
    assert fin["served_s"] == 360
    counters = recorder.wait_for(
        "/state/counters", lambda b: any(c["id"] == "W1" and c["status"] == "open" for c in b["counters"])
    )
    assert counters["counters"][0]["serving"] is None
    status = kiosk.send(kiosk.t.ticket_status(), ticket_id=t["id"])
    assert status["ticket"]["state"] == "done"


def test_recall_then_no_show_after_the_limit(hall, kiosk, desk, recorder):
    desk.counter("W1", "open", operator_id="demo", pin="123456")
    kiosk.issue()
    t = desk.counter("W1", "call-next")["ticket"]
    assert desk.counter("W1", "recall")["ticket"]["recalls"] == 1
    assert desk.counter("W1", "recall")["ticket"]["recalls"] == 2
    last = desk.counter("W1", "recall")
    assert last["ticket"]["state"] == "no_show"
    recorder.wait_for("/event/no-show", lambda b: b["ticket_id"] == t["id"])
    recalls = [b["recall"] for b in recorder.of("/event/called") if b["ticket_id"] == t["id"]]
    assert recalls == [0, 1, 2]


def test_transfer_keeps_place_and_incomplete_gives_return_ticket(hall, kiosk, desk):
    sup = hall.node("supervisor-1", "supervisor")
    for c in ("W1", "W3"):
        assert sup.counter(c, "open", operator_id="demo", pin="123456")["ok"]
    first = kiosk.issue()["ticket"]
    hall.clock.advance(minutes=10)
    later = kiosk.issue("sb-card")["ticket"]
    desk.counter("W1", "call-next")
    moved = desk.counter("W1", "transfer", to_queue_id="SB")
    assert moved["ticket"]["queue_id"] == "SB" and moved["ticket"]["issued_at"] == first["issued_at"]
    assert sup.counter("W3", "call-next")["ticket"]["id"] == first["id"]
    fin = sup.counter("W3", "finish", outcome="incomplete", missing_materials=["户口簿", "一寸照片"])
    ret = fin["return_ticket"]
    assert ret["priority"] == "return" and ret["return_of"] == first["id"] and ret["queue_id"] == "SB"
    # the return ticket goes before the ordinary walk-in that was already waiting
    assert sup.counter("W3", "call-next")["ticket"]["id"] == ret["id"]
    assert sup.counter("W3", "call-next")["ticket"]["id"] == later["id"]


def test_caps_and_elderly_priority_by_id_card(hall, kiosk, desk):
    desk.counter("W1", "open", operator_id="demo", pin="123456")
    kiosk.issue()
    kiosk.issue()
    elder = kiosk.issue(holder=ELDER)["ticket"]
    assert elder["priority"] == "elderly" and elder["waiting_ahead"] == 0
    young = [kiosk.issue("sb-card", holder=YOUNG) for _ in range(3)]
    assert [r["ok"] for r in young] == [True, True, False]
    assert young[2]["error"]["code"] == "full"
    first_call = desk.counter("W1", "call-next")["ticket"]
    assert first_call["id"] == elder["id"]
    assert first_call["holder_masked"] == {"id_number": "4113**********" + ELDER["id_number"][-4:], "name": "王**"}


def test_green_channel_and_walk_in_share_with_appointments(hall, kiosk, desk, clock):
    sup = hall.node("supervisor-1", "supervisor")
    slot = datetime(2026, 11, 27, 10, 0, tzinfo=TZ)
    codes = []
    for _ in range(2):
        b = sup.send(sup.t.appointment_cmd("book"), service_id="zh-general", slot_start=slot.isoformat())
        assert b["ok"], b
        codes.append(b["appointment"]["code"])
    full = sup.send(sup.t.appointment_cmd("book"), service_id="zh-general", slot_start=slot.isoformat())
    assert full["error"]["code"] == "full"  # capacity 4, half kept for walk-ins
    clock.set(slot - timedelta(minutes=10))
    walk = [kiosk.issue()["ticket"] for _ in range(3)]
    # a kiosk checking in sends any item: the ticket is for the item that was booked
    appts = [kiosk.issue("sb-print", channel="appointment", appointment_code=c) for c in codes]
    assert all(a["ticket"]["service_id"] == "zh-general" and a["ticket"]["queue_id"] == "ZH" for a in appts)
    assert all(a["appointment_status"] == "on_time" and a["ticket"]["priority"] == "appointment" for a in appts)
    assert kiosk.issue(channel="green")["error"]["code"] == "forbidden"  # staff judge the green channel
    desk.counter("W1", "open", operator_id="demo", pin="123456")
    green = desk.counter(
        "W1", "issue-priority", service_id="zh-general", priority="green", reason="危急重症或紧急事项"
    )["ticket"]
    order = [desk.counter("W1", "call-next")["ticket"]["id"] for _ in range(6)]
    assert order[0] == green["id"]
    appt_ids = {a["ticket"]["id"] for a in appts}
    # appointments go early, but walk-ins keep half of the calls: never two appointments in a row first
    assert order[1] in appt_ids and order[2] == walk[0]["id"]
    assert [x for x in order if x not in appt_ids and x != green["id"]] == [w["id"] for w in walk]
    again = kiosk.issue(channel="appointment", appointment_code=codes[0])
    assert again["ok"] and again["appointment_status"] == "already_checked_in"
    unknown = kiosk.issue(channel="appointment", appointment_code="NOSUCH")
    assert unknown["ok"] and unknown["ticket"]["priority"] == "normal"  # art. 19: never refused


def test_late_appointment_becomes_walk_in_and_cancel(hall, kiosk, clock):
    sup = hall.node("gateway", "gateway")
    slot = datetime(2026, 11, 27, 10, 30, tzinfo=TZ)
    code = sup.send(
        sup.t.appointment_cmd("book"), service_id="bdc-transfer", slot_start=slot.isoformat(), holder=YOUNG
    )["appointment"]["code"]
    other = sup.send(sup.t.appointment_cmd("book"), service_id="bdc-transfer", slot_start=slot.isoformat())[
        "appointment"
    ]["code"]
    assert sup.send(sup.t.appointment_cmd("cancel"), code=other)["ok"]
    assert sup.send(sup.t.appointment_cmd("cancel"), code=other)["error"]["code"] == "conflict"
    clock.set(slot + timedelta(minutes=40))
    # check in by the ID card that booked it, late: a walk-in ticket, never a refusal
    late = kiosk.issue("bdc-transfer", channel="appointment", holder=YOUNG)
    assert late["ok"] and late["appointment_status"] == "late" and late["ticket"]["priority"] == "normal"
    assert code


def test_midnight_rollover_numbering(hall, kiosk, clock):
    clock.set(datetime(2026, 11, 27, 23, 59, 30, tzinfo=TZ))
    assert [kiosk.issue()["ticket"]["number"] for _ in range(2)] == ["A001", "A002"]
    clock.set(datetime(2026, 11, 28, 0, 0, 30, tzinfo=TZ))
    t = kiosk.issue()["ticket"]
    assert t["number"] == "A001" and t["id"].startswith("20261128-")


def test_idempotent_retry_gives_the_same_reply_and_one_ticket(hall, kiosk, recorder):
    first = kiosk.issue(request_id="kiosk-1-retry-1")
    again = kiosk.issue(request_id="kiosk-1-retry-1")
    assert first == again and first["ok"]
    other = kiosk.issue()
    assert other["ticket"]["number"] == "A002"
    recorder.wait_for("/event/issued", lambda b: b["number"] == "A002")
    assert [b["number"] for b in recorder.of("/event/issued")] == ["A001", "A002"]
    # after a restart of the broker, the stored reply is still the answer
    hall.stop_broker()
    hall.start()
    assert kiosk.issue(request_id="kiosk-1-retry-1") == first


COMMAND_TOPICS = [
    ("ticket_issue", ()),
    ("ticket_status", ()),
    ("rating_submit", ()),
    *[
        ("counter_cmd", ("W1", a))
        for a in ("open", "close", "pause", "resume", "call-next", "recall", "start", "no-show", "finish", "transfer")
    ],
    *[("supervisor_cmd", (a,)) for a in ("assign", "notice", "alert-ack", "recommendation", "login")],
    *[("appointment_cmd", (a,)) for a in ("book", "cancel")],
]


def _topic(t, name, args):
    return getattr(t, name)(*args)


@pytest.mark.parametrize(("name", "args"), COMMAND_TOPICS, ids=[f"{n}{a}" for n, a in COMMAND_TOPICS])
def test_malformed_and_wrong_fields_get_invalid_request(hall, kiosk, name, args):
    topic = _topic(kiosk.t, name, args)
    for body in (
        b"{not json",
        b'"a string"',
        b"\xff\xfe\xfa",
        b"{}",
        json.dumps({"request_id": 42}).encode(),
        json.dumps({"request_id": "x" * 500}).encode(),
    ):
        reply = kiosk.raw(topic, body)
        assert reply["ok"] is False and reply["error"]["code"] == "invalid_request", (topic, body, reply)
        assert reply["error"]["message"] and "Traceback" not in reply["error"]["message"]
    # the broker is still serving
    assert kiosk.issue()["ok"]


def test_wrong_types_name_the_field(hall, kiosk):
    reply = kiosk.send(kiosk.t.ticket_issue(), kiosk_id="kiosk-1", service_id="zh-general", channel="vip")
    assert reply["error"]["code"] == "invalid_request" and "channel" in reply["error"]["message"]
    good = make_id("19900101", "777")
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    bad_id = kiosk.issue(holder={"id_number": wrong, "name": "张三"})
    assert bad_id["error"]["code"] == "invalid_request" and "check digit" in bad_id["error"]["message"]
    assert wrong not in bad_id["error"]["message"]


def test_unknown_command_topic_and_no_response_topic_are_survived(hall, kiosk):
    reply = kiosk.raw(f"{kiosk.t.root}/cmd/ticket/print", b'{"request_id": "x"}')
    assert reply["error"]["code"] == "invalid_request"
    kiosk.link.publish(kiosk.t.ticket_issue(), b"garbage with no response topic")
    assert kiosk.issue()["ok"]


def test_supervisor_assign_lock_and_notice(hall, recorder):
    sup = hall.node("supervisor-1", "supervisor")
    assert sup.send(sup.t.supervisor_cmd("login"), supervisor_id="super", pin="123456")["ok"]
    assert sup.send(sup.t.supervisor_cmd("login"), supervisor_id="super", pin="999999")["error"]["code"] == "forbidden"
    r = sup.send(sup.t.supervisor_cmd("assign"), counter_id="T1", queue_ids=["SB", "ZH"], mode="tidal", locked=True)
    assert r["counter"]["queue_ids"] == ["SB", "ZH"] and r["counter"]["locked"] is True
    ev = recorder.wait_for("/event/rebalanced", lambda b: b["counter_id"] == "T1")
    assert ev["to_queue_ids"] == ["SB", "ZH"] and ev["by"] == "supervisor-1"
    assert sup.send(sup.t.supervisor_cmd("notice"), text="今日16:30停止取号")["ok"]
    assert recorder.wait_for("/event/notice")["text"] == "今日16:30停止取号"


def test_rating_needs_a_served_ticket_and_a_reason_when_bad(hall, kiosk, desk):
    desk.counter("W1", "open", operator_id="demo", pin="123456")
    t = kiosk.issue()["ticket"]
    early = desk.send(desk.t.rating_submit(), ticket_id=t["id"], level=5)
    assert early["error"]["code"] == "conflict"
    desk.counter("W1", "call-next")
    desk.counter("W1", "finish", outcome="done")
    assert desk.send(desk.t.rating_submit(), ticket_id=t["id"], level=2)["error"]["code"] == "invalid_request"
    assert desk.send(desk.t.rating_submit(), ticket_id=t["id"], level=2, reasons=["等候时间长"])["ok"]
    assert desk.send(desk.t.rating_submit(), ticket_id=t["id"], level=5)["error"]["code"] == "conflict"


def test_restart_restores_exactly_the_acknowledged_state(hall, kiosk, desk):
    desk.counter("W1", "open", operator_id="demo", pin="123456")
    issued = [kiosk.issue()["ticket"]["id"] for _ in range(4)]
    called = desk.counter("W1", "call-next")["ticket"]["id"]
    before = hall.service.engine.queues_state(hall.clock())
    hall.stop_broker()
    hall.start()
    assert hall.service.engine.queues_state(hall.clock()) == before
    assert kiosk.issue()["ticket"]["number"] == "A005"
    nxt = desk.counter("W1", "call-next")["ticket"]["id"]
    assert nxt == issued[1] and nxt != called


def test_store_failure_answers_unavailable_and_loses_nothing(hall, kiosk):
    first = kiosk.issue()["ticket"]
    hall.make_store_read_only(True)  # as when the disk is full or the file read-only
    failed = kiosk.issue(request_id="during-failure")
    assert failed["ok"] is False and failed["error"]["code"] == "unavailable"
    assert "请重试" in failed["error"]["message"]
    hall.make_store_read_only(False)
    retry = kiosk.issue(request_id="during-failure")
    assert retry["ok"] and retry["ticket"]["number"] == "A002"  # nothing half-done survived
    assert hall.service.engine.tickets[first["id"]].number == "A001"
    assert sorted(t.number for t in hall.service.engine.tickets.values()) == ["A001", "A002"]


def test_a_bug_in_one_request_answers_internal_and_the_broker_keeps_serving(hall, kiosk, monkeypatch):
    from queue_broker.engine.hall import HallEngine

    real = HallEngine._do_IssueTicket

    def buggy(self, cmd, now):
        if cmd.service_id == "bdc-transfer":
            self.per_queue_day.clear()  # a half-done change before the crash ...
            raise RuntimeError("a bug")
        return real(self, cmd, now)

    monkeypatch.setattr(HallEngine, "_do_IssueTicket", buggy)
    first = kiosk.issue()
    bad = kiosk.issue("bdc-transfer")
    assert bad["ok"] is False and bad["error"]["code"] == "internal"
    after = kiosk.issue()
    assert first["ok"] and after["ok"] and after["ticket"]["number"] == "A002"
    # ... is gone: the engine was rebuilt from the store
    assert sum(hall.service.engine.per_queue_day.values()) == 2
