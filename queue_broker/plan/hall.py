"""Planning from a hall's own event log: the forecast, the day plan and the cross-training advice of a
real hall (its site file and its store), for the CLI, the broker's planning worker and the reports.

One pass over the events collects what planning needs: arrivals per day, queue and half-hour; each
call's counter time (called to finished or no-show) and whether it was a no-show. From those:
`forecast`, `day_plan` (the measured mean and spread of each queue's counter time over the last
`SERVICE_DAYS` working days) and `scenario_from_history` (the hall as a scenario for the advisor:
its queues' average day over the last `days` working days, its counters and skills from the site
file).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np

from ..config.models import SiteConfig
from ..engine import events as ev
from ..supervision.calendar import WorkCalendar
from .dayplan import DayPlan, QueueInput, Window, plan_day
from .forecast import CELL_MIN, CELLS, DayForecast, Forecaster, cell_label, day_marks

SERVICE_DAYS = 20
MIN_SAMPLES = 10  # counter times a queue needs before its measured mean replaces the configured one


@dataclass
class HallHistory:
    arrivals: dict[date, dict[str, np.ndarray]] = field(default_factory=dict)
    services: dict[str, list[tuple[date, float, bool]]] = field(default_factory=dict)  # (day, minutes, no-show)
    issued: dict[date, list[float]] = field(default_factory=dict)  # minute of the day of each ticket, when known

    def opening_burst(self, days: set[date], minutes: float = 5.0) -> float | None:
        """Share of the first half-hour's tickets that came in its first `minutes` (the crowd at the door),
        over these days; None when the log does not say."""
        crowd = first = 0
        for d in days:
            times = self.issued.get(d)
            if not times:
                continue
            start = min(times) // CELL_MIN * CELL_MIN
            first += sum(1 for t in times if t < start + CELL_MIN)
            crowd += sum(1 for t in times if t < start + minutes)
        return crowd / first if first >= 20 else None

    def service_stats(self, queue_id: str, until: date, days: int = SERVICE_DAYS) -> tuple[float, float, float, int]:
        """(mean counter minutes per call, cv, no-show share, calls) over the last `days` days with calls."""
        rows = [r for r in self.services.get(queue_id, []) if r[0] < until]
        recent_days = sorted({r[0] for r in rows})[-days:]
        keep = set(recent_days)
        xs = np.array([r[1] for r in rows if r[0] in keep])
        shows = np.array([r[2] for r in rows if r[0] in keep], dtype=bool)
        if len(xs) == 0:
            return math.nan, math.nan, 0.0, 0
        mean = float(xs.mean())
        cv = float(xs.std(ddof=1) / mean) if len(xs) > 1 and mean > 0 else 0.8
        return mean, cv, float(shows.mean()), len(xs)


def read_history(events: Iterable[ev.Event], tz: Any) -> HallHistory:
    h = HallHistory()
    called: dict[str, tuple[str, datetime]] = {}
    queue_of: dict[str, str] = {}
    for e in events:
        d = e.data
        if e.type == ev.TICKET_ISSUED:
            queue_of[d["id"]] = d["queue_id"]
            if d.get("return_of"):
                continue
            local = e.at.astimezone(tz)
            h.issued.setdefault(local.date(), []).append(local.hour * 60 + local.minute + local.second / 60.0)
            per = h.arrivals.setdefault(local.date(), {})
            row = per.get(d["queue_id"])
            if row is None:
                row = per[d["queue_id"]] = np.zeros(CELLS)
            row[(local.hour * 60 + local.minute) // CELL_MIN] += 1
        elif e.type == ev.TICKET_CALLED and d.get("recall", 0) == 0:
            q = queue_of.get(d["ticket_id"])
            if q is not None:
                called[d["ticket_id"]] = (q, e.at)
        elif e.type in (ev.TICKET_FINISHED, ev.TICKET_NO_SHOW):
            got = called.pop(d["ticket_id"], None)
            if got is not None:
                q, at = got
                h.services.setdefault(q, []).append(
                    (at.astimezone(tz).date(), (e.at - at).total_seconds() / 60.0, e.type == ev.TICKET_NO_SHOW)
                )
        elif e.type == ev.TICKET_TRANSFERRED:
            called.pop(d["ticket_id"], None)
            queue_of[d["ticket_id"]] = d["to_queue_id"]
    return h


# ---------------------------------------------------------------------------------- forecast and plan
def spare_windows(config: SiteConfig) -> set[str]:
    """Windows kept for reserve clerks (named in a reserve's `counters`): not the hall's own staff."""
    return {cid for r in config.reserves if r.counters != "*" for cid in r.counters}


def forecast(config: SiteConfig, history: HallHistory, day: date) -> DayForecast:
    cal = WorkCalendar.from_config(config)
    return Forecaster(cal).fit(history.arrivals, [q.id for q in config.queues], until=day).forecast(day)


def service_inputs(config: SiteConfig, history: HallHistory, day: date) -> dict[str, tuple[float, float, int]]:
    """Per queue (mean counter minutes per call, cv, calls measured): measured when there are enough
    calls, else the site file's mean_service_min with a cv of 0.8."""
    out = {}
    for q in config.queues:
        mean, cv, _, n = history.service_stats(q.id, day)
        if n < MIN_SAMPLES or not mean > 0:
            mean, cv = q.mean_service_min, 0.8
        out[q.id] = (mean, cv, n)
    return out


def day_plan(
    config: SiteConfig, history: HallHistory, day: date, *, check_days: int = 40
) -> tuple[DayPlan, DayForecast]:
    fc = forecast(config, history, day)
    cells = fc.span()
    svc = service_inputs(config, history, day)
    queues = [
        QueueInput(q.id, q.name, svc[q.id][0], svc[q.id][1], float(q.sla_min), [float(fc.mean(q.id)[c]) for c in cells])
        for q in config.queues
    ]
    spare = spare_windows(config)
    windows = [Window(c.id, c.number, tuple(c.eligible)) for c in config.counters if c.id not in spare]
    reserves = [Window(f"reserve:{r.id}", 0, tuple(r.eligible)) for r in config.reserves]
    plan = plan_day(day.isoformat(), cells, queues, windows, reserves, check_days=check_days)
    return plan, fc


# ---------------------------------------------------------------------------------- the hall as a scenario
def scenario_from_history(config: SiteConfig, history: HallHistory, until: date, days: int = 20) -> dict[str, Any]:
    """The hall's average working day over the last `days` working days before `until`, as a scenario
    (a dict in the scenarios README's format): the advisor simulates the hall it has."""
    cal = WorkCalendar.from_config(config)
    chosen = sorted(d for d in history.arrivals if d < until and day_marks(cal, d).working)[-days:]
    if not chosen:
        raise ValueError("the event log holds no working day with tickets before " + until.isoformat())
    qids = [q.id for q in config.queues]
    total = np.zeros((len(qids), CELLS))
    for d in chosen:
        for i, qid in enumerate(qids):
            row = history.arrivals[d].get(qid)
            if row is not None:
                total[i] += row
    mean = total / len(chosen)
    used = np.flatnonzero(mean.sum(axis=0) > 0)
    if not len(used):
        raise ValueError("no tickets in the chosen days")
    first, last = int(used[0]), int(used[-1])
    slots = [c for c in range(first, last + 1) if mean[:, c].sum() > 0.05 * mean.sum() / max(len(used), 1)]
    queues: list[dict[str, Any]] = []
    no_show_p, no_show_min, calls = 0.0, 0.0, 0
    for i, q in enumerate(config.queues):
        per_day = float(mean[i].sum())
        rows = [r for r in history.services.get(q.id, []) if r[0] in set(chosen)]
        served = [r[1] for r in rows if not r[2]]
        absent = [r[1] for r in rows if r[2]]
        if len(served) >= MIN_SAMPLES:
            m = float(np.mean(served))
            cv = float(np.std(served, ddof=1) / m) if m > 0 else 0.8
        else:
            m, cv = q.mean_service_min, 0.8
        calls += len(rows)
        no_show_p += len(absent)
        no_show_min += sum(absent)
        share = [float(mean[i, c]) / per_day if per_day > 0 else 0.0 for c in slots]
        if per_day > 0:
            scale = sum(share)
            share = [x / scale for x in share]
        queues.append(
            {
                "id": q.id,
                "name": q.name,
                "tickets_per_day": round(per_day, 2),
                "service_min": {"mean": round(m, 3), "cv": round(min(max(cv, 0.0), 3.0), 3)},
                "arrival_share": [round(x, 5) for x in share],
            }
        )
    for qd in queues:  # shares rounded to 5 places still sum to 1 within the README's tolerance
        if qd["tickets_per_day"] > 0:
            drift = 1.0 - sum(qd["arrival_share"])
            k = int(np.argmax(qd["arrival_share"]))
            qd["arrival_share"][k] = round(qd["arrival_share"][k] + drift, 5)
    absent_share = no_show_p / calls if calls else 0.0
    spare = spare_windows(config)
    burst = history.opening_burst(set(chosen))
    close = (slots[-1] + 1) * CELL_MIN
    return {
        "name": f"{config.site.id}-history-{chosen[0]}-{chosen[-1]}",
        "day": {
            "opens": cell_label(slots[0]),
            "ticketing_closes": f"{close // 60:02d}:{close % 60:02d}",
            "slot_minutes": CELL_MIN,
            "slots": [cell_label(c) for c in slots],
            # the crowd at the door, when the log shows one (more than 1.5 times an even spread)
            **({"opening_burst": {"share": round(burst, 3), "minutes": 5.0}} if burst and burst > 0.25 else {}),
        },
        "queues": queues,
        "counters": [
            {"id": c.id, "home": list(c.home), "eligible": list(c.eligible)}
            for c in config.counters
            if c.id not in spare
        ],
        "no_show": {
            "probability": round(absent_share, 4),
            "minutes": round(no_show_min / no_show_p, 2) if no_show_p else 1.0,
        },
        "switch_cost_min": config.rebalancer.switch_cost_min,
        "surges": [],
    }


def history_from_engine(engine: Any) -> HallHistory:
    """The same history from a live or replayed engine: its arrival counts (a year, rebuilt by replay)
    and the counter times of the tickets it still holds (the broker keeps about a week of them; a
    report's replay all of the period's)."""
    h = HallHistory()
    for day, per in engine.arrival_counts.items():
        h.arrivals[day] = {q: np.asarray(row, dtype=float) for q, row in per.items()}
    tz = engine.tz
    for t in engine.tickets.values():
        if not t.return_of:
            local = t.issued_at.astimezone(tz)
            h.issued.setdefault(local.date(), []).append(local.hour * 60 + local.minute + local.second / 60.0)
        if t.called_at is None or t.finished_at is None or t.state not in ("done", "no_show"):
            continue
        h.services.setdefault(t.queue_id, []).append(
            (
                t.called_at.astimezone(tz).date(),
                (t.finished_at - t.called_at).total_seconds() / 60.0,
                t.state == "no_show",
            )
        )
    for rows in h.services.values():
        rows.sort(key=lambda r: r[0])
    return h


def forecast_json(config: SiteConfig, fc: DayForecast) -> dict[str, Any]:
    return fc.to_json({q.id: q.name for q in config.queues})
