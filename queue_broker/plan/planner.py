"""The broker's planner task: the day's forecast, and reserve windows asked before the peak.

`planner_task(config)` is a TickTask `(engine, now) -> commands`, run by the broker beside the
rebalancer (service/tasks.py `default_tasks`) and by the simulator's `tidal` policy:

1. **The day's forecast.** At its first review of a working day on which no forecast is set yet, it
   fits the forecaster (plan/forecast.py) on the engine's arrival history (every past day of the
   event log, rebuilt by replay) and sets today's forecast (`SetDayForecast`), once the history holds
   at least `MIN_HISTORY_DAYS` working days.
2. **Reserve windows** (site `reserves`), every review while the hall is open or has citizens: the
   hall is played forward (tidal/lookahead.py, the estimate's board: counters, their citizens, who
   waits, the reserves already asked) with the citizens expected next: the forecast for the coming
   half-hours, scaled by how today's arrivals so far compare with it (or, without a forecast, the
   last half-hour's rate). Minutes beyond the SLA and waiting are priced as the rebalancer prices
   them.
   - **Ask** the reserve that helps most when, within its `ready_min` plus `LOOK_MIN`, someone is
     expected to wait beyond the SLA, the reserve, open `ready_min` from now, would cut those minutes
     beyond the SLA, and it saves at least `ASK_VALUE` citizen-minutes per counter-minute it would hold
     over that horizon. One ask per review: the next review sees it.
   - **Release** an open reserve window (it closes after its citizen), or **withdraw** an ask no
     counter has taken, when without it nobody more is expected beyond the SLA over `LOOK_MIN` plus its
     `ready_min` (the time it would take to come back) and it would save less than `KEEP_VALUE`
     citizen-minutes per counter-minute; a window is kept at least `MIN_OPEN_MIN`.
   Asking costs a clerk's minutes from the ask; the thresholds say how many citizens' minutes one of
   them must buy (docs/planning.md says how they were chosen and what they give).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from ..config.models import SiteConfig
from ..engine.commands import AskReserve, CancelReserve, ReleaseReserve, SetDayForecast
from ..engine.estimate import board
from ..engine.hall import HallEngine
from ..engine.planning import CELL_MIN, CELLS
from ..supervision.calendar import WorkCalendar
from ..tidal.lookahead import Picture, expected_times, picture, replay
from ..tidal.rates import ArrivalRates, OpenClock
from .forecast import Forecaster, day_marks

log = logging.getLogger("queue_broker.plan")

MIN_HISTORY_DAYS = 5
LOOK_MIN = 30.0  # "the promise will break within the next 30 minutes"
ASK_VALUE = 3.0  # citizen-minutes an asked reserve must save per counter-minute it holds
KEEP_VALUE = 1.5  # below this an open reserve is released (hysteresis against asking again at once)
MIN_OPEN_MIN = 10.0
LEVEL_PRIOR = 20.0  # tickets: how much of today's arrivals it takes to trust today's level over the forecast
SLA_WEIGHT = 1.0


def forecast_command(
    counts: dict[date, dict[str, Any]], calendar: WorkCalendar, day: date, queues: Sequence[str]
) -> SetDayForecast | None:
    """Fit on the days before `day` and make the SetDayForecast of `day` (None: too little history,
    or the hall is closed that day)."""
    arrays = {d: {q: np.asarray(row, dtype=float) for q, row in per.items()} for d, per in counts.items() if d < day}
    working = [d for d in arrays if day_marks(calendar, d).working]
    if len(working) < MIN_HISTORY_DAYS or not day_marks(calendar, day).working:
        return None
    fc = Forecaster(calendar).fit(arrays, list(queues)).forecast(day)
    cells = fc.cells()
    if not cells:
        return None
    first, last = cells[0], cells[-1]
    means, lows, highs = {}, {}, {}
    for q, f in fc.queues.items():
        means[q] = [round(float(x), 3) for x in f.mean[first : last + 1]]
        bounds = [f.interval(c) for c in range(first, last + 1)]
        lows[q] = [b[0] for b in bounds]
        highs[q] = [b[1] for b in bounds]
    return SetDayForecast(day.isoformat(), first, means, lows, highs, fc.history_days)


class PlannerTask:
    __name__ = "planner"

    def __init__(self, config: SiteConfig):
        self.config = config
        self.every_s = float(config.rebalancer.review_every_s)
        self.calendar = WorkCalendar.from_config(config)
        self.clock = OpenClock()
        self.rates = ArrivalRates(self.clock)
        self._last: datetime | None = None
        self._tried: date | None = None
        self.sla = {q.id: float(q.sla_min) for q in config.queues}
        self.reserves = {r.id: r for r in config.reserves}

    def __call__(self, engine: HallEngine, now: datetime) -> list[Any]:
        if self._last is not None and 0 <= (now - self._last).total_seconds() < self.every_s - 0.5:
            return []
        self._last = now
        out: list[Any] = []
        today = engine.local_day(now)
        if self._tried != today and engine.forecast_for(today) is None:
            self._tried = today
            cmd = forecast_command(engine.arrival_counts, self.calendar, today, list(engine.queues))
            if cmd is not None:
                out.append(cmd)
                log.info("forecast for %s set from %d days of history", today, cmd.history_days)
        if self.reserves:
            self.rates.update(engine, now)
            out.extend(self.review_reserves(engine, now))
        return out

    # ------------------------------------------------------------------ expected arrivals
    def expected_arrivals(self, engine: HallEngine, now: datetime, horizon: float) -> dict[str, list[float]]:
        """Per queue, the minutes from now at which citizens are expected, over `horizon` minutes."""
        local = now.astimezone(engine.tz)
        fc = engine.forecast_for(local.date())
        minute_of_day = local.hour * 60 + local.minute + local.second / 60.0
        open_mins = [m for m in range(int(horizon) + 1) if self.clock.is_open(engine, now + timedelta(minutes=m + 0.5))]
        rates: dict[str, list[float]] = {}
        if fc is not None:
            # today's level against the forecast, on the half-hours already over (a crowd at the door
            # in the first minutes of a half-hour is not a level), shrunk towards the forecast
            cell_now = int(minute_of_day // CELL_MIN)
            seen = engine.arrival_counts.get(local.date(), {})
            zero = [0] * CELLS
            past = {q: float(sum(seen.get(q, zero)[:cell_now])) for q in engine.queues}
            expected = {q: sum(fc.expected(q, c) for c in range(cell_now)) for q in engine.queues}
            hall = (sum(past.values()) + LEVEL_PRIOR) / (sum(expected.values()) + LEVEL_PRIOR)
            for q in engine.queues:
                level = (past[q] + LEVEL_PRIOR * hall) / (expected[q] + LEVEL_PRIOR)
                # what the present half-hour still brings: its forecast less who already came
                left_now = max(level * fc.expected(q, cell_now) - seen.get(q, zero)[cell_now], 0.0)
                rest_min = CELL_MIN - minute_of_day % CELL_MIN
                row = []
                for m in open_mins:
                    t = minute_of_day + m + 0.5
                    cell = int(t // CELL_MIN)
                    row.append(left_now / rest_min if cell == cell_now else level * fc.expected(q, cell) / CELL_MIN)
                rates[q] = row
        else:
            recent = self.rates.rates(engine, now)
            rates = {q: [recent.get(q, 0.0)] * len(open_mins) for q in engine.queues}
        minutes = [float(m) for m in open_mins]
        return {q: expected_times(minutes, row) for q, row in rates.items()}

    # ------------------------------------------------------------------ reserves
    def _picture(self, engine: HallEngine, now: datetime, horizon: float) -> tuple[Picture, list[str]]:
        b = board(engine, now)
        p = picture(b, self.sla, {}, [], horizon)
        for q, times in self.expected_arrivals(engine, now, horizon).items():
            if q in p.index:
                p.tickets[p.index[q]].extend(times)
        return p, p.counter_ids

    def _price(self, p: Picture, sets: list[tuple[int, ...]], free: list[float], horizon: float) -> tuple[float, float]:
        """(waiting, minutes beyond the SLA) over the horizon."""
        plain = replay(p, sets, free, horizon, 0.0)
        late = replay(p, sets, free, horizon, 1.0) - plain
        return plain, late

    def review_reserves(self, engine: HallEngine, now: datetime) -> list[Any]:
        busy = any(engine.waiting.values()) or any(c.current for c in engine.counters.values())
        if not engine.is_ticketing_open(now) and not busy and not any(r.active for r in engine.reserves.values()):
            return []
        longest = max((r.ready_min for r in self.reserves.values()), default=0.0) + LOOK_MIN
        p, ids = self._picture(engine, now, longest)
        out: list[Any] = []
        # release or withdraw what is no longer needed
        for rid, rec in engine.reserves.items():
            if rec.state not in ("asked", "open"):
                continue
            key = rec.counter_id if rec.state == "open" else f"reserve:{rid}"
            if key not in ids:
                continue
            if rec.state == "open" and rec.taken_at and (now - rec.taken_at).total_seconds() < MIN_OPEN_MIN * 60:
                continue
            h = LOOK_MIN + self.reserves[rid].ready_min
            k = ids.index(key)
            with_w, with_late = self._price(p, p.sets, p.free_at, h)
            sets = list(p.sets)
            sets[k] = ()
            wo_w, wo_late = self._price(p, sets, p.free_at, h)
            saving = (wo_w + SLA_WEIGHT * wo_late) - (with_w + SLA_WEIGHT * with_late)
            if wo_late - with_late <= 1e-9 and saving < KEEP_VALUE * h:
                reason = f"预计{h:.0f}分钟内各业务均可在时限内办理，后台{self.reserves[rid].name or rid}可回"
                out.append(CancelReserve(rid, reason) if rec.state == "asked" else ReleaseReserve(rid, reason))
                p.sets[k] = ()
        if out:
            return out
        # ask the reserve that helps most, if the promise is about to break
        best: tuple[float, str, list[str]] | None = None
        base: dict[float, tuple[float, float]] = {}
        for rid, cfg in self.reserves.items():
            if engine.reserves[rid].active:
                continue
            h = LOOK_MIN + cfg.ready_min
            if h not in base:
                base[h] = self._price(p, p.sets, p.free_at, h)
            base_w, base_late = base[h]
            if base_late <= 1e-9:
                continue
            qs = tuple(p.index[q] for q in cfg.eligible if q in p.index)
            more = replace(p, by_need=[*p.by_need, True])
            w, late = self._price(more, [*p.sets, qs], [*p.free_at, cfg.ready_min], h)
            saving = (base_w + SLA_WEIGHT * base_late) - (w + SLA_WEIGHT * late)
            value = saving / h
            if late < base_late - 1e-9 and value >= ASK_VALUE and (best is None or value > best[0]):
                at_risk = [q for q in cfg.eligible if q in engine.queues]
                best = (value, rid, at_risk)
        if best is not None:
            value, rid, at_risk = best
            names = "、".join(engine.queues[q].name for q in at_risk)
            reason = (
                f"预计{LOOK_MIN:.0f}分钟内将有群众等候超过时限，请后台{self.reserves[rid].name or rid}开窗办理{names}"
            )
            out.append(AskReserve(rid, reason, tuple(at_risk), by="planner"))
        return out


def planner_task(config: SiteConfig) -> PlannerTask:
    return PlannerTask(config)
