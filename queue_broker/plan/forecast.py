"""Forecast each queue's tickets per half-hour for any working day, from the hall's event log alone.

The model, fitted on the `ticket_issued` events of past days (return tickets, which a counter issues
for a citizen already counted, are left out):

- **Day totals** per queue: a log-linear model `log E[T(q, d)] = a(q) + w(k) + u(q, k) + c · flags(d)`,
  where `k` is the day's weekday (a swapped weekend working day, 调休, is a kind of its own), `u` the
  queue's own weekday pattern and `flags` the official calendar's marks: the first working day after
  a holiday and the last two working days of a month. It is fitted as a negative-binomial regression
  (IRLS) with ridge priors that shrink every effect towards "no effect", so a flag seen twice in the
  history moves the forecast only as far as those two days justify; `u` shrinks towards the hall's
  weekday pattern, which is measured on every queue at once. Recent days weigh more (half-life
  `HALF_LIFE_DAYS`). The day-to-day variation beyond Poisson (a lognormal factor of variance `phi`)
  is measured on the residuals.
- **Time of day**: each queue's share of its day per half-hour, from all history days, and per
  weekday schedule when the data show that the weekdays differ (a chi-square test of the weekdays'
  profiles against the pooled one sets how far each weekday's own profile is trusted).
- **Prediction interval**: the count in a cell is Poisson around a mean that is itself uncertain (the
  day's factor, `phi`, and the fitted parameters' variance): a negative binomial, whose 10th and 90th
  percentiles give an 80 % interval.

Pure: the events, the calendar and the day are passed in; no clock, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from ..engine import events as ev
from ..supervision.calendar import WorkCalendar

CELL_MIN = 30  # the forecast's resolution: half-hours of the local day
CELLS = 24 * 60 // CELL_MIN
HALF_LIFE_DAYS = 91.0  # recency weight of a history day: a quarter ago counts half
OUTAGE_SHARE = 0.2  # a working day with less than this share of the median day's tickets is left out
# ridge priors (standard deviations on the log scale) that shrink each effect towards none
PRIOR_SD_WEEKDAY = 0.5
PRIOR_SD_QUEUE_WEEKDAY = 0.08
PRIOR_SD_FLAG = 0.15
PRIOR_SD_LEVEL = 3.0
FLAGS = ("after_holiday", "month_end")
KINDS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "swapped")
INTERVAL = (0.10, 0.90)


def cell_label(cell: int) -> str:
    minutes = cell * CELL_MIN
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# ---------------------------------------------------------------------------------- the history
def arrival_counts(events: Iterable[ev.Event], tz: ZoneInfo) -> dict[date, dict[str, np.ndarray]]:
    """Tickets issued per local day, queue and half-hour (return tickets left out)."""
    out: dict[date, dict[str, np.ndarray]] = {}
    for e in events:
        if e.type != ev.TICKET_ISSUED or e.data.get("return_of"):
            continue
        local = e.at.astimezone(tz)
        per_queue = out.setdefault(local.date(), {})
        row = per_queue.get(e.data["queue_id"])
        if row is None:
            row = per_queue[e.data["queue_id"]] = np.zeros(CELLS)
        row[(local.hour * 60 + local.minute) // CELL_MIN] += 1
    return out


@dataclass(frozen=True)
class DayMarks:
    """What the official calendar says about a day, as the forecaster uses it."""

    day: date
    working: bool
    kind: str  # one of KINDS for a working day, else "holiday" or "weekend"
    after_holiday: bool  # the first working day after a closure that held an official or local holiday
    month_end: bool  # one of the last two working days of its month

    @property
    def schedule(self) -> str:
        """Whose opening hours the day keeps: a swapped day keeps Monday's (engine/hours.py)."""
        return "mon" if self.kind == "swapped" else self.kind

    def flags(self) -> dict[str, bool]:
        return {"after_holiday": self.after_holiday, "month_end": self.month_end, "swapped": self.kind == "swapped"}


