"""Priority issued by people, through MQTT and the real broker (issue 19 item 2, issue 23 item 3).

What the screens send in phase 2: the counter terminal and the supervisor tablet `issue-priority`, the
kiosk `cmd/ticket/help`. The role checks of the ACL itself are in tests/provisioning/test_acl_matrix.py.
"""

from __future__ import annotations

from queue_broker.engine import events as ev


def open_w1(desk) -> None:
    assert desk.counter("W1", "open", operator_id="demo", pin="123456")["ok"]


def test_a_kiosk_green_channel_ticket_is_refused_and_nothing_is_issued(hall, kiosk, recorder):
    reply = kiosk.issue(channel="green")
    assert reply["ok"] is False and reply["error"]["code"] == "forbidden"
    assert "cmd/ticket/help" in reply["error"]["message"]
    assert kiosk.issue()["ticket"]["number"] == "A001"  # no number was used up by the refusal
    recorder.wait_for("event/issued")
    assert [e["number"] for e in recorder.of("event/issued")] == ["A001"]


def test_a_counter_issues_green_and_the_audit_log_keeps_reason_and_issuer(hall, desk, recorder):
    open_w1(desk)
    reply = desk.counter(
        "W1", "issue-priority", service_id="bdc-transfer", priority="green", reason="重点项目或重大投资项目"
    )
    assert reply["ok"], reply
    t = reply["ticket"]
    assert (t["priority"], t["channel"], t["queue_id"]) == ("green", "green", "BDC")
    assert reply["priority"]["operator_id"] == "demo" and reply["priority"]["node"] == "counter-W1"
    issued = recorder.wait_for("event/issued", lambda b: b["ticket_id"] == t["id"])
    assert issued["priority"] == "green" and issued["kiosk_id"] == "counter-W1"
    stored = [r.event for r in hall.service.store.iter_events() if r.event.type == ev.TICKET_ISSUED]
    assert stored[-1].data["priority_reason"] == "重点项目或重大投资项目"
    assert stored[-1].data["issued_by"] == {
        "role": "counter",
        "node": "counter-W1",
        "counter_id": "W1",
        "operator_id": "demo",
    }


def test_the_supervisor_issues_disability_priority(hall):
    sup = hall.node("supervisor-1", "supervisor")
    reply = sup.send(
        sup.t.supervisor_cmd("issue-priority"),
        service_id="sb-card",
        priority="disability",
        reason="其他",
        note="术后行动不便",
        supervisor_id="super",
    )
    assert reply["ok"], reply
    assert reply["ticket"]["priority"] == "disability" and reply["priority"]["supervisor_id"] == "super"


def test_bad_priority_requests_get_one_plain_line_and_change_nothing(hall, desk):
    open_w1(desk)
    cases = [
        ({"service_id": "zh-general", "priority": "elderly", "reason": "x"}, "invalid_request", "priority"),
        ({"service_id": "zh-general", "priority": "green"}, "invalid_request", "reason"),
        ({"service_id": "zh-general", "priority": "green", "reason": "我认识他"}, "invalid_request", "理由须为"),
        ({"service_id": "nothing", "priority": "green", "reason": "其他", "note": "x"}, "not_found", "没有事项"),
    ]
    for payload, code, words in cases:
        reply = desk.counter("W1", "issue-priority", **payload)
        assert reply["ok"] is False and reply["error"]["code"] == code, (payload, reply)
        assert words in reply["error"]["message"] and "\n" not in reply["error"]["message"]
    assert not [r for r in hall.service.store.iter_events() if r.event.type == ev.TICKET_ISSUED]


def test_a_closed_counter_cannot_issue_priority(hall, desk):
    reply = desk.counter("W1", "issue-priority", service_id="zh-general", priority="green", reason="其他", note="x")
    assert reply["error"]["code"] == "conflict" and "登录" in reply["error"]["message"]


def test_the_kiosk_calls_staff_and_the_supervisor_answers(hall, kiosk, recorder):
    first = kiosk.send(kiosk.t.ticket_help(), kiosk_id="kiosk-1", need="priority")
    assert first["ok"] and first["alert"]["state"] == "raised", first
    alert = recorder.wait_for("event/alert", lambda b: b.get("kind") == "help")
    assert alert["id"] == first["alert"]["id"] and alert["node_id"] == "kiosk-1" and alert["need"] == "priority"
    assert "优先办理" in alert["message"] and alert["severity"] == "yellow" and alert["state"] == "raised"
    twice = kiosk.send(kiosk.t.ticket_help(), kiosk_id="kiosk-1", need="priority")
    assert twice["alert"]["id"] == first["alert"]["id"] and twice["alert"]["already"] is True
    sup = hall.node("supervisor-1", "supervisor")
    ack = sup.send(sup.t.supervisor_cmd("alert-ack"), alert_id=first["alert"]["id"], note="已派人前往")
    assert ack["ok"], ack
    recorder.wait_for("event/alert", lambda b: b.get("kind") == "help" and b.get("state") == "acked")
    gone = kiosk.send(kiosk.t.ticket_help(), kiosk_id="kiosk-1", cancel=True)
    assert gone["ok"] and gone["alert"] is None
    recorder.wait_for("event/alert", lambda b: b.get("kind") == "help" and b.get("state") == "cleared")
    bad = kiosk.send(kiosk.t.ticket_help(), kiosk_id="kiosk-1", need="coffee")
    assert bad["error"]["code"] == "invalid_request" and "need" in bad["error"]["message"]
