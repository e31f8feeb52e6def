"""Reserves in the simulator: the README's reactive-reserve rule worked out by hand, the clerk who comes
`ready_min` after an ask, reserve_counter_minutes, and policies without reserves untouched."""

from __future__ import annotations

import pytest

from queue_broker.sim.hall_day import run_day
from queue_broker.sim.metrics import day_metrics
from queue_broker.sim.scenario import Arrival, Scenario

ONE_QUEUE = {
    "name": "one-queue",
    "day": {"opens": "09:00", "ticketing_closes": "10:00", "slot_minutes": 60, "slots": ["09:00"]},
    "queues": [
        {"id": "A", "name": "甲", "tickets_per_day": 6, "service_min": {"mean": 10, "cv": 0}, "arrival_share": [1]}
    ],
    "counters": [{"id": "A1", "home": ["A"]}],
    "no_show": {"probability": 0.0, "minutes": 1.0},
    "reserve": [{"id": "R1", "eligible": ["A"], "ready_min": 5}],
}
SIX_AT_ONCE = [Arrival(0.0, "A", 10.0, False) for _ in range(6)]


def test_reactive_reserve_by_hand():
    scn = Scenario.model_validate(ONE_QUEUE)
    r = run_day(scn, "reactive-reserve", stream=SIX_AT_ONCE)
    # A1 serves at 0, 10, 20, 30; the wait reaches 15 at the review of minute 16: R1 is asked, opens at
    # 21 and serves at 21 and 31; nobody waits from 31, so the review of minute 42 (>= 10 quiet minutes)
    # releases it, idle since 41: closed at 42, 26 minutes after the ask
    waits = sorted(round(t.wait_min, 6) for t in r.tickets)
    assert waits == [0, 10, 20, 21, 30, 31]
    assert r.reserve_asks == 1
    assert r.reserve_minutes == pytest.approx(26.0)
    assert r.reserve_open_min == pytest.approx(21.0)
    m = day_metrics(scn, r)
    assert m["reserve_counter_minutes"] == pytest.approx(26.0)


def test_without_reserves_the_hall_is_the_scenarios():
    scn = Scenario.model_validate(ONE_QUEUE)
    r = run_day(scn, "skills", stream=SIX_AT_ONCE)
    assert sorted(round(t.wait_min) for t in r.tickets) == [0, 10, 20, 30, 40, 50]
    assert r.reserve_asks == 0 and day_metrics(scn, r)["reserve_counter_minutes"] == 0.0
    assert "reserve_counter_minutes" not in day_metrics(scn.model_copy(update={"reserve": []}), r)


def test_tidal_asks_before_the_wait_breaks_the_promise():
    """The planner sees six citizens and one counter: the sixth would wait 50 minutes. It asks at once
    (the first review, at opening) rather than when someone has waited 15 minutes: the window opens at
    minute 5 and the two share the work. It lets the window go at minute 24, when by its picture the
    counter frees first for the last citizen (counter times learned so far say so; here every service
    is exactly 10 minutes, so the window would have been first by a minute): 25 counter-minutes against
    the reactive rule's 26, and waits of 13.3 minutes on average against its 18.7."""
    scn = Scenario.model_validate(ONE_QUEUE)
    r = run_day(scn, "tidal", stream=SIX_AT_ONCE)
    assert sorted(round(t.wait_min, 6) for t in r.tickets) == [0, 5, 10, 15, 20, 30]
    assert r.reserve_asks == 1
    assert r.reserve_minutes == pytest.approx(25.0)