def day_marks(cal: WorkCalendar, day: date) -> DayMarks:
    kind = cal.kind_of(day)
    if kind not in ("working", "swapped"):
        return DayMarks(day, False, kind, False, False)
    name = "swapped" if kind == "swapped" else KINDS[day.weekday()]
    after = False
    d = day - timedelta(days=1)
    closure = 0
    while not cal.is_working_day(d) and closure < 30:
        after = after or cal.kind_of(d) == "holiday"
        closure += 1
        d -= timedelta(days=1)
    later = 0
    d = day + timedelta(days=1)
    while d.month == day.month:
        if cal.is_working_day(d):
            later += 1
        d += timedelta(days=1)
    return DayMarks(day, True, name, after, later < 2)


# ---------------------------------------------------------------------------------- distributions
def nb_quantiles(mean: float, var: float, probs: Sequence[float]) -> list[int]:
    """Quantiles of a count with this mean and variance: Poisson when var <= mean, else the negative
    binomial with that mean and variance."""
    if mean <= 0:
        return [0 for _ in probs]
    if var <= mean * (1 + 1e-9):
        r, q = None, 0.0
        pmf = math.exp(-mean)
    else:
        r = mean * mean / (var - mean)
        p = r / (r + mean)
        q = 1 - p
        pmf = math.exp(r * math.log(p))
    out: list[int] = []
    targets = sorted(probs)
    cdf, k = pmf, 0
    limit = int(mean + 40 * math.sqrt(max(var, mean)) + 50)
    for target in targets:
        while cdf < target and k < limit:
            if r is None:
                pmf *= mean / (k + 1)
            else:
                pmf *= (k + r) / (k + 1) * q
            k += 1
            cdf += pmf
        out.append(k)
    order = {p: i for i, p in enumerate(targets)}
    return [out[order[p]] for p in probs]


# ---------------------------------------------------------------------------------- the forecast
@dataclass
class QueueForecast:
    queue_id: str
    mean: np.ndarray  # expected tickets per half-hour cell (CELLS)
    var: np.ndarray  # predictive variance per cell
    total_mean: float
    total_var: float

    def interval(self, cell: int) -> tuple[int, int]:
        lo, hi = nb_quantiles(float(self.mean[cell]), float(self.var[cell]), INTERVAL)
        return lo, hi

    def total_interval(self) -> tuple[int, int]:
        lo, hi = nb_quantiles(self.total_mean, self.total_var, INTERVAL)
        return lo, hi


@dataclass
class DayForecast:
    day: date
    marks: DayMarks
    queues: dict[str, QueueForecast]
    history_days: int
    effects: dict[str, float] = field(default_factory=dict)  # what the model learned, as factors

    def cells(self) -> list[int]:
        """The half-hours in which any queue expects a ticket, in order."""
        used = np.zeros(CELLS, dtype=bool)
        for f in self.queues.values():
            used |= f.mean > 1e-9
        return [int(i) for i in np.flatnonzero(used)]

    def span(self) -> list[int]:
        """Every half-hour from the first to the last in which a ticket is expected (the lunch break too)."""
        cells = self.cells()
        return list(range(cells[0], cells[-1] + 1)) if cells else []

    def mean(self, queue_id: str) -> np.ndarray:
        f = self.queues.get(queue_id)
        return f.mean if f is not None else np.zeros(CELLS)

    def to_json(self, names: dict[str, str] | None = None) -> dict[str, Any]:
        cells = self.cells()
        names = names or {}
        queues = []
        for q, f in self.queues.items():
            lo, hi = f.total_interval()
            halves = []
            for c in cells:
                clo, chi = f.interval(c)
                halves.append({"start": cell_label(c), "mean": round(float(f.mean[c]), 2), "p10": clo, "p90": chi})
            queues.append(
                {
                    "id": q,
                    "name": names.get(q, q),
                    "total": {"mean": round(f.total_mean, 1), "p10": lo, "p90": hi},
                    "half_hours": halves,
                }
            )
        return {
            "day": self.day.isoformat(),
            "kind": self.marks.kind if self.marks.working else self.marks.kind,
            "working": self.marks.working,
            "flags": self.marks.flags(),
            "history_days": self.history_days,
            "interval": list(INTERVAL),
            "half_hours": [cell_label(c) for c in cells],
            "queues": queues,
            "effects": {k: round(v, 3) for k, v in self.effects.items()},
        }


