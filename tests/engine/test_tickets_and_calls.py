"""The pure engine: numbering, calling order, recall, no-show, transfer, incomplete finish, caps."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta

import pytest

from queue_broker.engine.commands import (
    AssignCounter,
    FinishTicket,
    IssuePriorityTicket,
    RebalanceCounter,
    TransferTicket,
)
from queue_broker.engine.hall import HallEngine, Rejected

from .conftest import TZ, holder


def test_numbers_are_daily_per_prefix_and_reset_at_local_midnight(drive, clock):
    clock.now = datetime(2026, 11, 27, 23, 58, tzinfo=TZ)
    assert [drive.issue()["number"] for _ in range(3)] == ["A001", "A002", "A003"]
    assert drive.issue("bdc-transfer")["number"] == "B001"
    # 16:01 UTC is 00:01 the next day in Asia/Shanghai: a new day, a new sequence
    t = drive.issue(minutes=3)
    assert t["number"] == "A001" and t["id"] == "20261128-A001"
    assert len({x.id for x in drive.e.tickets.values()}) == 5


def test_numbers_grow_past_999_and_are_never_reused(drive, hall, clock):
    hall.sequence[(clock.now.date(), "A")] = 998
    assert [drive.issue()["number"] for _ in range(3)] == ["A999", "A1000", "A1001"]


def test_clock_jumping_back_over_midnight_never_reuses_a_number(drive, clock):
    clock.now = datetime(2026, 11, 28, 0, 5, tzinfo=TZ)
    first = drive.issue()["number"]
    clock.now = datetime(2026, 11, 27, 23, 59, tzinfo=TZ)  # NTP steps the clock back
    drive.issue()
    clock.now = datetime(2026, 11, 28, 0, 6, tzinfo=TZ)
    assert first == "A001" and drive.issue()["number"] == "A002"


def test_call_next_takes_the_oldest_and_never_calls_one_ticket_twice(drive):
    drive.open("W1")
    drive.open("T1")
    a = drive.issue()
    b = drive.issue(seconds=5)
    first = drive.act("W1", "call-next")["ticket"]
    second = drive.act("T1", "call-next")["ticket"]
    assert (first["id"], second["id"]) == (a["id"], b["id"])
    assert drive.act("T1", "call-next")["ticket"] is None  # T1's b was finished first, none left
    called = [e for e in drive.events if e.type == "ticket_called" and e.data["recall"] == 0]
    assert len(called) == len({e.data["ticket_id"] for e in called})


def test_green_channel_first_then_appointment_share_keeps_walk_ins_moving(drive, hall):
    drive.open("W1")
    walk = [drive.issue(seconds=1) for _ in range(4)]
    elderly = drive.issue(holder=holder("h-old", age=75), seconds=1)
    green = drive.run(IssuePriorityTicket("counter", "zh-general", "green", "其他", "急诊", counter_id="W1"))["ticket"]
    assert elderly["priority"] == "elderly" and green["priority"] == "green"
    order = [drive.act("W1", "call-next", seconds=30)["ticket"]["id"] for _ in range(6)]
    assert order[0] == green["id"]
    # with walk_in_share 0.5: the elderly ticket is called early but walk-ins still get their share
    assert elderly["id"] in order[1:3]
    assert [x for x in order if x in {w["id"] for w in walk}] == [w["id"] for w in walk]


def test_recall_limit_turns_the_ticket_into_a_no_show(drive, config):
    drive.open("W1")
    drive.issue()
    t = drive.act("W1", "call-next")["ticket"]
    for n in range(1, config.recall_limit + 1):
        assert drive.act("W1", "recall", seconds=30)["ticket"]["recalls"] == n
    last = drive.act("W1", "recall", seconds=30)["ticket"]
    assert last["state"] == "no_show" and last["id"] == t["id"]
    assert drive.e.counters["W1"].current is None


def test_no_show_and_start_and_finish(drive):
    drive.open("W1")
    drive.issue()
    drive.issue()
    drive.act("W1", "call-next")
    assert drive.act("W1", "no-show")["ticket"]["state"] == "no_show"
    drive.act("W1", "call-next")
    assert drive.act("W1", "start")["ticket"]["state"] == "serving"
    with pytest.raises(Rejected) as err:
        drive.act("W1", "no-show")
    assert err.value.code == "conflict"
    done = drive.run(FinishTicket("W1", "done"), minutes=7)["ticket"]
    assert done["state"] == "done"


def test_transfer_keeps_the_original_issue_time(drive):
    drive.open("W1")
    drive.open("W3")
    moved = drive.issue()  # A001 at 09:00
    later = drive.issue("sb-card", minutes=10)  # C001 at 09:10
    drive.act("W1", "call-next", minutes=1)
    out = drive.run(TransferTicket("W1", "SB"))["ticket"]
    assert out["queue_id"] == "SB" and out["state"] == "waiting" and out["issued_at"] == moved["issued_at"]
    # at the social-security counter, the transferred ticket is older, so it goes first
    assert drive.act("W3", "call-next")["ticket"]["id"] == moved["id"]
    assert drive.act("W3", "call-next")["ticket"]["id"] == later["id"]


def test_incomplete_finish_stores_missing_materials_and_gives_a_priority_return_ticket(drive):
    drive.open("W2")
    drive.issue("bdc-transfer")
    others = [drive.issue("bdc-transfer", seconds=10) for _ in range(3)]
    drive.act("W2", "call-next")
    reply = drive.run(FinishTicket("W2", "incomplete", ("买卖合同",)), minutes=5)
    ret = reply["return_ticket"]
    assert reply["ticket"]["state"] == "done"
    assert ret["priority"] == "return" and ret["return_of"] == reply["ticket"]["id"]
    assert drive.e.tickets[reply["ticket"]["id"]].missing_materials == ["买卖合同"]
    assert ret["waiting_ahead"] == 0  # ahead of the three ordinary walk-ins
    with pytest.raises(Rejected):
        drive.run(FinishTicket("W2", "incomplete", ()))
    assert others


def test_call_next_finishes_the_current_citizen_first(drive):
    drive.open("W1")
    drive.issue()
    drive.issue()
    a = drive.act("W1", "call-next")["ticket"]
    b = drive.act("W1", "call-next", minutes=5)["ticket"]
    assert drive.e.tickets[a["id"]].state == "done" and b["id"] != a["id"]


def test_per_person_and_queue_caps(drive):
    me = holder("h-me")
    drive.issue("sb-card", holder=me)
    drive.issue("sb-card", holder=me)
    with pytest.raises(Rejected) as err:
        drive.issue("sb-card", holder=me)
    assert err.value.code == "full"
    drive.issue("zh-general", holder=me)
    with pytest.raises(Rejected):
        drive.issue("bdc-transfer", holder=me)  # 3 a day in all
    drive.issue("bdc-transfer", holder=holder("h-other"))


def test_queue_daily_cap(drive, hall):
    for _ in range(50):
        drive.issue("sb-card")
    with pytest.raises(Rejected) as err:
        drive.issue("sb-card")
    assert err.value.code == "full" and "50" in err.value.message


def test_unknown_service_and_closed_counter_are_refused(drive):
    with pytest.raises(Rejected) as err:
        drive.issue("nothing")
    assert err.value.code == "not_found"
    with pytest.raises(Rejected) as err:
        drive.act("W1", "call-next")
    assert err.value.code == "conflict"
    with pytest.raises(Rejected) as err:
        drive.open("W1", pin="000000")
    assert err.value.code == "forbidden"
    with pytest.raises(Rejected):
        drive.open("W1", operator="clerk")  # clerk may only work at W2


def test_rebalance_waits_for_the_current_citizen_and_lock_wins(drive):
    drive.open("T1")
    drive.issue()
    drive.act("T1", "call-next")
    drive.run(RebalanceCounter("T1", ("SB",), "社保排队较长"))
    c = drive.e.counters["T1"]
    assert c.queue_ids == ["ZH"] and c.pending_queue_ids == ["SB"]  # never mid-service
    drive.run(FinishTicket("T1", "done"), minutes=5)
    assert c.queue_ids == ["SB"] and c.pending_queue_ids is None
    drive.run(AssignCounter("T1", ("BDC",), "tidal", True))
    with pytest.raises(Rejected):
        drive.run(RebalanceCounter("T1", ("ZH",), "x"))
    assert c.queue_ids == ["BDC"] and c.locked


def test_bundle_ticket_goes_to_the_bundle_queue(drive):
    t = drive.issue("bundle-birth")
    assert t["queue_id"] == "ZH" and t["service_name"] == "新生儿出生一件事"


def test_replay_rebuilds_exactly_the_same_state(drive, config, clock):
    drive.open("W1")
    drive.open("T1")
    for i in range(6):
        drive.issue(["zh-general", "sb-card", "bdc-transfer"][i % 3], seconds=20)
    drive.act("W1", "call-next")
    drive.act("T1", "call-next")
    drive.run(TransferTicket("T1", "SB"))
    twin = HallEngine(config)
    twin.replay(drive.events)
    now = clock() + timedelta(minutes=1)
    assert twin.queues_state(now) == drive.e.queues_state(now)
    assert twin.counters_state(now) == drive.e.counters_state(now)
    assert {k: asdict(v) for k, v in twin.tickets.items()} == {k: asdict(v) for k, v in drive.e.tickets.items()}


def test_tickets_left_at_day_end_expire_and_free_their_counter(drive, clock):
    from queue_broker.engine.commands import ExpireTickets
    from queue_broker.service.tasks import expire_previous_days

    drive.open("W1")
    left = [drive.issue() for _ in range(3)]
    drive.act("W1", "call-next")
    assert expire_previous_days(drive.e, clock()) == []  # same day: nothing to do
    clock.now = datetime(2026, 11, 28, 8, 30, tzinfo=TZ)
    cmds = expire_previous_days(drive.e, clock())
    assert cmds == [ExpireTickets("2026-11-28")]
    assert drive.run(cmds[0])["expired"] == 3
    assert all(drive.e.tickets[t["id"]].state == "cancelled" for t in left)
    assert drive.e.counters["W1"].current is None and drive.e.waiting["ZH"] == []
    fresh = drive.issue()
    assert fresh["number"] == "A001" and drive.act("W1", "call-next")["ticket"]["id"] == fresh["id"]
