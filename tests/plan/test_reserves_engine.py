"""Reserve windows in the pure engine: ask, take at a counter, release (closing after the citizen),
withdraw, the counter-minutes of each ask, refusals, and the same state after a replay."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from queue_broker.engine import events as ev
from queue_broker.engine.commands import (
    AskReserve,
    CancelReserve,
    CounterCommand,
    FinishTicket,
    IssueTicket,
    OpenCounter,
    ReleaseReserve,
    SetDayForecast,
    TakeReserve,
)
from queue_broker.engine.estimate import board
from queue_broker.engine.hall import HallEngine, Rejected

from .conftest import NINE, planning_engine


class Day:
    def __init__(self):
        self.e = planning_engine()
        self.now = NINE
        self.events: list[ev.Event] = []

    def run(self, cmd, minutes: float = 0.0):
        self.now += timedelta(minutes=minutes)
        result = self.e.execute(cmd, self.now)
        self.events.extend(result.events)
        return result

    def types(self, result) -> list[str]:
        return [e.type for e in result.events]


@pytest.fixture
def day() -> Day:
    d = Day()
    for c in ("W1", "W3"):
        d.run(OpenCounter(c, "demo", "123456"))
    return d


def test_ask_take_serve_release_after_the_citizen(day):
    asked = day.run(AskReserve("R1", "综合受理将超时", ("ZH",)))
    view = asked.reply["reserve"]
    assert view["state"] == "asked" and view["ready_by"] == (NINE + timedelta(minutes=10)).isoformat()
    # the asked clerk is a window open at ready_by in the estimate's board
    slot = next(s for s in board(day.e, day.now).slots if s.counter_id == "reserve:R1")
    assert slot.queues == ("ZH", "SB") and slot.free_at == pytest.approx(10.0)
    day.run(IssueTicket("kiosk-1", "sb-card", "walk_in"))
    day.run(OpenCounter("W9", "demo", "123456"), minutes=10)
    taken = day.run(TakeReserve("W9", "R1"))
    c = day.e.counters["W9"]
    assert (c.queue_ids, c.mode, c.locked) == (["ZH", "SB"], "tidal", True)
    assert taken.reply["reserve"]["state"] == "open" and taken.reply["reserve"]["counter_number"] == 9
    called = day.run(CounterCommand("W9", "call-next"), minutes=1).reply["ticket"]
    assert called["queue_id"] == "SB"
    released = day.run(ReleaseReserve("R1", "已无人等候"), minutes=5)
    assert day.types(released) == [ev.RESERVE_RELEASED]  # busy: it closes when the citizen leaves
    assert day.e.reserves["R1"].state == "closing"
    assert all(s.counter_id != "W9" for s in board(day.e, day.now).slots)  # takes nobody more
    done = day.run(FinishTicket("W9", "done"), minutes=4)
    assert day.types(done) == [ev.TICKET_FINISHED, ev.COUNTER_CLOSED, ev.RESERVE_CLOSED]
    assert done.events[-1].data["minutes"] == pytest.approx(20.0)  # asked 09:00, closed 09:20
    assert day.e.reserves["R1"].state == "idle" and day.e.counters["W9"].status == "closed"
    assert (day.e.counters["W9"].queue_ids, day.e.counters["W9"].locked) == (["ZH"], False)
    assert [(x["outcome"], x["minutes"]) for x in day.e.reserve_log] == [("closed", 20.0)]


def test_release_of_an_idle_window_closes_it_at_once_and_call_next_after_release(day):
    day.run(AskReserve("R1", "x"))
    day.run(OpenCounter("W9", "demo", "123456"), minutes=12)
    day.run(TakeReserve("W9", "R1"))
    day.run(IssueTicket("kiosk-1", "zh-general", "walk_in"))
    day.run(CounterCommand("W9", "call-next"))
    day.run(IssueTicket("kiosk-1", "zh-general", "walk_in"))
    day.run(ReleaseReserve("R1"), minutes=3)
    # one key to call the next finishes the citizen: the released window closes instead of calling
    r = day.run(CounterCommand("W9", "call-next"), minutes=2)
    assert r.reply["ticket"] is None and ev.RESERVE_CLOSED in day.types(r)
    assert len(day.e.waiting["ZH"]) == 1
    idle = Day()
    idle.run(AskReserve("R1", "x"))
    idle.run(OpenCounter("W9", "demo", "123456"), minutes=10)
    idle.run(TakeReserve("W9", "R1"))
    r = idle.run(ReleaseReserve("R1"), minutes=30)
    assert idle.types(r) == [ev.RESERVE_RELEASED, ev.COUNTER_CLOSED, ev.RESERVE_CLOSED]
    assert r.events[-1].data["minutes"] == pytest.approx(40.0)


def test_withdraw_and_closing_at_the_counter(day):
    day.run(AskReserve("R2", "不动产"))
    r = day.run(CancelReserve("R2", "不需要了"), minutes=4)
    assert day.types(r) == [ev.RESERVE_CANCELLED] and r.events[0].data["minutes"] == pytest.approx(4.0)
    assert day.e.reserve_log[-1]["outcome"] == "cancelled"
    day.run(AskReserve("R2", "again"))
    r = day.run(ReleaseReserve("R2"), minutes=1)  # not taken yet: released means withdrawn
    assert day.types(r) == [ev.RESERVE_CANCELLED]
    day.run(AskReserve("R2", "again"))
    day.run(OpenCounter("W9", "demo", "123456"))
    day.run(TakeReserve("W9", "R2"))
    r = day.run(CounterCommand("W9", "close"), minutes=7)
    assert day.types(r) == [ev.COUNTER_CLOSED, ev.RESERVE_CLOSED] and r.events[1].data["minutes"] == 7.0


def test_refusals(day):
    with pytest.raises(Rejected) as e:
        day.run(TakeReserve("W9", "R1"))
    assert e.value.code == "conflict"  # not asked
    with pytest.raises(Rejected) as e:
        day.run(AskReserve("R9", "x"))
    assert e.value.code == "not_found"
    with pytest.raises(Rejected) as e:
        day.run(AskReserve("R1", "x", ("BDC",)))
    names = {q: day.e.queues[q].name for q in ("ZH", "SB", "BDC")}
    assert (
        e.value.code == "conflict"
        and f"只能办理{names['ZH']}、{names['SB']}，不能办理{names['BDC']}" in e.value.message
    )
    day.run(AskReserve("R1", "x"))
    with pytest.raises(Rejected) as e:
        day.run(AskReserve("R1", "x"))
    assert e.value.code == "conflict"
    with pytest.raises(Rejected) as e:
        day.run(TakeReserve("W9", "R1"))
    assert e.value.code == "conflict" and "登录" in e.value.message  # W9 is closed
    with pytest.raises(Rejected) as e:
        day.run(TakeReserve("W1", "R1"))
    assert e.value.code == "forbidden"  # R1 may open only W9
    with pytest.raises(Rejected):
        day.run(CancelReserve("R2"))  # nothing asked
    with pytest.raises(Rejected):
        day.run(ReleaseReserve("R2"))


def test_replay_rebuilds_reserves_forecast_and_arrival_history(day):
    day.run(SetDayForecast("2026-06-10", 18, {"ZH": [3.0, 2.5]}, {"ZH": [1, 1]}, {"ZH": [5, 5]}, 40))
    day.run(IssueTicket("kiosk-1", "zh-general", "walk_in"))
    day.run(IssueTicket("kiosk-1", "sb-card", "walk_in"), minutes=35)
    day.run(AskReserve("R1", "x"))
    day.run(OpenCounter("W9", "demo", "123456"), minutes=10)
    day.run(TakeReserve("W9", "R1"))
    again = HallEngine(day.e.config)
    again.replay(day.events)
    assert again.reserve_view(again.reserves["R1"]) == day.e.reserve_view(day.e.reserves["R1"])
    assert again.counters["W9"].queue_ids == ["ZH", "SB"] and again.counters["W9"].locked
    fc = again.forecast_for(date(2026, 6, 10))
    assert fc is not None and fc.expected("ZH", 19) == 2.5 and fc.expected("ZH", 20) == 0.0
    counts = again.arrival_counts[date(2026, 6, 10)]
    assert counts["ZH"][18] == 1 and counts["SB"][19] == 1
    assert again.reserves_state(day.now)["today"]["asks"] == 1
    with pytest.raises(Rejected):
        day.run(SetDayForecast("2026-06-10", 18, {"XX": [1.0]}))
