"""Many simulated days: every policy on every seed (common random numbers), optionally in parallel."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .hall_day import SAMPLE_MIN, DayResult, run_day
from .metrics import average, day_metrics, gap_closed
from .policies import POLICIES
from .scenario import Scenario, load_scenario


@dataclass
class PolicyRun:
    """What the bench needs of one policy over all seeds."""

    days: list[dict[str, Any]] = field(default_factory=list)  # day metrics per seed
    half_hour_sum: np.ndarray | None = None
    half_hour_n: np.ndarray | None = None
    timeline: dict[str, np.ndarray] | None = None  # queue -> counters serving it per SAMPLE_MIN, summed
    timeline_n: np.ndarray | None = None
    moves: list[dict[str, Any]] = field(default_factory=list)  # every seed's, with "seed"
    alerts: list[dict[str, Any]] = field(default_factory=list)


def _slots(scn: Scenario) -> int:
    end = max(scn.close_minute, scn.minute(scn.day.slots[-1]) + scn.day.slot_minutes)
    return int(np.ceil(end / 30.0))


def _one(job: tuple[dict, str, int, bool]) -> tuple[str, int, dict[str, Any], dict[str, Any]]:
    data, policy, seed, collect = job
    scn = Scenario.model_validate(data)
    r = run_day(scn, policy, seed, record=collect)
    return policy, seed, day_metrics(scn, r), _extras(scn, r) if collect else {}


def _extras(scn: Scenario, r: DayResult) -> dict[str, Any]:
    n = _slots(scn)
    sums, counts = np.zeros(n), np.zeros(n)
    for t in r.tickets:
        if t.wait_min is not None:
            i = min(int(t.issued_min // 30), n - 1)
            sums[i] += t.wait_min
            counts[i] += 1
    steps = int(np.ceil((scn.close_minute + 180) / SAMPLE_MIN))
    tl = {k: np.zeros(steps) for k in [*(q.id for q in scn.queues), "idle", "switching"]}
    tn = np.zeros(steps)
    for at, cap in r.timeline:
        i = int(round(at / SAMPLE_MIN))
        if i < steps:
            tn[i] += 1
            for q, v in cap.items():
                tl[q][i] += v
    return {"sums": sums, "counts": counts, "timeline": tl, "timeline_n": tn, "moves": r.moves, "alerts": r.alerts}


def simulate(
    scn: Scenario,
    policies: list[str] | tuple[str, ...] = POLICIES,
    seeds: int = 10,
    *,
    first_seed: int = 0,
    workers: int = 1,
    collect: bool = False,
) -> dict[str, PolicyRun]:
    data = scn.model_dump()
    jobs = [(data, p, s, collect) for p in policies for s in range(first_seed, first_seed + seeds)]
    runs = {p: PolicyRun() for p in policies}
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_one, jobs, chunksize=max(1, len(jobs) // (workers * 8))))
    else:
        results = [_one(j) for j in jobs]
    for policy, seed, metrics, extra in sorted(results, key=lambda r: (r[0], r[1])):
        run = runs[policy]
        run.days.append(metrics)
        if extra:
            run.moves += [{**m, "seed": seed} for m in extra["moves"]]
            run.alerts += [{**a, "seed": seed} for a in extra["alerts"]]
            if run.half_hour_sum is None:
                run.half_hour_sum, run.half_hour_n = extra["sums"].copy(), extra["counts"].copy()
                run.timeline = {q: v.copy() for q, v in extra["timeline"].items()}
                run.timeline_n = extra["timeline_n"].copy()
            else:
                assert run.timeline is not None  # set with half_hour_sum, on the first seed
                run.half_hour_sum += extra["sums"]
                run.half_hour_n += extra["counts"]
                for q, v in extra["timeline"].items():
                    run.timeline[q] += v
                run.timeline_n += extra["timeline_n"]
    return runs


def summary(scn: Scenario, runs: dict[str, PolicyRun], seeds: int) -> dict[str, Any]:
    """The `--json` object of the scenarios README."""
    policies = {p: average(scn, run.days) for p, run in runs.items() if run.days}
    return {"scenario": scn.name, "seeds": seeds, "policies": policies, "gap_closed": gap_closed(policies)}


def run_file(path: str, policies: list[str], seeds: int, workers: int = 1, first_seed: int = 0) -> dict[str, Any]:
    scn = load_scenario(path)
    return summary(scn, simulate(scn, policies, seeds, first_seed=first_seed, workers=workers), seeds)


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))
