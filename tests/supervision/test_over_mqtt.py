"""Supervision through the real broker service and the real Mosquitto: device health from a node's
retained topic becomes an alert, a supervisor acknowledges it with a note, the closed loops run over
`cmd/supervisor/complaint`, `cmd/supervisor/case`, `cmd/counter/{c}/case` and `.../complex-question`,
and the Prometheus endpoint is scraped."""

from __future__ import annotations

import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from queue_broker.link import HallLink
from queue_broker.protocol import DeviceHealth
from tests.waiting import wait_for

from .conftest import at


def test_device_fault_alert_acknowledged_and_cleared(mqtt_hall, recorder):
    hall, clock = mqtt_hall, mqtt_hall.clock
    kiosk = HallLink(hall.url, hall.site, "kiosk-1", "kiosk").start()
    assert kiosk.wait_connected(5)
    try:
        kiosk.publish_device_health(
            "printer", DeviceHealth(kind="printer", ok=False, state="fault", message="缺纸", at=clock())
        )
        engine = lambda: hall.service.engine  # noqa: E731 - the service may rebuild it
        wait_for(lambda: ("kiosk-1", "printer") in engine().devices)
        clock.advance(minutes=10)
        alert = recorder.wait_for("/event/alert", lambda b: b.get("rule") == "device_fault")
        assert (alert["severity"], alert["node_id"], alert["state"]) == ("yellow", "kiosk-1", "raised")
        sup = hall.node("supervisor-1", "supervisor")
        refused = sup.send(sup.t.supervisor_cmd("alert-ack"), alert_id=alert["id"])
        assert refused["error"]["code"] == "invalid_request" and "说明" in refused["error"]["message"]
        assert sup.send(sup.t.supervisor_cmd("alert-ack"), alert_id=alert["id"], note="已通知运维换纸")["ok"]
        acked = recorder.wait_for("/event/alert", lambda b: b.get("state") == "acked")
        assert acked["id"] == alert["id"]
        clock.advance(minutes=20)
        red = recorder.wait_for("/event/alert", lambda b: b.get("state") == "escalated")
        assert red["severity"] == "red" and red["id"] == alert["id"]
        kiosk.publish_device_health(
            "printer", DeviceHealth(kind="printer", ok=True, state="ready", message="", at=clock())
        )
        cleared = recorder.wait_for("/event/alert", lambda b: b.get("state") == "cleared")
        assert cleared["id"] == alert["id"] and cleared["severity"] == "info"
        # stored: a restart rebuilds the same alert, and the retained health is not recorded twice
        n_events = sum(1 for _ in hall.service.store.iter_events())
        hall.stop_broker()
        hall.start()
        a = hall.service.engine.alerts[alert["id"]]
        assert a.cleared_at is not None and a.severity == "red"
        assert sum(1 for _ in hall.service.store.iter_events()) == n_events
    finally:
        kiosk.stop()


