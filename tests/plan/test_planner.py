"""The broker's planner task in the pure engine: what it expects to come, when it asks a reserve and when
it lets one go."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

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
from queue_broker.engine.hall import HallEngine
from queue_broker.plan.planner import MIN_OPEN_MIN, PlannerTask

from .conftest import NINE, TZ, planning_engine


@pytest.fixture
def hall() -> HallEngine:
    e = planning_engine()
    # 10 ZH tickets expected in each half-hour from 09:00 to 11:00 (cells 18-21)
    e.execute(SetDayForecast("2026-06-10", 18, {"ZH": [10.0, 10.0, 10.0, 10.0]}), NINE - timedelta(hours=1))
    e.execute(OpenCounter("W1", "demo", "123456"), NINE)
    return e


def test_expected_arrivals_follow_the_forecast_less_who_came(hall):
    task = PlannerTask(hall.config)
    at = NINE + timedelta(minutes=10)
    for _ in range(8):  # a crowd at the door: 8 of the half-hour's 10 in its first minutes
        hall.execute(IssueTicket("kiosk-1", "zh-general", "walk_in"), NINE + timedelta(minutes=1))
    times = task.expected_arrivals(hall, at, 50)["ZH"]
    now_cell = [t for t in times if t < 20]  # the rest of 09:00-09:30
    assert len(now_cell) == 2  # 10 forecast, 8 came: 2 more, not 10 x 20/30
    nxt = [t for t in times if 20 <= t < 50]
    assert len(nxt) == 10  # no half-hour is over yet: the forecast's level stands
    assert task.expected_arrivals(hall, at, 50)["BDC"] == []


def test_asks_when_the_promise_would_break_and_lets_go_when_it_would_not(hall):
    task = PlannerTask(hall.config)
    for _ in range(9):  # nine citizens and one counter: the last would wait over an hour
        hall.execute(IssueTicket("kiosk-1", "zh-general", "walk_in"), NINE)
    cmds = task(hall, NINE + timedelta(seconds=30))
    asks = [c for c in cmds if isinstance(c, AskReserve)]
    assert [a.reserve_id for a in asks] == ["R1"] and asks[0].queue_ids == ("ZH", "SB")
    for c in asks:
        hall.execute(c, NINE + timedelta(seconds=30))
    hall.execute(OpenCounter("W9", "demo", "123456"), NINE + timedelta(minutes=10))
    hall.execute(TakeReserve("W9", "R1"), NINE + timedelta(minutes=10))
    # both windows work the queue down; the forecast brings no one after 11:00
    at = NINE + timedelta(minutes=10)
    while hall.waiting["ZH"]:
        for c in ("W1", "W9"):
            hall.execute(CounterCommand(c, "call-next"), at)
        at += timedelta(minutes=8)
        for c in ("W1", "W9"):
            if hall.counters[c].current:
                hall.execute(FinishTicket(c, "done"), at)
    early = task(hall, NINE + timedelta(minutes=10 + MIN_OPEN_MIN / 2))
    assert not any(isinstance(c, ReleaseReserve) for c in early)  # kept its first minutes
    busy = task(hall, NINE + timedelta(minutes=60))
    assert not any(isinstance(c, ReleaseReserve) for c in busy)  # ten an hour still to come for one counter
    late = task(hall, datetime(2026, 6, 10, 11, 5, tzinfo=TZ))
    assert any(isinstance(c, ReleaseReserve) and c.reserve_id == "R1" for c in late)  # nobody more today


def test_withdraws_an_ask_that_is_no_longer_needed(hall):
    task = PlannerTask(hall.config)
    hall.execute(AskReserve("R2", "主管调用"), NINE)
    cmds = task(hall, NINE + timedelta(minutes=1))
    assert any(isinstance(c, CancelReserve) and c.reserve_id == "R2" for c in cmds)  # nobody waits for 不动产
