"""Issue 23 through the real queue broker (HallService, injected clock) and the session's real Mosquitto:
hold and resume at the counter (挂起) with its events and state, the hold left out of the waiting and
service figures and shown in the HTML report; the 需要手语/文字沟通 flag from the kiosk to the counter only;
displays told about a number called again; the supervisor's lookup, transfer and annulment; a kiosk's
help request marked 视障. Wrong input is refused plainly and changes nothing."""

from __future__ import annotations

from queue_broker.reports.model import build_report, load_period
from queue_broker.reports.render import to_html
from queue_broker.service.tasks import default_tasks
from tests.waiting import wait_for


def _stored(hall) -> int:
    return sum(1 for _ in hall.service.store.iter_events())


def test_hold_resume_and_expiry_over_mqtt(hall, kiosk, desk, recorder):
    hall.service.tick_tasks.extend(default_tasks(hall.service.config))
    clock = hall.clock
    assert desk.counter("W1", "open", operator_id="demo", pin="123456")["ok"]
    a1 = kiosk.issue(needs=["sign_or_text"])["ticket"]
    a2 = kiosk.issue()["ticket"]
    assert "needs" not in a1  # the kiosk's reply does not repeat it; only the counter is told
    called = desk.counter("W1", "call-next")
    assert called["ticket"]["number"] == a1["number"] and called["ticket"]["needs"] == ["sign_or_text"]
    current = desk.counter("W1", "current")
    assert current["ticket"]["needs"] == ["sign_or_text"] and current["held"] == []
    clock.advance(minutes=3)
    held = desk.counter("W1", "hold", note="缺户口簿", missing_materials=["户口簿"])
    assert held["ok"] and held["ticket"]["state"] == "held" and held["ticket"]["hold"]["counter_id"] == "W1"
    ev = recorder.wait_for("/event/hold", lambda b: b["state"] == "held")
    assert ev["number"] == a1["number"] and ev["until"] and "needs" not in ev
    queues = recorder.wait_for("/state/queues", lambda b: any(q["held"] for q in b["queues"]))
    zh = next(q for q in queues["queues"] if q["id"] == "ZH")
    assert [h["number"] for h in zh["held"]] == [a1["number"]] and zh["waiting"] == 1
    # the flag never appears on a topic others read
    assert all("sign_or_text" not in str(b) for t, b, _ in recorder.messages if "/cmd/" not in t and "/reply/" not in t)
    # the counter goes on with the next citizen, then the first one comes back 20 minutes later
    assert desk.counter("W1", "call-next")["ticket"]["number"] == a2["number"]
    busy = desk.counter("W1", "resume-held", number=a1["number"])
    assert busy["error"]["code"] == "conflict" and a2["number"] in busy["error"]["message"]
    clock.advance(minutes=4)
    assert desk.counter("W1", "finish", outcome="done")["ok"]
    clock.advance(minutes=16)
    back = desk.counter("W1", "resume-held", number=a1["number"])
    assert back["ok"] and back["ticket"]["state"] == "called" and back["ticket"]["held_s"] == 20 * 60
    call = recorder.wait_for("/event/called", lambda b: b["ticket_id"] == a1["id"] and b.get("resumed"))
    assert call["recall"] == 0 and call["counter_number"] == 1
    clock.advance(minutes=5)
    desk.counter("W1", "finish", outcome="done")
    fin = recorder.wait_for("/event/finished", lambda b: b["ticket_id"] == a1["id"])
    assert fin["waited_s"] == 0 and fin["served_s"] == 8 * 60  # 3 + 5 minutes at the counter, not the 20 held

    # a second hold runs out: the tick ends it after the site's limit
    a3 = kiosk.issue()["ticket"]
    desk.counter("W1", "call-next")
    desk.counter("W1", "hold")
    clock.advance(minutes=hall.service.config.hold.max_minutes + 1)
    expired = recorder.wait_for("/event/hold", lambda b: b["ticket_id"] == a3["id"] and b["state"] == "expired")
    assert expired["held_s"] >= hall.service.config.hold.max_minutes * 60
    late = desk.counter("W1", "resume-held", ticket_id=a3["id"])
    assert late["error"]["code"] == "conflict" and "到期" in late["error"]["message"]
    junk = desk.raw(desk.t.counter_cmd("W1", "resume-held"), b'{"request_id": "x1"}')
    assert junk["error"]["code"] == "invalid_request" and "ticket_id or number" in junk["error"]["message"]

    # the report: the hold shown, and in neither the waits nor the service times
    svc = hall.service
    day = svc.engine.local_day(clock())
    report = build_report(load_period(svc.config, svc.store, day, day))
    hold = report.holds[0]
    assert (hold["tickets"], hold["served"], hold["expired"]) == (2, 1, 1)
    zh_row = report.row("queue", "ZH")
    assert zh_row.mean_service_s == (4 * 60 + 8 * 60) / 2  # A002 4 min, A001 3 + 5 min
    html = to_html(report)
    assert "挂起（缺件暂离，保留顺位）<" in html and "超时未回" in html


