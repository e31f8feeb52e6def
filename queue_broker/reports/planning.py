"""The planning part of a report (docs/planning.md), computed from the same replayed engine:

- a one-day report (the daily report): the day's forecast (as the broker's planner set it that morning)
  against the tickets that came, and the next working day's plan, with the half-hours short of staff;
- a report of a month or more (the monthly report): the cross-training advice from the hall's own
  history (its last 20 working days; CROSS_TRAIN_SEEDS simulated days per plan, so it takes a minute
  or two).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np

from ..plan.forecast import cell_label
from ..plan.hall import day_plan, history_from_engine, scenario_from_history

MONTH_DAYS = 28
CROSS_TRAIN_SEEDS = 6
DAY_PLAN_CHECK_DAYS = 40


def planning_section(data: Any) -> dict[str, Any] | None:
    engine, cfg = data.engine, data.engine.config
    days = (data.end - data.start).days + 1
    out: dict[str, Any] = {}
    if days == 1:
        check = forecast_check(engine, data.end)
        if check is not None:
            out["forecast_check"] = check
        history = history_from_engine(engine)
        nxt = engine.work_calendar.next_working_day(data.end)
        plan, fc = day_plan(cfg, history, nxt, check_days=DAY_PLAN_CHECK_DAYS)
        if plan.cells:
            p = plan.to_json()
            p["history_days"] = fc.history_days
            out["day_plan"] = p
    elif days >= MONTH_DAYS:
        from ..plan.crosstrain import advise
        from ..sim.scenario import Scenario

        history = history_from_engine(engine)
        try:
            scn = Scenario.model_validate(scenario_from_history(cfg, history, data.end + timedelta(days=1)))
        except ValueError:
            return out or None
        numbers = {c.id: c.number for c in cfg.counters}
        advice = advise(scn, len(scn.queues), CROSS_TRAIN_SEEDS, workers=1, numbers=numbers)
        advice["history"] = scn.name
        out["cross_training"] = advice
    return out or None


def forecast_check(engine: Any, day: Any) -> dict[str, Any] | None:
    """The forecast set for `day` against the day's arrivals, per queue."""
    fc = engine.forecast_for(day)
    if fc is None:
        return None
    actual = engine.arrival_counts.get(day, {})
    rows, err, total = [], 0.0, 0.0
    for q in engine.queues.values():
        f = np.asarray(fc.queues.get(q.id, []), dtype=float)
        a = np.asarray(actual.get(q.id, [0] * 48), dtype=float)[fc.first_cell : fc.first_cell + len(f)]
        low, high = fc.low.get(q.id, []), fc.high.get(q.id, [])
        inside = sum(1 for i, x in enumerate(a) if i < len(low) and low[i] <= x <= high[i])
        err += float(np.abs(f - a).sum())
        total += float(a.sum())
        rows.append(
            {
                "id": q.id,
                "name": q.name,
                "forecast": round(float(f.sum()), 1),
                "actual": int(a.sum()),
                "wape": round(float(np.abs(f - a).sum() / a.sum()), 3) if a.sum() else None,
                "inside": inside,
                "cells": len(f),
            }
        )
    return {
        "day": day.isoformat(),
        "set_at": fc.set_at,
        "history_days": fc.history_days,
        "first": cell_label(fc.first_cell),
        "queues": rows,
        "wape": round(err / total, 3) if total else None,
    }
