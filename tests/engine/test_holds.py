"""Hold and resume at the counter (挂起): the citizen keeps the place, comes back to the same counter or any
counter of the queue within the site's limit, and time on hold is neither waiting nor service."""

from __future__ import annotations

from datetime import timedelta

import pytest

from queue_broker.engine.commands import (
    ExpireHolds,
    FinishTicket,
    HoldTicket,
    ReleaseHeld,
    ResumeHeld,
    ViewCounter,
)
from queue_broker.engine.estimate import service_model
from queue_broker.engine.hall import HallEngine, Rejected
from queue_broker.engine.records import counter_seconds

from .conftest import Driver


def _hold(drive, counter="W1", **adv):
    return drive.run(HoldTicket(counter, "缺户口簿", ("户口簿",)), **adv)["ticket"]


def test_held_citizen_keeps_the_place_and_is_resumed_first(drive, hall):
    a1, a2, a3 = drive.issue(), drive.issue(minutes=1), drive.issue(minutes=1)
    drive.open("W1")
    assert drive.act("W1", "call-next", minutes=2)["ticket"]["number"] == a1["number"]
    drive.act("W1", "start", minutes=1)
    held = _hold(drive, minutes=3)
    assert held["state"] == "held" and held["hold"]["counter_id"] == "W1" and held["holds"] == 1
    assert hall.counters["W1"].current is None  # the counter calls the next citizen at once
    assert [t["number"] for t in hall.queue_view("ZH", drive.clock())["held"]] == [a1["number"]]
    assert hall.counter_view(hall.counters["W1"])["held"][0]["number"] == a1["number"]
    assert a1["id"] not in hall.waiting["ZH"]  # nobody waits behind a held ticket
    assert drive.act("W1", "call-next")["ticket"]["number"] == a2["number"]
    # back with the paper while W1 still serves A002: refused, nothing changed
    n = len(drive.events)
    with pytest.raises(Rejected) as busy:
        drive.run(ResumeHeld("W1", number=a1["number"]), minutes=20)
    assert busy.value.code == "conflict" and a2["number"] in busy.value.message and len(drive.events) == n
    view = drive.run(ViewCounter("W1"))  # read only: no event
    assert len(drive.events) == n and view["ticket"]["number"] == a2["number"]
    assert [h["number"] for h in view["held"]] == [a1["number"]]
    drive.run(FinishTicket("W1", "done"))
    resumed = drive.run(ResumeHeld("W1", number=a1["number"].lower()), minutes=1)["ticket"]
    assert resumed["state"] == "called" and resumed["counter_id"] == "W1" and "hold" not in resumed
    t = hall.tickets[a1["id"]]
    assert t.held_s == pytest.approx(21 * 60)  # from the hold to the resume
    # the wait is issue -> first call, untouched by the hold
    assert (t.called_at - t.issued_at) == timedelta(minutes=4)
    drive.act("W1", "start", minutes=1)
    drive.run(FinishTicket("W1", "done"), minutes=5)
    # counter time: call -> hold (4 min) + resume -> finish (6 min); the 21 minutes on hold are not service
    assert counter_seconds(t, t.finished_at) == pytest.approx(10 * 60)
    assert drive.act("W1", "call-next")["ticket"]["number"] == a3["number"]


def test_service_estimates_leave_time_on_hold_out(drive, hall):
    drive.open("W1")
    mean_before = hall.stats["ZH"].mean_service_s
    t = drive.issue()
    drive.act("W1", "call-next")
    _hold(drive, minutes=8)
    drive.run(ResumeHeld("W1", ticket_id=t["id"]), minutes=50)
    drive.run(FinishTicket("W1", "done"), minutes=8)
    # 16 minutes at the counter, 50 on hold: the smoothed mean moves towards 16 minutes, not 66
    expected = 0.9 * mean_before + 0.1 * 16 * 60
    assert hall.stats["ZH"].mean_service_s == pytest.approx(expected)
    model = service_model(hall)
    assert model.mean_s["ZH"] < 17 * 60


def test_resume_at_another_counter_of_the_queue_or_only_the_same(config, clock):
    for resume_at, at_t1 in (("queue", True), ("counter", False)):
        config.hold.resume_at = resume_at
        drive = Driver(HallEngine(config), clock)
        t = drive.issue()
        drive.open("W1"), drive.open("T1"), drive.open("W2")
        drive.act("W1", "call-next")
        _hold(drive)
        with pytest.raises(Rejected) as other_queue:  # W2 serves 不动产 only
            drive.run(ResumeHeld("W2", ticket_id=t["id"]))
        assert other_queue.value.code in ("conflict", "forbidden")
        if at_t1:
            assert drive.run(ResumeHeld("T1", ticket_id=t["id"]))["ticket"]["counter_id"] == "T1"
        else:
            with pytest.raises(Rejected) as same_only:
                drive.run(ResumeHeld("T1", ticket_id=t["id"]))
            assert (
                same_only.value.code == "forbidden"
                and "在1号窗口" in same_only.value.message
                and "原窗口" in same_only.value.message
            )
            assert drive.run(ResumeHeld("W1", ticket_id=t["id"]))["ticket"]["counter_id"] == "W1"


def test_hold_expires_after_the_site_limit_and_cannot_be_resumed(drive, hall, config):
    drive.open("W1")
    t = drive.issue()
    drive.act("W1", "call-next")
    _hold(drive)
    assert not hall.holds_due(drive.clock() + timedelta(minutes=config.hold.max_minutes - 1))
    assert drive.run(ExpireHolds(), minutes=config.hold.max_minutes - 1)["expired"] == 0
    assert drive.run(ExpireHolds(), minutes=1)["expired"] == 1
    rec = hall.tickets[t["id"]]
    assert rec.state == "hold_expired" and rec.outcome == "expired" and not hall.held_ids
    assert rec.held_s == pytest.approx(config.hold.max_minutes * 60)
    with pytest.raises(Rejected) as late:
        drive.run(ResumeHeld("W1", number=t["number"]))
    assert late.value.code == "conflict" and "到期" in late.value.message


def test_limits_refuse_plainly_and_change_nothing(drive, hall, config):
    config.hold.max_per_counter = 1
    drive.open("W1")
    drive.issue(), drive.issue()
    drive.act("W1", "call-next")
    _hold(drive)
    drive.act("W1", "call-next")
    n = len(drive.events)
    with pytest.raises(Rejected) as full:
        _hold(drive)
    assert full.value.code == "full" and "最多 1 位" in full.value.message and len(drive.events) == n
    with pytest.raises(Rejected) as nobody:
        drive.run(HoldTicket("W2"))
    assert nobody.value.code == "conflict"


def test_release_ends_a_hold_and_replay_rebuilds_the_same_state(drive, hall, config):
    drive.open("W1")
    a, b = drive.issue(), drive.issue()
    drive.act("W1", "call-next")
    _hold(drive, minutes=2)
    drive.act("W1", "call-next", minutes=1)
    _hold(drive, minutes=2)
    drive.run(ReleaseHeld("W1", ticket_id=a["id"], note="市民明日再来"), minutes=5)
    assert hall.tickets[a["id"]].state == "hold_expired" and hall.tickets[a["id"]].outcome == "released"
    again = HallEngine(config)
    again.replay(drive.events)
    for tid in (a["id"], b["id"]):
        x, y = hall.tickets[tid], again.tickets[tid]
        assert (x.state, x.held_s, x.holds, x.hold_counter_id) == (y.state, y.held_s, y.holds, y.hold_counter_id)
    assert list(again.held_ids) == [b["id"]] == list(hall.held_ids)
