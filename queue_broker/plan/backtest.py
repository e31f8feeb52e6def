"""The forecast's backtest: `python -m queue_broker.plan forecast-backtest SCENARIO --weeks 8 --seeds N`.

For each seed: `weeks` weeks of history are generated from the scenario (plan/history.py) on the
official calendar, the forecaster sees that history alone (`ticket_issued` events, as a hall's log
holds them) and forecasts every working day of the following week. The error is the WAPE over the
queue × half-hour cells of the test week's working days, `sum |forecast - actual| / sum actual`,
against two references on the same cells: the oracle (the scenario's true expected counts, which no
forecaster can know) and the naive forecast (the same weekday of the last history week).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from ..sim.scenario import Scenario
from ..supervision.calendar import WorkCalendar
from .forecast import CELLS, Forecaster, arrival_counts, day_marks, nb_quantiles
from .history import TZ, expected_cells, history_events, weekday_factor, working_days

DEFAULT_TEST_WEEK = date(2026, 6, 8)  # a Monday; its 8 weeks of history hold Labour Day and two swapped days


@dataclass
class SeedResult:
    seed: int
    abs_err: float
    oracle_err: float
    naive_err: float
    median_err: float
    actual: float
    covered: int  # cells whose actual count lay in the 80 % interval
    cells: int
    per_day: list[dict[str, Any]]


def naive_day(counts: dict[date, dict[str, np.ndarray]], day: date, cal: WorkCalendar) -> dict[str, np.ndarray]:
    """The same weekday of the last history week (further back if that day was closed)."""
    d = day - timedelta(days=7)
    for _ in range(8):
        if d in counts:
            return counts[d]
        d -= timedelta(days=7)
    return {}


def run_seed(scn: Scenario, seed: int, weeks: int, test_start: date, cal: WorkCalendar) -> SeedResult:
    hist_start = test_start - timedelta(weeks=weeks)
    test_end = test_start + timedelta(days=7)
    history = arrival_counts(history_events(scn, hist_start, test_start, seed, cal), TZ)
    actual = arrival_counts(history_events(scn, test_start, test_end, seed, cal), TZ)
    queues = [q.id for q in scn.queues]
    model = Forecaster(cal).fit(history, queues)
    zero = np.zeros(CELLS)
    err = oracle = naive = med = total = 0.0
    covered = cells = 0
    per_day = []
    for day in working_days(cal, test_start, test_end):
        fc = model.forecast(day)
        truth = expected_cells(scn, weekday_factor(scn, day, cal))
        prev = naive_day(history, day, cal)
        got = actual.get(day, {})
        day_err = day_act = 0.0
        for q in queues:
            a = got.get(q, zero)
            f = fc.mean(q)
            used = (a > 0) | (f > 1e-9) | (truth[q] > 1e-9)
            err += float(np.abs(f - a)[used].sum())
            oracle += float(np.abs(truth[q] - a)[used].sum())
            naive += float(np.abs(prev.get(q, zero) - a)[used].sum())
            qf = fc.queues[q]
            for c in np.flatnonzero(used):
                lo, hi = qf.interval(int(c))
                covered += int(lo <= a[c] <= hi)
                cells += 1
                med += abs(nb_quantiles(float(qf.mean[c]), float(qf.var[c]), (0.5,))[0] - a[c])
            day_err += float(np.abs(f - a)[used].sum())
            day_act += float(a.sum())
            total += float(a.sum())
        per_day.append(
            {"day": day.isoformat(), "kind": day_marks(cal, day).kind, "wape": day_err / day_act if day_act else None}
        )
    return SeedResult(seed, err, oracle, naive, med, total, covered, cells, per_day)


def backtest(
    scn: Scenario,
    *,
    weeks: int = 8,
    seeds: int = 5,
    test_start: date = DEFAULT_TEST_WEEK,
    workers: int = 1,
    calendar: WorkCalendar | None = None,
) -> dict[str, Any]:
    cal = calendar or WorkCalendar("Asia/Shanghai")
    jobs = [(scn.model_dump(), s, weeks, test_start) for s in range(seeds)]
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_job, jobs))
    else:
        results = [run_seed(scn, s, weeks, test_start, cal) for s in range(seeds)]
    actual = sum(r.actual for r in results)
    cells = sum(r.cells for r in results)
    return {
        "scenario": scn.name,
        "weeks": weeks,
        "seeds": seeds,
        "test_week": test_start.isoformat(),
        "wape": round(sum(r.abs_err for r in results) / actual, 4),
        "oracle_wape": round(sum(r.oracle_err for r in results) / actual, 4),
        "naive_wape": round(sum(r.naive_err for r in results) / actual, 4),
        "median_wape": round(sum(r.median_err for r in results) / actual, 4),
        "interval_coverage": round(sum(r.covered for r in results) / cells, 4) if cells else None,
        "per_seed": [
            {
                "seed": r.seed,
                "wape": round(r.abs_err / r.actual, 4),
                "oracle_wape": round(r.oracle_err / r.actual, 4),
                "naive_wape": round(r.naive_err / r.actual, 4),
            }
            for r in results
        ],
    }


def _job(job: tuple[dict, int, int, date]) -> SeedResult:
    data, seed, weeks, start = job
    return run_seed(Scenario.model_validate(data), seed, weeks, start, WorkCalendar("Asia/Shanghai"))