class Forecaster:
    """Fit on past days' arrival counts (`arrival_counts`), then forecast any day."""

    def __init__(self, calendar: WorkCalendar, *, half_life_days: float = HALF_LIFE_DAYS):
        self.cal = calendar
        self.half_life = half_life_days
        self.fitted = False

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        counts: dict[date, dict[str, np.ndarray]],
        queues: Sequence[str] | None = None,
        *,
        until: date | None = None,
    ) -> Forecaster:
        """Learn from the days before `until` (all days when None)."""
        days = sorted(d for d in counts if until is None or d < until)
        marks = {d: day_marks(self.cal, d) for d in days}
        days = [d for d in days if marks[d].working]
        self.queues = list(queues) if queues is not None else sorted({q for d in days for q in counts[d]})
        totals = np.array([[counts[d].get(q, np.zeros(CELLS)).sum() for q in self.queues] for d in days])
        if len(days):
            hall = totals.sum(axis=1)
            keep = hall >= OUTAGE_SHARE * float(np.median(hall))
            days = [d for d, k in zip(days, keep, strict=True) if k]
            totals = totals[keep]
        self.days = days
        self.last_day = days[-1] if days else None
        if not days:
            self.fitted = True
            self.beta: np.ndarray | None = None
            return self
        ref = days[-1]
        recency = np.array([0.5 ** ((ref - d).days / self.half_life) for d in days])
        self._fit_totals(days, marks, totals, recency)
        self._fit_profiles(days, marks, counts, recency)
        self.fitted = True
        return self

    def _design_row(self, qi: int, m: DayMarks) -> np.ndarray:
        nq, nk = len(self.queues), len(KINDS)
        x = np.zeros(self._ncols)
        x[qi] = 1.0
        k = KINDS.index(m.kind)
        x[nq + k] = 1.0
        x[nq + nk + qi * nk + k] = 1.0
        for j, flag in enumerate(FLAGS):
            x[nq + nk + nq * nk + j] = 1.0 if getattr(m, flag) else 0.0
        return x

    def _fit_totals(
        self, days: list[date], marks: dict[date, DayMarks], totals: np.ndarray, recency: np.ndarray
    ) -> None:
        nq, nk = len(self.queues), len(KINDS)
        self._ncols = nq + nk + nq * nk + len(FLAGS)
        rows, ys, ws = [], [], []
        for i, d in enumerate(days):
            for qi in range(nq):
                rows.append(self._design_row(qi, marks[d]))
                ys.append(totals[i, qi])
                ws.append(recency[i])
        X, y, r = np.array(rows), np.array(ys, dtype=float), np.array(ws)
        prior = np.concatenate(
            [
                np.full(nq, PRIOR_SD_LEVEL),
                np.full(nk, PRIOR_SD_WEEKDAY),
                np.full(nq * nk, PRIOR_SD_QUEUE_WEEKDAY),
                np.full(len(FLAGS), PRIOR_SD_FLAG),
            ]
        )
        penalty = np.diag(1.0 / prior**2)
        mean_q = np.maximum(totals.mean(axis=0), 0.5)
        beta: np.ndarray = np.zeros(self._ncols)
        beta[:nq] = np.log(mean_q)
        phi = 0.0
        cov = np.linalg.inv(penalty)
        for _ in range(25):
            eta = X @ beta
            mu = np.exp(eta)
            w = r * mu / (1.0 + phi * mu)
            z = eta + (y - mu) / mu
            A = X.T @ (X * w[:, None]) + penalty
            b = X.T @ (w * z)
            new = np.linalg.solve(A, b)
            step = float(np.max(np.abs(new - beta)))
            beta = new
            mu = np.exp(X @ beta)
            # day-to-day variation beyond Poisson, on the (recency-weighted) residuals
            excess = ((y - mu) ** 2 - mu) / mu**2
            phi = max(0.0, float(np.sum(r * excess) / np.sum(r)))
            cov = np.linalg.inv(A)
            if step < 1e-7:
                break
        self.beta, self.phi, self.cov = beta, phi, cov

    def _fit_profiles(
        self,
        days: list[date],
        marks: dict[date, DayMarks],
        counts: dict[date, dict[str, np.ndarray]],
        recency: np.ndarray,
    ) -> None:
        """Per queue the share of the day per cell, pooled and per schedule (weekday), shrunk."""
        self.profiles: dict[tuple[str, str], np.ndarray] = {}
        self.pooled: dict[str, np.ndarray] = {}
        self.profile_weight: dict[str, float] = {}
        for q in self.queues:
            by_sched: dict[str, np.ndarray] = {}
            raw: dict[str, np.ndarray] = {}
            for d, rw in zip(days, recency, strict=True):
                row = counts[d].get(q)
                if row is None:
                    continue
                s = marks[d].schedule
                by_sched[s] = by_sched.get(s, np.zeros(CELLS)) + rw * row
                raw[s] = raw.get(s, np.zeros(CELLS)) + row
            pooled = sum(by_sched.values(), np.zeros(CELLS))
            total = pooled.sum()
            base = pooled / total if total > 0 else np.zeros(CELLS)
            self.pooled[q] = base
            # how different are the schedules' profiles, against what sampling alone would give?
            stat, dof = 0.0, 0
            support = base > 0
            for row in raw.values():
                n = row.sum()
                if n <= 0 or support.sum() < 2:
                    continue
                expected = n * base[support]
                stat += float(np.sum((row[support] - expected) ** 2 / expected))
                dof += int(support.sum()) - 1
            trust = max(0.0, 1.0 - dof / stat) if stat > 0 else 0.0
            self.profile_weight[q] = trust
            for s, row in by_sched.items():
                n = row.sum()
                own = row / n if n > 0 else base
                self.profiles[(q, s)] = trust * own + (1 - trust) * base

    # ------------------------------------------------------------------ forecasting
    def forecast(self, day: date) -> DayForecast:
        if not self.fitted:
            raise RuntimeError("fit the forecaster first")
        m = day_marks(self.cal, day)
        out: dict[str, QueueForecast] = {}
        if not m.working or self.beta is None:
            for q in self.queues:
                out[q] = QueueForecast(q, np.zeros(CELLS), np.zeros(CELLS), 0.0, 0.0)
            return DayForecast(day, m, out, len(self.days))
        for qi, q in enumerate(self.queues):
            x = self._design_row(qi, m)
            eta = float(x @ self.beta)
            eta_var = float(x @ self.cov @ x)
            total = math.exp(eta + eta_var / 2)
            extra = self.phi + eta_var  # relative variance of the day's mean
            prof = self.profiles.get((q, m.schedule), self.pooled.get(q, np.zeros(CELLS)))
            mean = total * prof
            var = mean + extra * mean**2
            out[q] = QueueForecast(q, mean, var, total, total + extra * total**2)
        return DayForecast(day, m, out, len(self.days), self.effects())

    def effects(self) -> dict[str, float]:
        """The hall's learned factors: weekdays relative to their mean, and the calendar flags."""
        if self.beta is None:
            return {}
        nq, nk = len(self.queues), len(KINDS)
        seen = {day_marks(self.cal, d).kind for d in self.days}
        w = {k: self.beta[nq + i] for i, k in enumerate(KINDS) if k in seen}
        centre = float(np.mean(list(w.values()))) if w else 0.0
        out = {f"weekday.{k}": math.exp(v - centre) for k, v in w.items()}
        for j, flag in enumerate(FLAGS):
            out[f"flag.{flag}"] = math.exp(self.beta[nq + nk + nq * nk + j])
        out["day_cv"] = math.sqrt(self.phi)
        return out


def forecast_day(
    events: Iterable[ev.Event],
    calendar: WorkCalendar,
    day: date,
    queues: Sequence[str] | None = None,
) -> DayForecast:
    """Fit on every day of `events` before `day` and forecast `day`."""
    counts = arrival_counts(events, calendar.tz)
    return Forecaster(calendar).fit(counts, queues, until=day).forecast(day)
