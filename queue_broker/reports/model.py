"""The figures of a supervision report, computed from the event store and nothing else.

`load_period` replays the stored events into a fresh `HallEngine` up to the end of the period (the
same `apply` the broker and a restart use) and notes, on the way, which operator was at a counter when
each ticket was called. `build_report` turns that state into the report. The definitions, also in
docs/supervision.md:

- a ticket belongs to the period by its issue day (local); to a queue by its queue at the end (after
  transfers); to a counter and an operator by where it was last called; to an item by its service id;
- served = finished (outcomes done and incomplete); no-show; cancelled = still waiting at the end of
  its day; wait = issue to (last) first call, for every called ticket, no-shows included;
- mean and 90th percentile (nearest rank: the ⌈0.9·n⌉-th smallest) of the waits; mean service time =
  call to finish of served tickets, time on hold (挂起) left out; within SLA = called tickets whose wait ≤ their queue's `sla_min`;
- ratings: levels 1–5 of the period's tickets, submitted or defaulted (默认满意), without those annulled
  by an accepted appeal; satisfaction rate = levels 3–5 (非常满意, 满意, 基本满意) / ratings;
- cases by the day they were opened, their state at the end of the period; overdue = open at or past
  the deadline at the end of the period, or finished at or after it;
- alerts by the day they were raised, with their highest severity, acknowledgement and clearing.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from ..config.models import hhmm
from ..engine import events as ev
from ..engine.cases import KIND_NAMES, STATE_NAMES, TRANSITIONS
from ..engine.hall import HallEngine
from ..engine.priority import HELP_RULE, PRIORITY_NAMES, STAFF_ISSUED
from ..engine.records import CANCELLED, DONE, NO_SHOW, TicketRec, counter_seconds
from ..supervision.monitor import RULE_NAMES, RULES
from ..tidal.recommend import KIND_NAMES as RECOMMENDATION_NAMES
from .applications import application_summary
from .holds import hold_rows

GROUPS = ("queue", "counter", "operator", "item")
GROUP_NAMES = {"hall": "全厅", "queue": "队列", "counter": "窗口", "operator": "工作人员", "item": "事项"}
LEVEL_NAMES = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
CASE_KINDS = ("bad_rating", "complaint", "complex_question")
# every kind of alert the broker raises, in words: the monitoring rules, the tidal recommendations and a
# kiosk's call for staff
ALERT_NAMES = {**RULE_NAMES, **RECOMMENDATION_NAMES, HELP_RULE: "自助机呼叫工作人员"}
SEVERITY_NAMES = {"red": "红色", "yellow": "黄色", "info": "提示"}


def alert_name(kind: str) -> str:
    """The alert kind in words; a kind this version does not know (a newer broker's) says so."""
    return ALERT_NAMES.get(kind, f"其他预警（{kind}）")


def p90(values: list[float]) -> float | None:
    """Nearest-rank 90th percentile: the ⌈0.9·n⌉-th smallest value."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass
class PeriodData:
    engine: HallEngine
    start: date
    end: date
    as_of: datetime  # local midnight after `end`: events at or after it are not read
    ticket_operator: dict[str, str | None]
    events: int
    chain_head: str
    # staff-issued priority (green channel, disability): ticket id -> reason, note and issuer, from the log
    priority_grants: dict[str, dict[str, Any]] = field(default_factory=dict)


def load_period(config: Any, store: Any, start: date, end: date) -> PeriodData:
    engine = HallEngine(config)
    as_of = datetime.combine(end + timedelta(days=1), time(0), engine.tz)
    at_counter: dict[str, str | None] = {}
    ticket_operator: dict[str, str | None] = {}
    grants: dict[str, dict[str, Any]] = {}
    n, head = 0, "0" * 64
    for row in store.iter_events():
        e = row.event
        if e.at >= as_of:
            break
        engine.apply(e)
        if e.type == ev.COUNTER_OPENED:
            at_counter[e.data["counter_id"]] = e.data["operator_id"]
        elif e.type == ev.COUNTER_CLOSED:
            at_counter[e.data["counter_id"]] = None
        elif e.type == ev.TICKET_CALLED and not e.data.get("recall"):
            ticket_operator[e.data["ticket_id"]] = at_counter.get(e.data["counter_id"])
        elif e.type == ev.TICKET_ISSUED and e.data.get("issued_by"):
            grants[e.data["id"]] = {
                "reason": e.data.get("priority_reason", ""),
                "note": e.data.get("priority_note", ""),
                **e.data["issued_by"],
            }
        n, head = n + 1, row.hash
    return PeriodData(engine, start, end, as_of, ticket_operator, n, head, grants)


@dataclass
class Row:
    group: str
    key: str
    name: str
    tickets: int = 0
    served: int = 0
    incomplete: int = 0
    no_shows: int = 0
    cancelled: int = 0
    called: int = 0
    mean_wait_s: float | None = None
    p90_wait_s: float | None = None
    mean_service_s: float | None = None
    within_sla: float | None = None
    ratings: list[int] = field(default_factory=lambda: [0, 0, 0, 0, 0])  # levels 1..5
    defaulted: int = 0
    annulled: int = 0
    bad_cases: int = 0
    bad_cases_overdue: int = 0
    complaints: int = 0

    @property
    def rated(self) -> int:
        return sum(self.ratings)

    @property
    def satisfaction(self) -> float | None:
        return sum(self.ratings[2:]) / self.rated if self.rated else None


@dataclass
class Report:
    site_id: str
    site_name: str
    start: date
    end: date
    as_of: datetime
    events: int
    chain_head: str
    working_days: list[date]
    rows: dict[str, list[Row]]  # "hall" (one row) and each of GROUPS
    daily: list[dict[str, Any]]
    hourly: list[dict[str, Any]]
    cases: dict[str, dict[str, Any]]  # per kind
    case_rows: list[dict[str, Any]]
    alerts: list[dict[str, Any]]  # per rule
    alert_rows: list[dict[str, Any]]
    queue_sla_min: dict[str, int] = field(default_factory=dict)
    # staff-issued priority tickets of the period (one row each) and their count per class
    priority_rows: list[dict[str, Any]] = field(default_factory=list)
    priority_counts: dict[str, int] = field(default_factory=dict)
    applications: dict[str, Any] = field(default_factory=dict)  # 办件 (reports/applications.py)
    holds: list[dict[str, Any]] = field(default_factory=list)  # 挂起 (reports/holds.py): the hall, then queues
    planning: dict[str, Any] | None = None  # forecast, day plan, cross-training (reports/planning.py)

    def row(self, group: str, key: str) -> Row:
        return next(r for r in self.rows[group] if r.key == key)


def _fill(row: Row, tickets: list[TicketRec], engine: HallEngine) -> Row:
    return fill_parts(row, [(tickets, engine)])


def fill_parts(row: Row, parts: list[tuple[list[TicketRec], HallEngine]]) -> Row:
    """`row` from tickets of one or several halls (each with its own engine: its SLAs and ratings), so
    the means and the 90th percentile of several halls come from every wait, not from each hall's figure."""
    waits, services, within = [], [], 0
    for t, engine in ((t, engine) for tickets, engine in parts for t in tickets):
        row.tickets += 1
        if t.state == DONE:
            row.served += 1
            if t.outcome == "incomplete":
                row.incomplete += 1
            if t.called_at is not None and t.finished_at is not None:
                services.append(counter_seconds(t, t.finished_at))  # time on hold (挂起) left out
        elif t.state == NO_SHOW:
            row.no_shows += 1
        elif t.state == CANCELLED:
            row.cancelled += 1
        if t.called_at is not None:
            w = (t.called_at - t.issued_at).total_seconds()
            waits.append(w)
            if w <= engine.queues[t.queue_id].sla_min * 60:
                within += 1
        r = engine.ratings.get(t.id)
        if r is not None:
            if r.get("annulled"):
                row.annulled += 1
            else:
                row.ratings[r["level"] - 1] += 1
                row.defaulted += 1 if r.get("default") else 0
    row.called = len(waits)
    row.mean_wait_s, row.p90_wait_s, row.mean_service_s = mean(waits), p90(waits), mean(services)
    row.within_sla = within / len(waits) if waits else None
    return row


def count_case(row: Row, case: Any, as_of: datetime) -> None:
    """A case in a row's figures: bad-rating cases (and those overdue at `as_of`) and complaints."""
    if case.kind == "bad_rating":
        row.bad_cases += 1
        row.bad_cases_overdue += 1 if case.overdue(as_of) else 0
    elif case.kind == "complaint":
        row.complaints += 1


def open_hours(engine: HallEngine, start: date, end: date) -> set[int]:
    """The hours of the day (0-23) in which the hall's windows were open on some day of the period."""
    hours: set[int] = set()
    d = start
    while d <= end:
        for p in engine.hours.periods(d):
            first, last = hhmm(p.start), hhmm(p.end) if p.end != "24:00" else time(23, 59)
            hours.update(range(first.hour, last.hour + (1 if last.minute else 0)))
        d += timedelta(days=1)
    return hours


def hours_of_issue(engine: HallEngine, tickets: list[TicketRec], start: date, end: date) -> list[dict[str, Any]]:
    """Waits by the hour the tickets were issued, over every hour from the first opening (or ticket) to
    the last: `open` says whether the windows were open in that hour on some day of the period, so a
    chart shows a closed hour (lunch, evening) as closed, not as a wait of 0 minutes."""
    by_hour: dict[int, list[TicketRec]] = defaultdict(list)
    for t in tickets:
        by_hour[t.issued_at.astimezone(engine.tz).hour].append(t)
    opened = open_hours(engine, start, end)
    shown = opened | set(by_hour)
    if not shown:
        return []
    return [
        {"hour": h, "open": h in opened, "row": _fill(Row("hour", str(h), f"{h:02d}时"), by_hour.get(h, []), engine)}
        for h in range(min(shown), max(shown) + 1)
    ]


def build_report(data: PeriodData) -> Report:
    e = data.engine
    cfg = e.config
    in_period = [t for t in e.tickets.values() if data.start <= t.day <= data.end]
    in_period.sort(key=lambda t: (t.issued_at, t.id))
    operators = {o.id: o.name for o in cfg.operators}

    def key_of(group: str, t: TicketRec) -> str | None:
        if group == "queue":
            return t.queue_id
        if group == "counter":
            return t.counter_id if t.called_at is not None else None
        if group == "operator":
            return data.ticket_operator.get(t.id) if t.called_at is not None else None
        return t.service_id

    def name_of(group: str, key: str) -> str:
        if group == "queue":
            return e.queues[key].name
        if group == "counter":
            return e.counter_cfg[key].name if key in e.counter_cfg else key
        if group == "operator":
            return operators.get(key, key)
        svc = e.services.get(key) or e.bundles.get(key)
        return svc.name if svc else key

    order = {
        "queue": list(e.queues),
        "counter": [c.id for c in sorted(cfg.counters, key=lambda c: c.number)],
        "operator": [o.id for o in cfg.operators],
        "item": [s.id for s in cfg.services] + [b.id for b in cfg.bundles],
    }
    rows: dict[str, list[Row]] = {"hall": [_fill(Row("hall", cfg.site.id, cfg.site.name), in_period, e)]}
    for group in GROUPS:
        buckets: dict[str, list[TicketRec]] = defaultdict(list)
        for t in in_period:
            k = key_of(group, t)
            if k is not None:
                buckets[k].append(t)
        keys = [k for k in order[group] if k in buckets] + sorted(k for k in buckets if k not in order[group])
        rows[group] = [_fill(Row(group, k, name_of(group, k)), buckets[k], e) for k in keys]

    # cases opened in the period, attributed to their counter, operator, queue and item
    cases = [c for c in e.cases.values() if data.start <= e.local_day(c.opened_at) <= data.end]
    index = {(r.group, r.key): r for group in GROUPS for r in rows[group]}
    hall = rows["hall"][0]
    for c in cases:
        case_keys = [
            ("queue", c.queue_id),
            ("counter", c.counter_id),
            ("operator", c.operator_id),
            ("item", c.service_id),
        ]
        for r in [hall] + [index[k] for k in case_keys if k in index]:
            count_case(r, c, data.as_of)

    # day by day (a case on the day it was opened, as the hall row counts it), and waits by hour of issue
    daily = []
    d = data.start
    while d <= data.end:
        day_rows = _fill(Row("day", d.isoformat(), d.isoformat()), [t for t in in_period if t.day == d], e)
        for c in cases:
            if e.local_day(c.opened_at) == d:
                count_case(day_rows, c, data.as_of)
        daily.append({"day": d, "kind": e.work_calendar.kind_of(d), "row": day_rows})
        d += timedelta(days=1)
    hourly = hours_of_issue(e, in_period, data.start, data.end)

    # the closed loops: carried in, opened, finished in the period, open and overdue at its end
    case_summary: dict[str, dict[str, Any]] = {}
    for kind in CASE_KINDS:
        mine = [c for c in e.cases.values() if c.kind == kind]
        opened = [c for c in mine if data.start <= e.local_day(c.opened_at) <= data.end]
        start_at = datetime.combine(data.start, time(0), e.tz)
        carried = [c for c in mine if c.opened_at < start_at and (c.closed_at is None or c.closed_at >= start_at)]
        finished = [c for c in mine if c.closed_at is not None and start_at <= c.closed_at < data.as_of]
        open_end = [c for c in mine if c.open and c.opened_at < data.as_of]
        states = {s: 0 for s in _states(kind)}
        for c in opened:
            states[c.state] += 1
        case_summary[kind] = {
            "name": KIND_NAMES[kind],
            "carried_in": len(carried),
            "opened": len(opened),
            "finished": len(finished),
            "open_at_end": len(open_end),
            "overdue_open": sum(1 for c in open_end if c.overdue(data.as_of)),
            "finished_late": sum(1 for c in finished if c.overdue(data.as_of)),
            "opened_by_state": states,
        }
    touched = {
        c.id: c
        for c in e.cases.values()
        if c.opened_at < data.as_of
        and (c.closed_at is None or c.closed_at >= datetime.combine(data.start, time(0), e.tz))
    }
    case_rows = [
        {
            "id": c.id,
            "kind": c.kind,
            "kind_name": KIND_NAMES[c.kind],
            "opened_at": c.opened_at.astimezone(e.tz),
            "deadline": c.deadline.astimezone(e.tz),
            "state": c.state,
            "state_name": STATE_NAMES[c.state],
            "closed_at": c.closed_at.astimezone(e.tz) if c.closed_at else None,
            "overdue": c.overdue(data.as_of),
            "counter_id": c.counter_id or "",
            "operator_id": c.operator_id or "",
            "service_id": c.service_id or "",
            "level": c.level,
            "reasons": "、".join(c.reasons),
            "category": c.category,
            "steps": len(c.history) - 1,
        }
        for c in sorted(touched.values(), key=lambda c: (c.opened_at, c.id))
    ]

    # monitoring alerts raised in the period
    alert_rows = []
    for a in sorted(e.alerts.values(), key=lambda a: (a.at, a.id)):
        if not data.start <= e.local_day(a.at) <= data.end:
            continue
        acks = [*a.data.get("earlier_acks", [])]
        first_ack = datetime.fromisoformat(acks[0]["at"]) if acks else a.acked_at
        alert_rows.append(
            {
                "id": a.id,
                "rule": a.kind,
                "rule_name": alert_name(a.kind),
                "subject": a.data.get("subject", ""),
                "raised_at": a.at.astimezone(e.tz),
                "severity": a.severity,
                "escalated_at": a.escalated_at.astimezone(e.tz) if a.escalated_at else None,
                "first_ack_at": first_ack.astimezone(e.tz) if first_ack else None,
                "ack_min": (first_ack - a.at).total_seconds() / 60 if first_ack else None,
                "cleared_at": a.cleared_at.astimezone(e.tz) if a.cleared_at else None,
                "message": a.message,
            }
        )
    alerts = alert_summary(alert_rows)
    priority_rows = _priority_rows(data, in_period)

    cal = e.work_calendar
    days = [data.start + timedelta(days=i) for i in range((data.end - data.start).days + 1)]
    return Report(
        site_id=cfg.site.id,
        site_name=cfg.site.name,
        start=data.start,
        end=data.end,
        as_of=data.as_of,
        events=data.events,
        chain_head=data.chain_head,
        working_days=[d for d in days if cal.is_working_day(d)],
        rows=rows,
        daily=daily,
        hourly=hourly,
        cases=case_summary,
        case_rows=case_rows,
        alerts=alerts,
        alert_rows=alert_rows,
        queue_sla_min={q.id: q.sla_min for q in cfg.queues},
        priority_rows=priority_rows,
        priority_counts={
            p: sum(1 for r in priority_rows if r["priority"] == p)
            for p in STAFF_ISSUED
            if cfg.priorities.on(p) or any(r["priority"] == p for r in priority_rows)
        },
        applications=application_summary(e, data.start, data.end, data.as_of),
        holds=hold_rows(in_period, e),
        planning=_planning(data),
    )


def _priority_rows(data: PeriodData, in_period: list[TicketRec]) -> list[dict[str, Any]]:
    """Each staff-issued priority ticket of the period: when, which, why, and who gave it."""
    e = data.engine
    operators = {o.id: o.name for o in e.config.operators}
    supervisors = {s.id: s.name for s in e.config.supervisors}
    rows = []
    for t in in_period:
        g = data.priority_grants.get(t.id)
        if g is None:
            continue
        if g.get("role") == "counter":
            counter = e.counter_cfg.get(g.get("counter_id", ""))
            who = f"{operators.get(g.get('operator_id', ''), g.get('operator_id', ''))}（{counter.name if counter else g.get('counter_id', '')}）"
        else:
            who = f"{supervisors.get(g.get('supervisor_id', ''), g.get('supervisor_id', ''))}（值班主管）"
        svc = e.services.get(t.service_id) or e.bundles.get(t.service_id)
        rows.append(
            {
                "ticket_id": t.id,
                "number": t.number,
                "issued_at": t.issued_at.astimezone(e.tz),
                "priority": t.priority,
                "priority_name": PRIORITY_NAMES.get(t.priority, t.priority),
                "service_name": svc.name if svc else t.service_id,
                "reason": g.get("reason", ""),
                "note": g.get("note", ""),
                "issued_by": who,
                "role": g.get("role", ""),
                "node": g.get("node", ""),
                "state": t.state,
            }
        )
    return rows


def _planning(data: PeriodData) -> dict[str, Any] | None:
    from .planning import planning_section  # the planning part (docs/planning.md)

    return planning_section(data)


STATE_ORDER = {
    "bad_rating": ["opened", "appealed", "verified", "rectified", "replied", "revisited", "closed", "annulled"],
    "complaint": ["accepted", "handed_over", "supervised", "fed_back", "revisited", "rectified", "closed"],
    "complex_question": ["opened", "answered"],
}


def alert_summary(alert_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per monitoring rule (the known ones first, in their order): raised, red, acknowledged, mean
    minutes to acknowledge, cleared."""
    alerts = []
    for rule in [*RULES, *sorted({r["rule"] for r in alert_rows} - set(RULES))]:
        mine = [r for r in alert_rows if r["rule"] == rule]
        acked = [r["ack_min"] for r in mine if r["ack_min"] is not None]
        alerts.append(
            {
                "rule": rule,
                "name": alert_name(rule),
                "raised": len(mine),
                "red": sum(1 for r in mine if r["severity"] == "red"),
                "acked": len(acked),
                "mean_ack_min": mean(acked),
                "cleared": sum(1 for r in mine if r["cleared_at"] is not None),
            }
        )
    return alerts


def _states(kind: str) -> list[str]:
    every = {s for starts, to in TRANSITIONS[kind].values() for s in (*starts, to)}
    assert every == set(STATE_ORDER[kind]), kind  # a new state must get its place in the report
    return STATE_ORDER[kind]


# how a figure is written in the tables (CSV, HTML, PDF): here, below every format, so that render.py,
# which chooses the format, and pdf.py, one of them, need not import each other
def minutes(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds / 60:.2f}"


def pct(share: float | None) -> str:
    return "" if share is None else f"{100 * share:.1f}"
