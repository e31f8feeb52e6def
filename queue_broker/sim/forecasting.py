"""The forecast a simulated day starts with, as the broker's planner would have set it.

The broker learns from its own event log; a simulated hall has none, so the history is generated from
the scenario (plan/history.py: `history_weeks` weeks before the day, on the official calendar, the
scenario's `history` block when it has one) and the day's forecast is made from it by the same function
the broker's planner task uses (`plan.planner.forecast_command`). Cached per process: every policy
and every candidate plan of one seed sees the same forecast.

The simulated day is dated on the weekday whose `history.weekday_factor` is nearest 1 (the day itself
is a factor-1 day), in the week of 2026-06-08; a Wednesday when the scenario gives no factors.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import lru_cache

from ..engine.commands import SetDayForecast
from ..supervision.calendar import WorkCalendar
from .scenario import Scenario

FORECAST_WEEK = date(2026, 6, 8)  # a Monday with ordinary working days around it
HISTORY_WEEKS = 8
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri")


def sim_date(scn: Scenario) -> date:
    factors = scn.history.weekday_factor if scn.history is not None else {}
    if not factors:
        return FORECAST_WEEK + timedelta(days=2)
    best = min(range(5), key=lambda i: (abs(factors.get(DAY_KEYS[i], 1.0) - 1.0), i))
    return FORECAST_WEEK + timedelta(days=best)


def forecast_command(scn: Scenario, seed: int, day: date) -> SetDayForecast | None:
    """The day's forecast from generated history (None if the history gives nothing to learn from)."""
    arrivals = {
        "day": scn.day.model_dump(),
        "queues": [q.model_dump() for q in scn.queues],
        "surges": [s.model_dump() for s in scn.surges],
        "history": scn.history.model_dump() if scn.history is not None else None,
    }
    return _cached(json.dumps(arrivals, sort_keys=True), seed, day)


@lru_cache(maxsize=256)
def _cached(arrivals: str, seed: int, day: date) -> SetDayForecast | None:
    from ..plan.forecast import arrival_counts
    from ..plan.history import TZ, history_events
    from ..plan.planner import forecast_command as make

    data = json.loads(arrivals)
    scn = Scenario.model_validate(
        {**data, "name": "history", "counters": [{"id": "x", "home": [data["queues"][0]["id"]]}]}
    )
    cal = WorkCalendar("Asia/Shanghai")
    start = day - timedelta(weeks=HISTORY_WEEKS)
    counts = arrival_counts(history_events(scn, start, day, seed, cal), TZ)
    return make(counts, cal, day, [q.id for q in scn.queues])
