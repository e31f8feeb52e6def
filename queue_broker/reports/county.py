"""One report over several halls (a county and its townships): each hall's own report, side by side,
and the totals. Each hall's figures come from its own event store replayed through its own engine
(`load_period`), exactly as its single-hall report; the totals are computed from every ticket of every
hall (a mean or a 90th percentile of several halls is not a mean of their figures), each ticket judged
by its own hall's SLA and ratings.

    python -m queue_broker report --config county.yaml --config township-a.yaml --from ... --to ...
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .model import CASE_KINDS, PeriodData, Report, Row, alert_summary, build_report, fill_parts


@dataclass
class CountyReport:
    start: date
    end: date
    halls: list[Report]
    total: Row  # group "total", key "total"
    daily: list[dict[str, Any]]  # {"day", "row"} over every hall
    cases: dict[str, dict[str, Any]]  # per kind, summed over halls
    alerts: list[dict[str, Any]]  # per rule, over halls

    @property
    def site_name(self) -> str:  # the title the PDF pages carry
        return "、".join(r.site_name for r in self.halls)

    @property
    def events(self) -> int:
        return sum(r.events for r in self.halls)


def build_county_report(periods: list[PeriodData]) -> CountyReport:
    if len(periods) < 2:
        raise ValueError("a report over several halls needs at least two")
    sites = [p.engine.config.site.id for p in periods]
    twice = sorted({s for s in sites if sites.count(s) > 1})
    if twice:
        raise ValueError(f"hall {', '.join(twice)} given twice")
    spans = {(p.start, p.end) for p in periods}
    if len(spans) != 1:
        raise ValueError("every hall must be read over the same period")
    start, end = spans.pop()
    reports = [build_report(p) for p in periods]

    def tickets(p: PeriodData, day: date | None = None) -> list:
        return sorted(
            (t for t in p.engine.tickets.values() if (start <= t.day <= end if day is None else t.day == day)),
            key=lambda t: (t.issued_at, t.id),
        )

    total = fill_parts(Row("total", "total", "合计"), [(tickets(p), p.engine) for p in periods])
    for r in reports:  # cases are counted by each hall's report (attributed to its hall row)
        hall = r.rows["hall"][0]
        total.bad_cases += hall.bad_cases
        total.bad_cases_overdue += hall.bad_cases_overdue
        total.complaints += hall.complaints
    daily, d = [], start
    while d <= end:
        row = fill_parts(Row("day", d.isoformat(), d.isoformat()), [(tickets(p, d), p.engine) for p in periods])
        for r in reports:  # the day's cases, as each hall's own day row counts them
            mine = next(x["row"] for x in r.daily if x["day"] == d)
            row.bad_cases += mine.bad_cases
            row.bad_cases_overdue += mine.bad_cases_overdue
            row.complaints += mine.complaints
        daily.append({"day": d, "row": row})
        d += timedelta(days=1)
    cases = {
        kind: {
            key: (reports[0].cases[kind][key] if key == "name" else sum(r.cases[kind][key] for r in reports))
            for key in ("name", "carried_in", "opened", "finished", "open_at_end", "overdue_open", "finished_late")
        }
        for kind in CASE_KINDS
    }
    every = [a for r in reports for a in r.alert_rows]
    return CountyReport(start, end, reports, total, daily, cases, alert_summary(every))
