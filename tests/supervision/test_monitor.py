"""Each monitoring rule fires at its threshold and not a second before, escalates yellow → red once,
never repeats per tick, and clears when its condition ends (mini site: ZH SLA 20 min, mean 8 min;
defaults: yellow 80 % / red 100 % of SLA, service ×2 / ×3, idle 5 / 15 min, no-shows 3 / 5, device
fault 10 / 30 min, case warning 1 working day)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from queue_broker.engine import events as ev
from queue_broker.engine.commands import (
    AckAlert,
    CaseAction,
    FinishTicket,
    OpenComplexQuestion,
    RecordDeviceHealth,
)
from queue_broker.engine.hall import HallEngine, Rejected
from queue_broker.supervision.monitor import Monitor

from .conftest import at

S = timedelta(seconds=1)


def test_wait_over_sla_yellow_at_80_percent_red_at_100_then_cleared(make_day):
    d = make_day(at(2026, 11, 27, 9, 0))
    first = d.issue()
    d.to(at(2026, 11, 27, 9, 5))
    d.issue()
    assert d.to(at(2026, 11, 27, 9, 16) - S) == []
    raised = d.to(at(2026, 11, 27, 9, 16))
    assert [e.type for e in raised] == [ev.ALERT_RAISED]
    a = d.alert_of(raised[0])
    assert (a.kind, a.severity, a.data["subject"], a.data["queue_id"]) == ("wait_over_sla", "yellow", "ZH", "ZH")
    assert a.data["number"] == first["number"] and a.data["waiting"] == 2
    for _ in range(30):  # ticking on: nothing new while nothing changes
        assert d.later(seconds=1) == []
    assert d.to(at(2026, 11, 27, 9, 20) - S) == []
    up = d.to(at(2026, 11, 27, 9, 20))
    assert [e.type for e in up] == [ev.ALERT_ESCALATED] and up[0].data["id"] == a.id
    assert a.severity == "red" and a.escalated_at == d.now
    assert d.later(minutes=30) == []  # red stays red, once
    d.open("W1")
    d.act("W1", "call-next")  # the first citizen leaves; the second waited since 9:05 (45 min): still red
    assert d.tick() == []
    d.act("W1", "call-next")
    gone = d.tick()
    assert [e.type for e in gone] == [ev.ALERT_CLEARED] and a.cleared_at == d.now
    assert d.active("wait_over_sla") is None
    assert len(d.of(ev.ALERT_RAISED, "wait_over_sla")) == 1


def test_wait_alert_raises_again_as_a_new_alert_after_clearing(make_day):
    d = make_day(at(2026, 11, 27, 9, 0))
    d.issue()
    d.to(at(2026, 11, 27, 9, 16))
    d.open("W1")
    d.act("W1", "call-next")
    d.tick()
    d.issue()
    d.later(minutes=16)
    alerts = [d.alert_of(e) for e in d.of(ev.ALERT_RAISED, "wait_over_sla")]
    assert len(alerts) == 2 and alerts[0].id != alerts[1].id
    assert alerts[0].cleared_at is not None and alerts[1].cleared_at is None


def test_service_overrun_at_twice_and_three_times_the_usual_time(make_day):
    d = make_day(at(2026, 11, 27, 9, 0))
    d.open("W1")
    t = d.issue()
    d.act("W1", "call-next")
    d.act("W1", "start")
    assert d.to(at(2026, 11, 27, 9, 16) - S) == []  # zh-general: queue mean 8 min, ×2 = 16 min
    raised = d.to(at(2026, 11, 27, 9, 16))
    a = d.alert_of(raised[0])
    assert (a.kind, a.severity, a.data["subject"], a.data["counter_id"]) == ("service_overrun", "yellow", t["id"], "W1")
    assert d.to(at(2026, 11, 27, 9, 24) - S) == []
    assert [e.type for e in d.to(at(2026, 11, 27, 9, 24))] == [ev.ALERT_ESCALATED]
    d.run(FinishTicket("W1", "done"))
    assert [e.type for e in d.tick()] == [ev.ALERT_CLEARED]


def test_service_overrun_uses_the_items_usual_time(make_day, config):
    svc = next(s for s in config.services if s.id == "bdc-transfer")
    svc.usual_service_min = 20
    d = make_day(at(2026, 11, 27, 9, 0), config)
    d.open("W2")
    d.issue("bdc-transfer")
    d.act("W2", "call-next")  # never pressed "start": time counts from the call
    assert d.to(at(2026, 11, 27, 9, 40) - S) == []
    assert d.active("service_overrun") is None
    d.to(at(2026, 11, 27, 9, 40))
    assert d.active("service_overrun").severity == "yellow"


def test_counter_idle_counts_from_when_someone_waits_and_names_a_pause(make_day):
    d = make_day(at(2026, 11, 27, 9, 0))
    d.open("W1")
    d.to(at(2026, 11, 27, 9, 2))
    d.issue()  # the counter was free since 9:00; a citizen waits since 9:02
    assert d.to(at(2026, 11, 27, 9, 7) - S) == []
    d.to(at(2026, 11, 27, 9, 7))
    a = d.active("counter_idle")
    assert (a.severity, a.data["subject"], a.data["status"]) == ("yellow", "W1", "open")
    assert "空闲" in a.message
    assert d.to(at(2026, 11, 27, 9, 17) - S) == []
    d.to(at(2026, 11, 27, 9, 17))
    assert a.severity == "red"
    d.act("W1", "call-next")
    d.tick()
    assert a.cleared_at is not None and d.active("counter_idle") is None
    # paused while citizens wait: the same rule, from the moment the counter became free
    d.run(FinishTicket("W1", "done"))
    d.act("W1", "pause")
    d.issue()
    start = d.now
    assert d.to(start + timedelta(minutes=5) - S) == []
    d.to(start + timedelta(minutes=5))
    b = d.active("counter_idle")
    assert b is not None and b.id != a.id and b.data["status"] == "paused" and "暂停" in b.message
    d.act("W1", "close")  # a closed counter is not idle: cleared
    d.tick()
    assert b.cleared_at is not None


def test_no_idle_alert_when_no_one_waits(make_day):
    d = make_day(at(2026, 11, 27, 9, 0))
    d.open("W1")
    d.later(hours=3)
    assert d.active("counter_idle") is None and d.events[-1].type == ev.COUNTER_OPENED


def test_no_show_streak_at_three_and_five_cleared_by_a_finish(make_day):
    d = make_day(at(2026, 11, 27, 9, 0))
    d.open("W1")
    for _ in range(7):
        d.issue()
    for i in range(1, 6):
        d.act("W1", "call-next")
        d.act("W1", "no-show")
        d.tick()
        a = d.active("no_show_streak")
        if i < 3:
            assert a is None
        elif i < 5:
            assert a.severity == "yellow" and a.data["no_shows"] == 3  # the data of when it was raised
        else:
            assert a.severity == "red" and a.data["no_shows"] == 5
    assert len(d.of(ev.ALERT_RAISED, "no_show_streak")) == 1
    assert len(d.of(ev.ALERT_ESCALATED, "no_show_streak")) == 1
    d.serve("W1")
    d.tick()
    assert d.active("no_show_streak") is None


def test_complex_question_due_in_two_working_days_across_national_day(make_day):
    """Asked Wed 30 Sep 2026; 1–7 Oct are holidays: due by the end of Fri 9 Oct, yellow from its start."""
    d = make_day(at(2026, 9, 30, 10, 0))
    d.open("W1")
    t = d.issue()
    d.serve("W1", "incomplete", ["户口簿"])
    case = d.run(OpenComplexQuestion("W1", t["id"], "继承转移是否必须公证"))["case"]
    assert case["deadline"] == "2026-10-10T00:00:00+08:00" and case["warn_at"] == "2026-10-09T00:00:00+08:00"
    d.act("W1", "call-next")  # serve the return ticket so no wait alert clutters the hall
    d.run(FinishTicket("W1", "done"))
    d.act("W1", "close")
    d.to(at(2026, 10, 5, 12, 0))  # the holidays pass quietly
    assert d.to(at(2026, 10, 9, 0, 0) - S) == []
    d.to(at(2026, 10, 9, 0, 0))
    a = d.active("complex_question_due")
    assert a.severity == "yellow" and a.data["case_id"] == case["id"]
    assert d.to(at(2026, 10, 10, 0, 0) - S) == []
    d.to(at(2026, 10, 10, 0, 0))
    assert a.severity == "red"
    with pytest.raises(Rejected):  # ack needs a note
        d.run(AckAlert(a.id, ""))
    d.run(AckAlert(a.id, "已电话联系窗口负责人"))
    assert a.acked_at == d.now
    d.run(CaseAction(case["id"], "answer", "已电话全面告知：须公证", counter_id="W1", by="counter-W1"))
    d.tick()
    assert a.cleared_at is not None


def test_bad_rating_case_due_after_15_working_days_with_warning_day(make_day):
    """Rated Tue 29 Sep 2026: 15 working days skip 1–7 Oct and count Sat 10 Oct (调休)."""
    d = make_day(at(2026, 9, 29, 10, 0))
    d.open("W1")
    t = d.issue()
    d.serve("W1")
    case_id = d.rate(t["id"], 1, ["服务态度差"])["case"]["id"]
    case = d.e.cases[case_id]
    assert case.deadline.isoformat() == "2026-10-27T00:00:00+08:00"
    assert case.warn_at.isoformat() == "2026-10-24T00:00:00+08:00"
    d.act("W1", "close")
    assert d.to(at(2026, 10, 24, 0, 0) - S) == []
    d.to(at(2026, 10, 24, 0, 0))
    assert d.active("case_due").severity == "yellow"
    assert d.to(at(2026, 10, 27, 0, 0) - S) == []
    d.to(at(2026, 10, 27, 0, 0))
    a = d.active("case_due")
    assert a.severity == "red" and case.overdue(d.now)
    for action, note, kw in [
        ("verify", "属实", {}),
        ("rectify", "批评教育", {}),
        ("reply", "已致歉", {}),
        ("revisit", "满意", {"satisfied": True}),
        ("close", "办结", {}),
    ]:
        d.run(CaseAction(case_id, action, note, **kw))
    d.tick()
    assert a.cleared_at is not None and case.state == "closed" and case.overdue(d.now)  # closed late


def test_device_fault_after_ten_minutes_red_at_thirty_cleared_when_ok(make_day):
    d = make_day(at(2026, 11, 27, 9, 0))
    d.run(RecordDeviceHealth("kiosk-1", "printer", "printer", False, "degraded", "纸将尽"))
    d.later(hours=1)
    assert d.active("device_fault") is None  # degraded is not a fault
    start = d.now
    d.run(RecordDeviceHealth("kiosk-1", "printer", "printer", False, "fault", "缺纸"))
    assert d.to(start + timedelta(minutes=10) - S) == []
    d.to(start + timedelta(minutes=10))
    a = d.active("device_fault")
    assert (a.severity, a.data["subject"], a.data["node_id"]) == ("yellow", "kiosk-1/printer", "kiosk-1")
    # the same fault reported again changes nothing (no event, the duration keeps counting)
    assert d.run(RecordDeviceHealth("kiosk-1", "printer", "printer", False, "fault", "缺纸")) == {}
    assert d.to(start + timedelta(minutes=30) - S) == []
    d.to(start + timedelta(minutes=30))
    assert a.severity == "red"
    d.run(RecordDeviceHealth("kiosk-1", "printer", "printer", True, "ready", ""))
    d.tick()
    assert a.cleared_at is not None


def test_escalation_needs_a_fresh_acknowledgement(make_day):
    d = make_day(at(2026, 11, 27, 9, 0))
    d.issue()
    d.to(at(2026, 11, 27, 9, 16))
    a = d.active("wait_over_sla")
    d.run(AckAlert(a.id, "已安排潮汐窗口", by="super"))
    assert a.acked_at is not None
    d.to(at(2026, 11, 27, 9, 20))
    assert a.severity == "red" and a.acked_at is None
    assert a.data["earlier_acks"][0]["note"] == "已安排潮汐窗口"


def test_replay_rebuilds_the_same_alerts_and_the_monitor_stays_quiet(make_day, config):
    d = make_day(at(2026, 11, 27, 9, 0))
    d.open("W1")
    d.issue()
    d.to(at(2026, 11, 27, 9, 30))  # wait red, counter idle red
    d.run(RecordDeviceHealth("kiosk-1", "printer", "printer", False, "fault", "卡纸"))
    d.later(minutes=12)
    again = HallEngine(config)
    again.replay(d.events)
    assert again.monitor_alerts == d.e.monitor_alerts
    assert {k: (a.severity, a.cleared_at, a.acked_at) for k, a in again.alerts.items()} == {
        k: (a.severity, a.cleared_at, a.acked_at) for k, a in d.e.alerts.items()
    }
    assert Monitor()(again, d.now) == []
    with pytest.raises(Rejected):  # the engine itself refuses a second alert for the same (rule, subject)
        from queue_broker.engine.commands import RaiseAlert

        again.execute(
            RaiseAlert("x", "wait_over_sla", "yellow", "dup", {"rule": "wait_over_sla", "subject": "ZH"}), d.now
        )
