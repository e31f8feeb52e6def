"""Weeks of a hall's history generated from a scenario (its `history` block), as the event log holds it.

Every working day of the official calendar in the period is one scenario day whose queues' volumes
are multiplied by `history.weekday_factor` of its weekday (1 when not given; a swapped weekend working
day, 调休, by 1) and, per queue and day, by a lognormal factor of mean 1 and coefficient of variation
`history.day_cv`; the tickets of that day are the simulator's own stream (`ticket_stream`: Poisson
per slot, the opening burst, surges) of a seed derived from the run's seed and the date. Holidays and
weekends have no tickets. The result is `ticket_issued` events at local times, the only thing the
forecaster reads; the scenario's true expected counts (the oracle) come from `expected_cells`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from ..engine import events as ev
from ..sim.scenario import Scenario, lognormal_params, ticket_stream
from ..supervision.calendar import WorkCalendar
from .forecast import CELL_MIN, CELLS, KINDS

TZ = ZoneInfo("Asia/Shanghai")


def weekday_factor(scn: Scenario, day: date, cal: WorkCalendar) -> float:
    if scn.history is None:
        return 1.0
    if cal.kind_of(day) == "swapped":
        return 1.0
    return float(scn.history.weekday_factor.get(KINDS[day.weekday()], 1.0))


def working_days(cal: WorkCalendar, start: date, end: date) -> list[date]:
    """Working days in [start, end)."""
    out, d = [], start
    while d < end:
        if cal.is_working_day(d):
            out.append(d)
        d += timedelta(days=1)
    return out


def _day_seed(seed: int, day: date) -> int:
    return (seed * 1_000_003 + day.toordinal()) % (2**31)


def scaled(scn: Scenario, factors: dict[str, float]) -> Scenario:
    """The scenario with each queue's tickets_per_day multiplied by its factor."""
    queues = [q.model_copy(update={"tickets_per_day": q.tickets_per_day * factors.get(q.id, 1.0)}) for q in scn.queues]
    return scn.model_copy(update={"queues": queues})


def day_factors(scn: Scenario, day: date, seed: int, cal: WorkCalendar) -> dict[str, float]:
    """Each queue's volume factor on a history day: weekday factor times the day's lognormal."""
    base = weekday_factor(scn, day, cal)
    cv = scn.history.day_cv if scn.history is not None else 0.0
    rng = np.random.default_rng(np.random.SeedSequence([seed, day.toordinal(), 2211]))
    out = {}
    for q in scn.queues:
        f = 1.0
        if cv > 0:
            mu, sigma = lognormal_params(1.0, cv)
            f = float(rng.lognormal(mu, sigma))
        out[q.id] = base * f
    return out


def day_events(scn: Scenario, day: date, seed: int, cal: WorkCalendar, tz: ZoneInfo = TZ) -> Iterator[ev.Event]:
    """The ticket_issued events of one history day (nothing on a day the hall is closed)."""
    if not cal.is_working_day(day):
        return
    opens = Scenario._hm(scn.day.opens)
    base = datetime.combine(day, time(opens // 60, opens % 60), tz)
    stream = ticket_stream(scaled(scn, day_factors(scn, day, seed, cal)), _day_seed(seed, day))
    for i, a in enumerate(stream):
        yield ev.Event(
            ev.TICKET_ISSUED,
            base + timedelta(minutes=a.t),
            {"id": f"{day:%Y%m%d}-{i:04d}", "queue_id": a.queue, "day": day.isoformat(), "channel": "walk_in"},
        )


def history_events(
    scn: Scenario, start: date, end: date, seed: int, cal: WorkCalendar, tz: ZoneInfo = TZ
) -> Iterator[ev.Event]:
    """Every day in [start, end)."""
    d = start
    while d < end:
        yield from day_events(scn, d, seed, cal, tz)
        d += timedelta(days=1)


def expected_cells(scn: Scenario, factor: float = 1.0) -> dict[str, np.ndarray]:
    """The scenario's true expected tickets per queue and local half-hour cell of a day whose volumes
    are multiplied by `factor` (the oracle): each slot's mean spread over the cells it overlaps,
    uniformly, except the first slot's opening burst (`share` in its first `minutes`)."""
    opens = Scenario._hm(scn.day.opens)
    width = scn.day.slot_minutes
    burst = scn.day.opening_burst
    out: dict[str, np.ndarray] = {}
    for q in scn.queues:
        row = np.zeros(CELLS)
        for i, slot in enumerate(scn.day.slots):
            surge = math.prod(s.factor for s in scn.surges if s.queue == q.id and slot in s.slots)
            n = q.tickets_per_day * q.arrival_share[i] * surge * factor
            start = opens + scn.minute(slot)
            pieces = [(start, start + width, 1.0)]
            if i == 0 and burst is not None and burst.share > 0:
                b = min(burst.minutes, width)
                pieces = [(start, start + b, burst.share), (start + b, start + width, 1.0 - burst.share)]
            for a, z, share in pieces:
                if z <= a:
                    continue
                for cell in range(int(a // CELL_MIN), int(math.ceil(z / CELL_MIN))):
                    lo, hi = max(a, cell * CELL_MIN), min(z, (cell + 1) * CELL_MIN)
                    if hi > lo:
                        row[cell] += n * share * (hi - lo) / (z - a)
        out[q.id] = row
    return out
