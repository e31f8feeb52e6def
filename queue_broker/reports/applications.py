"""办件 (applications) in the supervision report: on time, overdue, by department and by item
(docs/platform.md). From the same replayed engine as the rest of the report, at the end of the period.

An application belongs to the period by the local day it was accepted (or refused). At the end of the
period it is: concluded on time (办结 before its due date), concluded late, open within its time, open
and overdue, waiting for corrections (the clock stopped), or refused (不予受理, no due date).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from ..engine.applications import APP_STATE_NAMES, CONCLUDED, CORRECTION, DELIVERED, REJECTED, RESULT_READY


@dataclass
class AppRow:
    key: str
    name: str
    accepted: int = 0
    on_time: int = 0
    late: int = 0
    open_in_time: int = 0
    open_overdue: int = 0
    correction: int = 0
    rejected: int = 0
    delivered: int = 0

    @property
    def concluded(self) -> int:
        return self.on_time + self.late

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.concluded if self.concluded else None


def _count(row: AppRow, app: Any, as_of: datetime) -> None:
    row.accepted += 1
    if app.state == REJECTED:
        row.rejected += 1
        return
    if app.concluded_at is not None and app.concluded_at < as_of:
        if app.concluded_at < app.due_at:
            row.on_time += 1
        else:
            row.late += 1
        if app.state == DELIVERED:
            row.delivered += 1
    elif app.state == CORRECTION:
        row.correction += 1
    elif app.due_at is not None and as_of >= app.due_at:
        row.open_overdue += 1
    else:
        row.open_in_time += 1


def application_summary(engine: Any, start: date, end: date, as_of: datetime) -> dict[str, Any]:
    """{'hall': AppRow, 'department': [...], 'item': [...], 'attention': [rows of overdue or late ones]}."""
    apps = [a for a in engine.applications.values() if start <= engine.local_day(a.accepted_at) <= end]
    apps.sort(key=lambda a: a.accepted_at)
    hall = AppRow("hall", "全厅")
    by_dept: dict[str, AppRow] = {}
    by_item: dict[str, AppRow] = {}
    attention = []
    for a in apps:
        _count(hall, a, as_of)
        dept = a.codes.get("dept_code") or a.department
        _count(by_dept.setdefault(dept, AppRow(dept, a.department or dept)), a, as_of)
        _count(by_item.setdefault(a.service_id, AppRow(a.service_id, a.task_name)), a, as_of)
        late = a.due_at is not None and (
            (a.concluded_at is not None and a.due_at <= a.concluded_at)
            or (a.concluded_at is None and as_of >= a.due_at)
        )
        if late and a.state != CORRECTION:
            attention.append(
                {
                    "case_no": a.case_no,
                    "task_name": a.task_name,
                    "department": a.department,
                    "accepted_at": a.accepted_at,
                    "due_at": a.due_at,
                    "concluded_at": a.concluded_at,
                    "state_name": APP_STATE_NAMES[a.state],
                    "counter_id": a.counter_id,
                }
            )
    waiting_pickup = sum(1 for a in engine.applications.values() if a.state in (CONCLUDED, RESULT_READY))
    return {
        "hall": hall,
        "department": sorted(by_dept.values(), key=lambda r: -r.accepted),
        "item": sorted(by_item.values(), key=lambda r: -r.accepted),
        "attention": attention,
        "results_waiting": waiting_pickup,
    }


def summary_records(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows as plain records (hall, departments, items), with `group` and the on-time rate."""
    out = []
    for group in ("hall", "department", "item"):
        rows = [summary["hall"]] if group == "hall" else summary[group]
        for r in rows:
            out.append({"group": group, **asdict(r), "concluded": r.concluded, "on_time_rate": r.on_time_rate})
    return out
