"""Priority issued by people (issue 19 item 2, issue 23 item 3), in the pure engine.

The green channel and the disability priority need a person's judgement: only staff issue them, with a
reason and their name in the event log; a kiosk gets only what it can verify. Every class of the calling
rule can be switched off in the site file. A kiosk calls staff instead of issuing priority itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from queue_broker.engine import events as ev
from queue_broker.engine.commands import (
    AckAlert,
    BookAppointment,
    FinishTicket,
    IssuePriorityTicket,
    IssueTicket,
    RequestHelp,
)
from queue_broker.engine.hall import HallEngine, Rejected

from .conftest import TZ, Clock, Driver, holder


def staff(priority="green", reason="危急重症或紧急事项", note="", role="counter", counter="W1", **kw):
    if role == "counter":
        kw.setdefault("counter_id", counter)
        kw.setdefault("by", f"counter-{counter}")
    else:
        kw.setdefault("supervisor_id", "super")
        kw.setdefault("by", "supervisor-1")
    return IssuePriorityTicket(role, kw.pop("service", "zh-general"), priority, reason, note, **kw)


def refused(drive, cmd, code: str) -> str:
    before = len(drive.events)
    with pytest.raises(Rejected) as err:
        drive.run(cmd)
    assert err.value.code == code, err.value.message
    assert len(drive.events) == before  # nothing half-done
    return err.value.message


def with_priorities(config, **classes) -> Driver:
    """An engine whose site file sets `priorities.classes` so (the rest as the mini hall)."""
    config.priorities = config.priorities.model_validate(
        {**config.priorities.model_dump(exclude={"classes"}), "classes": classes}
    )
    return Driver(HallEngine(config), Clock(datetime(2026, 11, 27, 9, 0, tzinfo=TZ)))


def test_a_kiosk_cannot_issue_a_green_channel_ticket(drive):
    message = refused(drive, IssueTicket("kiosk-1", "zh-general", "green"), "forbidden")
    assert "工作人员" in message and "cmd/ticket/help" in message
    assert not drive.e.tickets and drive.e.sequence == {}  # no number was used up


def test_a_counter_issues_green_with_the_reason_and_its_operator_in_the_event(drive):
    drive.open("W1")
    reply = drive.run(staff())
    t = reply["ticket"]
    assert (t["priority"], t["channel"], t["number"]) == ("green", "green", "A001")
    assert reply["priority"] == {
        "reason": "危急重症或紧急事项",
        "note": "",
        "role": "counter",
        "node": "counter-W1",
        "counter_id": "W1",
        "operator_id": "demo",
    }
    issued = [e for e in drive.events if e.type == ev.TICKET_ISSUED][-1]
    assert issued.data["priority_reason"] == "危急重症或紧急事项"
    assert issued.data["issued_by"]["operator_id"] == "demo"
    # replayed from the log, the ticket is the same
    again = HallEngine(drive.e.config)
    again.replay(drive.events)
    assert again.tickets[t["id"]].priority == "green"


def test_a_closed_counter_cannot_issue_priority(drive):
    assert "登录" in refused(drive, staff(), "conflict")


@pytest.mark.parametrize(
    ("cmd", "code", "words"),
    [
        (staff(reason="我认识他"), "invalid_request", "理由须为"),
        (staff(reason="   "), "invalid_request", "须填写理由"),
        (staff(reason="其他"), "invalid_request", "须写明具体情况"),
        (staff(priority="elderly"), "invalid_request", "优先类别只能是"),
        (staff(service="no-such-item"), "not_found", "没有事项"),
        (staff(role="supervisor", supervisor_id="nobody"), "forbidden", "没有值班主管"),
    ],
)
def test_bad_priority_requests_change_nothing(drive, cmd, code, words):
    drive.open("W1")
    assert words in refused(drive, cmd, code)


def test_the_supervisor_issues_disability_priority_and_other_with_a_note(drive):
    reply = drive.run(staff("disability", "其他", "坐轮椅的老人", role="supervisor"))
    assert reply["ticket"]["priority"] == "disability" and reply["ticket"]["channel"] == "walk_in"
    assert reply["priority"]["supervisor_id"] == "super" and reply["priority"]["note"] == "坐轮椅的老人"


def test_calling_order_green_then_disability_with_appointments_then_elderly(drive):
    drive.open("W1")
    old = drive.issue(holder=holder("h-old", age=80), seconds=1)
    dis = drive.run(staff("disability", "肢体残疾"), seconds=1)["ticket"]
    green = drive.run(staff("green"), seconds=1)["ticket"]
    assert dis["waiting_ahead"] == 0 and green["waiting_ahead"] == 0  # estimates know the class
    order = [drive.act("W1", "call-next", seconds=30)["ticket"]["id"] for _ in range(3)]
    assert order == [green["id"], dis["id"], old["id"]]


def test_who_may_issue_is_the_site_files_choice(config):
    drive = with_priorities(config, green={"issued_by": ["supervisor"]})
    drive.open("W1")
    assert "值班主管" in refused(drive, staff("green"), "forbidden")
    assert drive.run(staff("green", role="supervisor"))["ticket"]["priority"] == "green"
    assert drive.run(staff("disability", "视力残疾"))["ticket"]["priority"] == "disability"  # still both


def test_free_text_reasons_when_the_site_lists_none(config):
    drive = with_priorities(config, disability={"reasons": []})
    drive.open("W1")
    assert drive.run(staff("disability", "拄拐杖"))["priority"]["reason"] == "拄拐杖"


@pytest.mark.parametrize("name", ["green", "disability"])
def test_a_staff_class_switched_off_is_refused(config, name):
    drive = with_priorities(config, **{name: {"enabled": False}})
    drive.open("W1")
    assert "未启用" in refused(drive, staff(name, "其他", "x"), "forbidden")


def test_elderly_switched_off_gives_a_normal_ticket(config):
    drive = with_priorities(config, elderly={"enabled": False})
    assert drive.issue(holder=holder("h-old", age=90))["priority"] == "normal"


def test_return_switched_off_gives_a_normal_return_ticket(config):
    drive = with_priorities(config, **{"return": {"enabled": False}})
    drive.open("W1")
    drive.issue()
    drive.act("W1", "call-next")
    back = drive.run(FinishTicket("W1", "incomplete", ("户口簿",)))["return_ticket"]
    assert back["priority"] == "normal" and back["return_of"]


@pytest.mark.parametrize(("enabled", "priority"), [(True, "appointment"), (False, "normal")])
def test_appointment_priority_can_be_switched_off(config, enabled, priority):
    drive = with_priorities(config, appointment={"enabled": enabled})
    slot = drive.clock.now.replace(minute=30)
    code = drive.run(BookAppointment("zh-general", slot, "CODE2345"))["appointment"]["code"]
    drive.clock.now = slot - timedelta(minutes=5)
    t = drive.issue(channel="appointment", code=code)
    assert t["priority"] == priority


def test_non_staff_classes_take_no_reasons(config):
    with pytest.raises(ValueError, match="elderly is not issued by staff"):
        config.priorities.model_validate({"classes": {"elderly": {"reasons": ["看着像"]}}})


def test_a_kiosk_calls_staff_once_until_answered(drive):
    first = drive.run(RequestHelp("kiosk-1", "priority"))["alert"]
    assert first["state"] == "raised" and not first["already"]
    alert = drive.e.alerts[first["id"]]
    assert alert.kind == "help" and "优先办理" in alert.message and alert.data["need"] == "priority"
    again = drive.run(RequestHelp("kiosk-1", "priority"), seconds=5)["alert"]
    assert again["id"] == first["id"] and again["already"]  # pressed twice: one alert
    drive.run(AckAlert(first["id"], "已派人前往", by="supervisor-1"), seconds=30)
    later = drive.run(RequestHelp("kiosk-1", "general"), minutes=5)["alert"]
    assert later["id"] != first["id"] and drive.e.alerts[first["id"]].cleared_at is not None
    assert drive.run(RequestHelp("kiosk-1", "general", cancel=True), seconds=10)["alert"] is None
    assert drive.e.alerts[later["id"]].cleared_at is not None
    assert ("help", "kiosk-1") not in drive.e.monitor_alerts
    with pytest.raises(Rejected):
        drive.run(RequestHelp("kiosk-1", "sing"))