def test_displays_know_a_number_called_again(hall, kiosk, desk, recorder):
    desk.counter("W1", "open", operator_id="demo", pin="123456")
    t = kiosk.issue()["ticket"]
    desk.counter("W1", "call-next")
    desk.counter("W1", "recall")
    desk.counter("W1", "recall")
    again = recorder.wait_for("/event/called", lambda b: b["ticket_id"] == t["id"] and b["recall"] == 2)
    assert again["recall_limit"] == 2 and again["last_call"] is True and again["first_called_at"]
    first = recorder.wait_for("/event/called", lambda b: b["ticket_id"] == t["id"] and b["recall"] == 0)
    assert first["last_call"] is False and first["resumed"] is False
    counters = recorder.wait_for(
        "/state/counters",
        lambda b: any((c["serving"] or {}).get("recalls") == 2 for c in b["counters"]),
    )
    w1 = next(c for c in counters["counters"] if c["id"] == "W1")
    assert w1["serving"]["number"] == t["number"] and w1["serving"]["called_at"]


def test_supervisor_finds_transfers_and_annuls_over_mqtt(hall, kiosk, desk, recorder):
    sup = hall.node("sup-1", "supervisor")
    desk.counter("W1", "open", operator_id="demo", pin="123456")
    a1, a2, a3 = (kiosk.issue()["ticket"] for _ in range(3))
    desk.counter("W1", "call-next")
    found = sup.send(sup.t.supervisor_cmd("find-ticket"), number=a2["number"])
    assert found["ok"] and [t["number"] for t in found["tickets"]] == [a2["number"]]
    assert found["tickets"][0]["history"][0]["step"] == "issued" and "holder_masked" not in found["tickets"][0]
    at_w1 = sup.send(sup.t.supervisor_cmd("find-ticket"), counter_id="W1")
    assert [t["number"] for t in at_w1["tickets"]] == [a1["number"]]
    waiting = sup.send(sup.t.supervisor_cmd("find-ticket"), state="waiting")
    assert [t["number"] for t in waiting["tickets"]] == [a2["number"], a3["number"]]
    # transfer the citizen at W1 to 不动产, keeping the issue time
    moved = sup.send(sup.t.supervisor_cmd("transfer"), ticket_id=a1["id"], to_queue_id="BDC", note="走错队列")
    assert moved["ok"] and moved["ticket"]["queue_id"] == "BDC" and moved["ticket"]["issued_at"] == a1["issued_at"]
    tr = recorder.wait_for("/event/transferred", lambda b: b["ticket_id"] == a1["id"])
    assert tr["counter_id"] == "W1"
    # annul: a wrong reason changes nothing; a listed reason annuls, seen by every supervisor
    n = _stored(hall)
    wrong = sup.send(sup.t.supervisor_cmd("annul"), ticket_id=a2["id"], reason="不想办了吧")
    assert wrong["error"]["code"] == "invalid_request" and "重复取号" in wrong["error"]["message"]
    bad_field = sup.send(sup.t.supervisor_cmd("annul"), ticket_id=a2["id"], reason="")
    assert bad_field["error"]["code"] == "invalid_request" and "reason" in bad_field["error"]["message"]
    assert _stored(hall) == n
    gone = sup.send(sup.t.supervisor_cmd("annul"), ticket_id=a2["id"], reason="重复取号", note="同一市民取了两张")
    assert gone["ok"] and gone["ticket"]["state"] == "cancelled"
    annulled = recorder.wait_for("/event/annulled", lambda b: b["ticket_id"] == a2["id"])
    assert annulled["reason"] == "重复取号" and annulled["by"] == "sup-1" and "note" not in annulled
    assert desk.counter("W1", "call-next")["ticket"]["number"] == a3["number"]  # the annulled one is skipped
    # a counter may not use the supervisor's commands (ACL aside, the broker has no such counter action)
    assert sup.send(sup.t.supervisor_cmd("find-ticket"), counter_id="W9")["error"]["code"] == "not_found"


def test_help_request_marked_visually_impaired_reaches_the_floor(hall, kiosk, recorder):
    sup = hall.node("sup-1", "supervisor")
    help_topic = kiosk.t.ticket_cmd("help")
    reply = kiosk.send(help_topic, kiosk_id="kiosk-1", need="visually_impaired")
    assert reply["ok"] and reply["alert"]["state"] == "raised" and not reply["alert"]["already"]
    raised = {"alert_id": reply["alert"]["id"]}
    alert = recorder.wait_for("/event/alert", lambda b: b.get("kind") == "help")
    assert alert["severity"] == "red" and "视障" in alert["message"] and alert["need_label"] == "视障"
    assert alert["node_id"] == "kiosk-1" and alert["rule"] == "help" and alert["subject"] == "kiosk-1"
    again = kiosk.send(help_topic, kiosk_id="kiosk-1", need="visually_impaired")["alert"]
    assert again["id"] == raised["alert_id"] and again["already"]  # pressed twice: one alert
    junk = kiosk.send(help_topic, kiosk_id="kiosk-1", need="x-ray")
    assert junk["error"]["code"] == "invalid_request" and "need" in junk["error"]["message"]
    acked = sup.send(sup.t.supervisor_cmd("alert-ack"), alert_id=raised["alert_id"], note="已派导办员到1号自助机")
    assert acked["ok"]
    kiosk.send(help_topic, kiosk_id="kiosk-1", need="visually_impaired", cancel=True)
    cleared = recorder.wait_for(
        "/event/alert", lambda b: b.get("id") == raised["alert_id"] and b.get("state") == "cleared"
    )
    assert cleared["severity"] == "info"
    wait_for(lambda: hall.service.engine.alerts[raised["alert_id"]].cleared_at is not None)