def test_closed_loops_over_mqtt(mqtt_hall, recorder):
    hall = mqtt_hall
    kiosk, desk, sup = (
        hall.node("kiosk-1", "kiosk"),
        hall.node("counter-W1", "counter"),
        hall.node("sup-1", "supervisor"),
    )
    desk.counter("W1", "open", operator_id="demo", pin="123456")
    # a bad rating opens a rectification case; the counter appeals, the supervisor rejects, the loop closes
    t = kiosk.issue()["ticket"]
    desk.counter("W1", "call-next")
    desk.counter("W1", "finish", outcome="done")
    rated = desk.send(desk.t.rating_submit(), ticket_id=t["id"], level=1, reasons=["服务态度差"])
    case_id = rated["case"]["id"]
    assert rated["case"]["deadline"] == "2026-12-19T00:00:00+08:00"  # 15 working days from Fri 27 Nov: to Fri 18 Dec
    opened = recorder.wait_for("/event/case", lambda b: b["case_id"] == case_id)
    assert (opened["kind"], opened["state"], opened["action"]) == ("bad_rating", "opened", "open")
    r = desk.send(desk.t.counter_cmd("W1", "case"), case_id=case_id, action="appeal", note="评价器误触")
    assert r["ok"] and r["case"]["state"] == "appealed"
    bad = desk.send(desk.t.counter_cmd("W1", "case"), case_id=case_id, action="close", note="x")
    # a supervisor's step: only the complaint desk (a counter of kind complaint) may take it at a counter
    assert bad["error"]["code"] == "forbidden" and "只有值班长" in bad["error"]["message"]
    r = sup.send(sup.t.supervisor_cmd("case"), case_id=case_id, action="appeal-reject", note="录像显示态度生硬")
    assert r["case"]["state"] == "verified"
    early = sup.send(sup.t.supervisor_cmd("case"), case_id=case_id, action="close", note="办结")
    assert early["error"]["code"] == "conflict" and "已回访待办结" in early["error"]["message"]
    for action, extra in [("rectify", {}), ("reply", {}), ("revisit", {"satisfied": True}), ("close", {})]:
        r = sup.send(sup.t.supervisor_cmd("case"), case_id=case_id, action=action, note=f"{action}记录", **extra)
        assert r["ok"], r
    assert r["case"]["state"] == "closed" and [h["action"] for h in r["case"]["history"]] == [
        "open",
        "appeal",
        "appeal-reject",
        "rectify",
        "reply",
        "revisit",
        "close",
    ]
    recorder.wait_for("/event/case", lambda b: b["case_id"] == case_id and b["state"] == "closed")
    # 有诉即办: a complaint, handed over, with the same history view
    c = sup.send(sup.t.supervisor_cmd("complaint"), summary="跑了三次没办成", category="办不成事", ticket_id=t["id"])
    assert c["case"]["state"] == "accepted" and c["case"]["counter_id"] == "W1"
    h = sup.send(
        sup.t.supervisor_cmd("case"),
        case_id=c["case"]["id"],
        action="handover",
        note="转综合窗口",
        to="县行政审批服务中心",
    )
    assert h["case"]["handler"] == "县行政审批服务中心"
    listed = sup.send(sup.t.supervisor_cmd("case"), action="list")
    assert [x["id"] for x in listed["cases"]] == [c["case"]["id"]]
    # art. 17: a complex question from a one-time notification, answered by the counter
    t2 = kiosk.issue()["ticket"]
    desk.counter("W1", "call-next")
    desk.counter("W1", "finish", outcome="incomplete", missing_materials=["户口簿"])
    q = desk.send(desk.t.counter_cmd("W1", "complex-question"), ticket_id=t2["id"], question="外省户籍能否办理")
    assert q["case"]["deadline"] == "2026-12-02T00:00:00+08:00"  # 2 working days: Mon 30 Nov, Tue 1 Dec
    a = desk.send(desk.t.counter_cmd("W1", "case"), case_id=q["case"]["id"], action="answer", note="已电话告知可办理")
    assert a["case"]["state"] == "answered"
    assert (
        sup.send(sup.t.supervisor_cmd("case"), action="view", case_id="TS-19990101-001")["error"]["code"] == "not_found"
    )


def test_metrics_endpoint_is_scraped(mqtt_hall):
    hall, clock = mqtt_hall, mqtt_hall.clock
    kiosk, desk = hall.node("kiosk-1", "kiosk"), hall.node("counter-W1", "counter")
    desk.counter("W1", "open", operator_id="demo", pin="123456")
    for _ in range(3):
        kiosk.issue()
    kiosk.issue(service="bdc-transfer")
    desk.counter("W1", "call-next")
    clock.set(at(2026, 11, 27, 9, 40))  # BDC's citizen has waited 40 min (SLA 30): red
    wait_for(lambda: hall.service.engine.monitor_alerts)
    port = hall.handles["metrics"].port
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    assert samples[("hall_queue_waiting", (("queue", "ZH"),))] == 2
    assert samples[("hall_queue_waiting", (("queue", "BDC"),))] == 1
    assert samples[("hall_queue_longest_wait_seconds", (("queue", "BDC"),))] == 40 * 60
    assert samples[("hall_counter_open", (("counter", "W1"),))] == 1
    assert samples[("hall_counters", (("status", "open"),))] == 1
    assert samples[("hall_alerts_open", (("kind", "wait_over_sla"), ("severity", "red")))] >= 1
    assert samples[("hall_wait_seconds_count", (("queue", "ZH"),))] == 1
    assert samples[("hall_tickets_today", (("queue", "ZH"), ("state", "waiting")))] == 2
    assert samples[("hall_mqtt_messages_received_total", (("family", "cmd"),))] >= 6
    assert samples[("hall_mqtt_messages_published_total", (("family", "reply"),))] >= 6
    assert samples[("hall_command_latency_seconds_count", (("kind", "ticket/issue"),))] == 4
    assert samples[("hall_commands_total", ())] >= 6
    assert ("hall_cases_overdue", (("kind", "complaint"),)) in samples
