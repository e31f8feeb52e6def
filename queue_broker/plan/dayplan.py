"""The day plan: how many counters each queue needs per half-hour to keep its SLA promise, against the
counters the hall has.

1. **Erlang C.** For each queue and half-hour: the forecast arrivals (plan/forecast.py) and the queue's
   measured mean counter time give the offered load; the plan takes the fewest counters `c` with
   `P(wait > SLA) = C(c, a) · exp(-(c/s - λ)·SLA) <= TARGET_SHARE` (the hall's goal: at most 5 % of
   citizens over the promise), and never fewer than needed to keep up (`c > a`).
2. **Checked by simulation.** Erlang C assumes a steady state within each half-hour; a hall's day is
   not one (the opening crowd, a backlog carried from a busy half-hour into a quieter one). Each
   queue is simulated with exactly the planned counters per half-hour (a counter leaving finishes its
   citizen first), Poisson arrivals at the forecast, lognormal counter times with the measured mean
   and spread, over `check_days` sampled days; wherever the citizens arriving in a half-hour still
   wait beyond the SLA more often than `TARGET_SHARE`, one more counter goes to the half-hour that
   helps most (that one or the one before, where the backlog starts), and the check runs again.
3. **Against the hall.** Per half-hour, the planned counters per queue are matched to the hall's
   windows by their skills (a maximum flow: each window serves one queue at a time). Where they cannot
   all be covered the half-hour is **short**, by how many windows; the hall's reserve clerks
   (`reserves`) are tried next, and the plan says whether they close the gap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .forecast import CELL_MIN, cell_label

TARGET_SHARE = 0.05
CHECK_DAYS = 80
MAX_EXTRA = 30  # counters the check may add to a queue's day before it gives up


@dataclass(frozen=True)
class QueueInput:
    id: str
    name: str
    service_mean_min: float
    service_cv: float
    sla_min: float
    expected: Sequence[float]  # tickets per half-hour cell, aligned with DayPlan.cells


@dataclass(frozen=True)
class Window:
    id: str
    number: int
    eligible: tuple[str, ...]


@dataclass
class QueuePlan:
    id: str
    name: str
    service_mean_min: float
    expected: list[float]
    erlang: list[int]
    needed: list[int]
    over_sla: list[float | None]  # simulated share over the SLA of those arriving in the half-hour


@dataclass
class DayPlan:
    day: str
    cells: list[int]
    queues: list[QueuePlan]
    windows: int
    short: list[int] = field(default_factory=list)  # windows missing per half-hour
    short_queues: list[list[str]] = field(default_factory=list)
    reserves: int = 0
    short_with_reserves: list[int] = field(default_factory=list)
    target_share: float = TARGET_SHARE
    check_days: int = CHECK_DAYS

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "half_hours": [cell_label(c) for c in self.cells],
            "target_share_over_sla": self.target_share,
            "check_days": self.check_days,
            "windows": self.windows,
            "reserves": self.reserves,
            "needed_total": [sum(q.needed[i] for q in self.queues) for i in range(len(self.cells))],
            "short": self.short,
            "short_queues": self.short_queues,
            "short_with_reserves": self.short_with_reserves,
            "queues": [
                {
                    "id": q.id,
                    "name": q.name,
                    "service_mean_min": round(q.service_mean_min, 2),
                    "expected": [round(x, 1) for x in q.expected],
                    "erlang": q.erlang,
                    "needed": q.needed,
                    "checked_share_over_sla": [None if x is None else round(x, 3) for x in q.over_sla],
                }
                for q in self.queues
            ],
        }


def table_lines(out: dict[str, Any]) -> list[str]:
    """The plan's `to_json()` as a text table (the CLI's output)."""
    lines = ["half-hour " + " ".join(f"{h:>5}" for h in out["half_hours"])]
    lines += [f"{q['id']:<9} " + " ".join(f"{n:>5}" for n in q["needed"]) for q in out["queues"]]
    lines.append("needed    " + " ".join(f"{n:>5}" for n in out["needed_total"]))
    lines.append("short     " + " ".join(f"{n:>5}" if n else "    ." for n in out["short"]))
    if out["reserves"]:
        lines.append("+reserves " + " ".join(f"{n:>5}" if n else "    ." for n in out["short_with_reserves"]))
    return lines


# ---------------------------------------------------------------------------------- Erlang C
def erlang_c(c: int, a: float) -> float:
    """Probability of waiting in M/M/c with offered load a (erlangs); 1 when c <= a."""
    if c <= 0 or a >= c:
        return 1.0
    if a <= 0:
        return 0.0
    term, total = 1.0, 1.0  # a^k / k!, summed for k < c
    for k in range(1, c):
        term *= a / k
        total += term
    last = term * a / c * c / (c - a)  # a^c / c! * c / (c - a)
    return last / (total + last)


def counters_for(lam_per_min: float, service_min: float, sla_min: float, target: float = TARGET_SHARE) -> int:
    """The fewest counters keeping P(wait > SLA) at or below `target` (0 when nobody comes)."""
    if lam_per_min <= 0:
        return 0
    a = lam_per_min * service_min
    c = max(1, int(math.floor(a)) + 1)
    while c < 500:
        tail = erlang_c(c, a) * math.exp(-(c / service_min - lam_per_min) * sla_min)
        if tail <= target:
            return c
        c += 1
    return c


def lognormal_survival(x: np.ndarray, mean: float, cv: float) -> np.ndarray:
    """P(S > x) for a lognormal service time of this mean and coefficient of variation."""
    if cv <= 0:
        return (x < mean).astype(float)
    s2 = math.log1p(cv * cv)
    mu, sd = math.log(mean) - s2 / 2, math.sqrt(s2)
    z = (np.log(np.maximum(x, 1e-9)) - mu) / sd
    out = 0.5 * np.vectorize(math.erfc)(z / math.sqrt(2))
    return np.where(x <= 0, 1.0, out)


def erlang_staffing(q: QueueInput, target: float = TARGET_SHARE) -> tuple[list[int], list[int]]:
    """Per half-hour: Erlang C's counters on the modified offered load, and the counters that just keep
    up with it. The load is the citizens a counter-rich hall would be serving at each minute,
    `m(t) = ∫ λ(u) P(S > t - u) du`, which lags the arrivals by the service times (a peak's work spills
    into the next half-hour); each half-hour takes its busiest minute."""
    minutes = len(q.expected) * CELL_MIN
    lam = np.repeat(np.asarray(q.expected, dtype=float) / CELL_MIN, CELL_MIN)
    surv = lognormal_survival(np.arange(minutes) + 0.5, q.service_mean_min, q.service_cv)
    load = np.convolve(lam, surv)[:minutes]
    erlang, busy = [], []
    for i in range(len(q.expected)):
        peak = float(load[i * CELL_MIN : (i + 1) * CELL_MIN].max())
        if peak < 0.05:
            erlang.append(0)
            busy.append(0)
            continue
        erlang.append(counters_for(peak / q.service_mean_min, q.service_mean_min, q.sla_min, target))
        busy.append(max(1, math.ceil(peak - 1e-9)))
    return erlang, busy


# ---------------------------------------------------------------------------------- the check
def _lognormal(rng: np.random.Generator, mean: float, cv: float, n: int) -> np.ndarray:
    if cv <= 0:
        return np.full(n, mean)
    s2 = math.log1p(cv * cv)
    return rng.lognormal(math.log(mean) - s2 / 2, math.sqrt(s2), n)


def simulate_queue(q: QueueInput, counters: Sequence[int], days: int, seed: int = 0) -> list[float | None]:
    """Share of citizens arriving in each half-hour who waited beyond the SLA, over `days` sampled days,
    with `counters[i]` counters staffed in half-hour i. First come, first served; a counter whose
    half-hour ends finishes its citizen first; after the last half-hour the last staffed number keeps
    serving until everyone is served."""
    rng = np.random.default_rng(seed)
    staffing = [max(int(c), 0) for c in counters]
    n_cells = len(staffing)
    after = max([c for c in staffing if c > 0], default=1)
    slots = max([*staffing, after])
    horizon = n_cells * CELL_MIN

    def staffed_from(k: int, t: float) -> float:
        """The first moment at or after t at which counter slot k is staffed."""
        i = int(t // CELL_MIN)
        while i < n_cells:
            if k < staffing[i]:
                return max(t, i * CELL_MIN)
            i += 1
        return max(t, horizon) if k < after else math.inf

    over = np.zeros(n_cells)
    seen = np.zeros(n_cells)
    for _ in range(days):
        counts = [int(rng.poisson(lam)) if lam > 0 else 0 for lam in q.expected]
        times = np.sort(np.concatenate([(i + rng.random(k)) * CELL_MIN for i, k in enumerate(counts)]))
        if not len(times):
            continue
        services = _lognormal(rng, q.service_mean_min, q.service_cv, len(times))
        ends = [0.0] * slots
        for t, s in zip(times, services, strict=True):
            best, slot = math.inf, 0
            for k in range(slots):
                start = staffed_from(k, max(t, ends[k]))
                if start < best:
                    best, slot = start, k
            ends[slot] = best + s
            cell = min(int(t // CELL_MIN), n_cells - 1)
            seen[cell] += 1
            if best - t > q.sla_min:
                over[cell] += 1
    return [float(o / n) if n else None for o, n in zip(over, seen, strict=True)]


def check(
    q: QueueInput, start: Sequence[int], days: int = CHECK_DAYS, target: float = TARGET_SHARE
) -> tuple[list[int], list[float | None]]:
    """From `start`, at the first half-hour that still breaks the target (a backlog carries forward,
    so later ones may follow from it), one more counter where it helps most: that half-hour, the one
    before it where its backlog starts, or the one after it where the backlog is served (the lunch
    break too); until none breaks it."""

    def excess(share: list[float | None]) -> float:
        return sum(max((x or 0.0) - target, 0.0) for x in share)

    need = list(start)
    share = simulate_queue(q, need, days)
    added = 0
    while excess(share) > 0 and added < MAX_EXTRA:
        first = next(i for i, x in enumerate(share) if (x or 0.0) > target)  # later ones may follow from it
        trials = []
        for j in sorted({max(first - 1, 0), first, min(first + 1, len(need) - 1)}):
            trial = list(need)
            trial[j] += 1
            s = simulate_queue(q, trial, days)
            trials.append((excess(s), -j, trial, s))
        _, _, need, share = min(trials)
        added += 1
    return need, share


# ---------------------------------------------------------------------------------- against the hall
def cover(needed: dict[str, int], windows: Sequence[Window]) -> dict[str, int]:
    """How many of each queue's needed counters the windows can staff (a maximum flow, each window one
    queue): augmenting paths on the bipartite graph."""
    assign: dict[str, str] = {}  # window -> queue
    load = dict.fromkeys(needed, 0)

    def augment(q: str, seen: set[str]) -> bool:
        for w in windows:
            if q not in w.eligible or w.id in seen:
                continue
            seen.add(w.id)
            other = assign.get(w.id)
            if other is None:
                assign[w.id] = q
                return True
            # free the window if its queue can be staffed elsewhere
            if augment(other, seen):
                assign[w.id] = q
                return True
        return False

    for q, n in sorted(needed.items(), key=lambda kv: -kv[1]):
        for _ in range(n):
            if not augment(q, set()):
                break
            load[q] += 1
    return load


def plan_day(
    day: str,
    cells: Sequence[int],
    queues: Sequence[QueueInput],
    windows: Sequence[Window],
    reserves: Sequence[Window] = (),
    *,
    check_days: int = CHECK_DAYS,
    target: float = TARGET_SHARE,
) -> DayPlan:
    plans: list[QueuePlan] = []
    for q in queues:
        erl, busy = erlang_staffing(q, target)
        # Erlang C holds a half-hour's rate for ever and staffs every queue for its own worst case; the
        # simulation starts from the counters that keep up with the (lagged) work and adds counters
        # only where the promise breaks
        need, share = check(q, busy, check_days, target)
        plans.append(QueuePlan(q.id, q.name, q.service_mean_min, list(q.expected), erl, need, share))
    short, short_q, short_r = [], [], []
    for i in range(len(cells)):
        needed = {p.id: p.needed[i] for p in plans}
        got = cover(needed, windows)
        missing = {q: needed[q] - got[q] for q in needed if needed[q] > got[q]}
        short.append(sum(missing.values()))
        short_q.append(sorted(missing))
        if missing and reserves:
            got2 = cover(needed, [*windows, *reserves])
            short_r.append(sum(needed[q] - got2[q] for q in needed))
        else:
            short_r.append(sum(missing.values()))
    return DayPlan(day, list(cells), plans, len(windows), short, short_q, len(reserves), short_r, target, check_days)


# ---------------------------------------------------------------------------------- from a scenario
def counter_time(mean: float, cv: float, no_show_p: float, no_show_min: float) -> tuple[float, float]:
    """Mean and cv of the counter time per call when a share of calls are no-shows of fixed length."""
    m = (1 - no_show_p) * mean + no_show_p * no_show_min
    second = (1 - no_show_p) * mean * mean * (1 + cv * cv) + no_show_p * no_show_min**2
    var = max(second - m * m, 0.0)
    return m, math.sqrt(var) / m if m > 0 else 0.0


def plan_for_scenario(scn: Any, *, seed: int = 0, weeks: int = 8, check_days: int = CHECK_DAYS) -> tuple[DayPlan, Any]:
    """The day plan of a scenario's day: the forecast from `weeks` of generated history (as the broker
    would make it), the scenario's service times (as the broker would have measured them), its counters
    and reserve clerks."""
    from datetime import timedelta

    from ..sim.forecasting import sim_date
    from ..supervision.calendar import WorkCalendar
    from .forecast import Forecaster, arrival_counts
    from .history import TZ, history_events

    cal = WorkCalendar("Asia/Shanghai")
    day = sim_date(scn)
    counts = arrival_counts(history_events(scn, day - timedelta(weeks=weeks), day, seed, cal), TZ)
    fc = Forecaster(cal).fit(counts, [q.id for q in scn.queues]).forecast(day)
    cells = fc.span()
    queues = []
    for q in scn.queues:
        m, cv = counter_time(q.service_min.mean, q.service_min.cv, scn.no_show.probability, scn.no_show.minutes)
        queues.append(QueueInput(q.id, q.name, m, cv, 20.0, [float(fc.mean(q.id)[c]) for c in cells]))
    windows = [Window(c.id, i + 1, tuple(c.skills)) for i, c in enumerate(scn.counters)]
    reserves = [Window(r.id, 0, tuple(r.eligible)) for r in scn.reserve]
    return plan_day(day.isoformat(), cells, queues, windows, reserves, check_days=check_days), fc
