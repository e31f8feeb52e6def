"""Metrics of simulated days, as the scenarios README defines them (served citizens only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .hall_day import DayResult
from .scenario import Scenario

OVER_MIN = 20.0


def day_metrics(scn: Scenario, r: DayResult) -> dict[str, Any]:
    served = [t for t in r.tickets if t.wait_min is not None]
    waits = np.array([t.wait_min for t in served]) if served else np.zeros(1)
    per_queue = {}
    for q in scn.queues:
        w = [t.wait_min for t in served if t.queue == q.id and t.wait_min is not None]
        per_queue[q.id] = float(np.mean(w)) if w else 0.0
    est = np.array([t.est_p50_min for t in served]) if served else np.zeros(1)
    p80 = np.array([t.est_p80_min for t in served]) if served else np.zeros(1)
    span = max(r.last_finish_min, scn.close_minute)
    waited = (waits > 1e-9) | (p80 > 1e-9)
    return {
        "mean_wait_min": float(waits.mean()),
        "p90_wait_min": float(np.percentile(waits, 90)),
        "max_wait_min": float(waits.max()),
        "share_over_20_min": float((waits > OVER_MIN).mean()),
        "per_queue_mean_wait_min": per_queue,
        "switches_per_day": float(r.switches),
        # reserve windows count for the time they were open
        "utilisation": float(r.busy_min / (r.counters * span + r.reserve_open_min)) if span > 0 else 0.0,
        "last_finish_min": float(r.last_finish_min),
        "tickets": float(len(r.tickets)),
        "estimate_mae_min": float(np.abs(est - waits).mean()),
        "estimate_p80_coverage": float((waits <= p80 + 1e-9).mean()),
        # the same among those who were not called at once (a bound of 0 for them is trivially met)
        "estimate_p80_coverage_waited": float((waits[waited] <= p80[waited] + 1e-9).mean()) if waited.any() else 1.0,
        "recommendations_per_day": float(r.recommendations),
        **(reserve_metrics(r) if scn.reserve else {}),
    }


def reserve_metrics(r: DayResult) -> dict[str, float]:
    """Where the scenario has reserves (README): minutes from each ask to its close, summed, and more."""
    return {
        "reserve_counter_minutes": float(r.reserve_minutes),
        "reserve_asks_per_day": float(r.reserve_asks),
        "reserve_open_minutes": float(r.reserve_open_min),
    }


def average(scn: Scenario, days: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Seed-averaged metrics; `last_finish` as local HH:MM."""
    out: dict[str, Any] = {}
    for key in days[0]:
        if key == "per_queue_mean_wait_min":
            out[key] = {q: round(float(np.mean([d[key][q] for d in days])), 3) for q in days[0][key]}
        else:
            out[key] = float(np.mean([d[key] for d in days]))
    out["last_finish"] = scn.clock(out.pop("last_finish_min"))
    for key, value in out.items():
        if isinstance(value, float):
            out[key] = round(value, 4)
    return out


def gap_closed(policies: dict[str, dict[str, Any]]) -> float | None:
    try:
        s, t, p = (policies[k]["mean_wait_min"] for k in ("static", "tidal", "pooled"))
    except KeyError:
        return None
    return round((s - t) / (s - p), 4) if s != p else None


def half_hour_means(results: Sequence[DayResult], day_minutes: float) -> list[float | None]:
    """Mean wait of served citizens by the half hour they took their ticket, over all seeds."""
    n = int(np.ceil(day_minutes / 30.0))
    sums, counts = np.zeros(n), np.zeros(n)
    for r in results:
        for t in r.tickets:
            if t.wait_min is not None:
                i = min(int(t.issued_min // 30), n - 1)
                sums[i] += t.wait_min
                counts[i] += 1
    return [float(s / c) if c else None for s, c in zip(sums, counts, strict=True)]
