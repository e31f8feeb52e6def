"""办件 — called *applications* here: a 承诺件 the counter accepted (受理) and that stays open after the citizen
leaves, until its result is handed out (出件). A mixin of HallEngine (../shared/platform.md §3,
docs/platform.md).

Not to be confused with *cases* (`engine/cases.py`): those are supervision's closed loops about the
hall's own service (差评整改, 有诉即办, 复杂问题告知). An application is the citizen's matter itself, with the
national codes of its item, a `case_no` (办件编号: the department's code, the date, a sequence — the name
the provincial platform uses) and a promised date.

    accepted 已受理 ──process──▶ processing 办理中 ──conclude──▶ concluded 已办结 ──result-ready──▶
    result_ready 待取件/待寄递 ──deliver──▶ delivered 已出件
    accepted / processing ──correct──▶ correction 待补正 (一次性告知 list kept; the clock stops)
    correction ──resubmit──▶ processing (the due date moves by the working days spent waiting)
    accepted / correction ──reject──▶ rejected 不予受理 (with its reason); also directly at the counter

`due_at` is the end of the N-th working day after acceptance on the official calendar (or N natural days
for an item promised in 自然日); `warn_at` is when `alerts.application_warn_pct` % of that time is spent.
Both are stored in the events, so a calendar edited later never moves them. Electronic monitoring
(`supervision/monitor.py`, rule `application_due`) raises yellow at `warn_at` and red at `due_at` while
the application is accepted or in processing. The record keeps the holder's masked form and keyed hash
from the ticket, never a clear ID number. Pure: the pickup code is made by the service layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from ..config.models import Service
from . import events as ev
from .commands import ApplicationAction, ViewApplications
from .dispatch import applies, handles
from .events import Event
from .rejected import Rejected, Result
from .state import EngineState, OwnState
from .words import counter_name

ACCEPTED, PROCESSING, CORRECTION, REJECTED = "accepted", "processing", "correction", "rejected"
CONCLUDED, RESULT_READY, DELIVERED = "concluded", "result_ready", "delivered"
CLOCK_RUNS = frozenset({ACCEPTED, PROCESSING})  # the states electronic monitoring watches
FINISHED = frozenset({REJECTED, DELIVERED})
APP_STATE_NAMES = {
    ACCEPTED: "已受理",
    PROCESSING: "办理中",
    CORRECTION: "待补正",
    REJECTED: "不予受理",
    CONCLUDED: "已办结",
    RESULT_READY: "待出件",
    DELIVERED: "已出件",
}
APP_ACTION_NAMES = {
    "accept": "受理",
    "process": "办理",
    "correct": "补正告知",
    "resubmit": "补正材料已收",
    "reject": "不予受理",
    "conclude": "办结",
    "result-ready": "出件通知",
    "deliver": "出件",
}
# action -> (states it may start from, state it leads to); accept and a first reject open a new one
APP_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "process": ((ACCEPTED,), PROCESSING),
    "correct": ((ACCEPTED, PROCESSING), CORRECTION),
    "resubmit": ((CORRECTION,), PROCESSING),
    "reject": ((ACCEPTED, CORRECTION), REJECTED),
    "conclude": ((ACCEPTED, PROCESSING), CONCLUDED),
    "result-ready": ((CONCLUDED,), RESULT_READY),
    "deliver": ((RESULT_READY,), DELIVERED),
}


@dataclass
class ApplicationRec:
    case_no: str
    service_id: str
    task_name: str
    codes: dict[str, str]  # catalog_code, task_code, task_handle_item, dept_code (those the item has)
    department: str
    state: str
    accepted_at: datetime
    promise_days: int
    promise_day_type: str  # 工作日 | 自然日
    due_at: datetime | None  # None: rejected at the counter, never accepted
    warn_at: datetime | None
    counter_id: str | None = None
    operator_id: str | None = None
    ticket_id: str | None = None
    holder_masked: dict[str, str] | None = None
    holder_hash: str | None = None
    paused_days: int = 0  # working (or natural) days spent waiting for corrections
    paused_at: datetime | None = None
    corrections: list[dict[str, Any]] = field(default_factory=list)  # each 一次性告知: at, materials, note
    reject_reason: str = ""
    concluded_at: datetime | None = None
    outcome: str | None = None  # approved | not_approved
    result_ready_at: datetime | None = None
    delivery: str | None = None  # pickup | post
    pickup_code: str | None = None
    notice: str | None = None  # how the citizen is told: sms | window (and always event/application)
    delivered_at: datetime | None = None
    tracking_no: str = ""
    carrier: str = ""
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.state not in FINISHED

    def on_time(self) -> bool | None:
        """Concluded (or rejected) before its due date; None while the clock still runs."""
        end = self.concluded_at
        if self.due_at is None:
            return None
        if end is None:
            return None
        return end < self.due_at

    def overdue(self, now: datetime) -> bool:
        if self.due_at is None:
            return False
        if self.concluded_at is not None:
            return self.concluded_at >= self.due_at
        return self.state in CLOCK_RUNS and now >= self.due_at


class ApplicationsMixin(EngineState):
    """Uses HallEngine's state (config, services, bundles, tickets, counters) and its work calendar."""

    applications = OwnState(dict[str, ApplicationRec])
    application_seq = OwnState(dict[tuple[str, date], int])
    # (ticket id, service id) -> case_no: one application per item of a ticket.
    application_by_ticket = OwnState(dict[tuple[str, str], str])
    pickup_codes = OwnState(dict[str, str])

    # ------------------------------------------------------------ deadlines
    def promise_of(self, service: Any) -> tuple[int, str]:
        """(promised days, 工作日 | 自然日) of an item: the national record's, else the guide's time limit."""
        n = service.national
        if n is not None and n.promise_day is not None:
            return n.promise_day, n.promise_day_type
        return service.guide.time_limit_days, "工作日"

    def is_promised(self, service: Any) -> bool:
        """A 承诺件: the case stays open after the counter."""
        n = service.national
        days, _ = self.promise_of(service)
        if n is not None and n.project_type == "即办":
            return False
        return days > 0

    def _app_times(self, accepted_at: datetime, days: int, kind: str, paused: int) -> tuple[datetime, datetime]:
        """(due_at, warn_at) for a promise of `days` plus `paused` days spent on corrections."""
        cal = self.work_calendar
        share = self.config.alerts.application_warn_pct / 100
        if kind == "自然日":
            day = cal.local_day(accepted_at)
            due = cal.end_of(day + timedelta(days=days + paused))
            warn = cal.end_of(day) + timedelta(days=days * share + paused)
            return due, min(warn, due)
        return cal.add_working_time(accepted_at, days + paused), cal.add_working_time(
            accepted_at, days * share + paused
        )

    def _dept_code(self, service: Service, counter_id: str | None) -> str:
        if service.national is not None and service.national.dept_code:
            return service.national.dept_code
        codes = self.config.platform.department_codes
        if service.department in codes:
            return codes[service.department]
        counter = self.counter_cfg.get(counter_id) if counter_id else None
        if counter is not None and counter.department in codes:
            return codes[counter.department]
        return self.config.site.id.upper()

    # ------------------------------------------------------------ commands
    @handles(ApplicationAction)
    def _do_ApplicationAction(self, cmd: ApplicationAction, now: datetime) -> Result:
        if cmd.action == "accept" or (cmd.action == "reject" and cmd.case_no is None):
            return self._open_application(cmd, now)
        if cmd.case_no is None:
            raise Rejected(
                "invalid_request", f"缺少办件编号（case_no）：{APP_ACTION_NAMES.get(cmd.action, cmd.action)}须指明办件"
            )
        app = self.applications.get(cmd.case_no) or self.applications.get(self.pickup_codes.get(cmd.case_no, ""))
        if app is None:
            raise Rejected("not_found", f"没有编号或取件码为 {cmd.case_no!r} 的办件")
        if cmd.action not in APP_TRANSITIONS:
            raise Rejected("invalid_request", f"未知的办件步骤 {cmd.action!r}")
        starts, to_state = APP_TRANSITIONS[cmd.action]
        if app.state not in starts:
            names = "、".join(APP_STATE_NAMES[s] for s in starts)
            raise Rejected(
                "conflict",
                f"办件 {app.case_no} 现为{APP_STATE_NAMES[app.state]}：{APP_ACTION_NAMES[cmd.action]}只能在{names}时进行",
            )
        self._check_counter_may(cmd, app)
        data: dict[str, Any] = {
            "case_no": app.case_no,
            "action": cmd.action,
            "from_state": app.state,
            "to_state": to_state,
            "note": cmd.note.strip(),
            "by": cmd.by,
            "counter_id": cmd.counter_id,
        }
        if cmd.action == "correct":
            materials = [m.strip() for m in cmd.missing_materials if m.strip()]
            if not materials:
                raise Rejected("invalid_request", "补正告知须列出所缺材料（missing_materials）")
            data["missing_materials"] = materials
        elif cmd.action == "resubmit":
            data["paused_days"] = self._paused_days(app, now)
            due, warn = self._app_times(
                app.accepted_at, app.promise_days, app.promise_day_type, app.paused_days + data["paused_days"]
            )
            data["due_at"], data["warn_at"] = due.isoformat(), warn.isoformat()
        elif cmd.action == "reject":
            if not cmd.reason.strip():
                raise Rejected("invalid_request", "不予受理须写明理由（reason）")
            data["reason"] = cmd.reason.strip()
        elif cmd.action == "conclude":
            data["outcome"] = cmd.outcome or "approved"
        elif cmd.action == "result-ready":
            data["delivery"] = cmd.delivery or "pickup"
            if data["delivery"] == "pickup":
                if not cmd.pickup_code:
                    raise Rejected("internal", "没有为该办件结果生成取件码")
                data["pickup_code"] = cmd.pickup_code
                data["pickup_service_id"] = self.config.platform.pickup_service_id
            data["notice"] = "sms" if self.config.platform.notice_endpoint else "window"
            if cmd.carrier:
                data["carrier"] = cmd.carrier.strip()
        elif cmd.action == "deliver":
            if app.delivery == "post" and not (cmd.tracking_no or "").strip():
                raise Rejected("invalid_request", "邮寄的办件结果须填写快递单号（tracking_no）")
            if cmd.tracking_no:
                data["tracking_no"] = cmd.tracking_no.strip()
            if cmd.carrier:
                data["carrier"] = cmd.carrier.strip()
        out: list[Event] = []
        self._emit(out, ev.APPLICATION_STEP, now, **data)
        return Result(out, {"application": self.application_view(app, now)})

    def _check_counter_may(self, cmd: ApplicationAction, app: ApplicationRec) -> None:
        """A counter works on the applications it accepted; any counter hands results out (出件) or records
        a step of its own department's applications; a supervisor may do any step."""
        if cmd.counter_id is None or cmd.counter_id == app.counter_id:
            return
        if cmd.action in ("result-ready", "deliver"):
            return
        counter = self.counter_cfg.get(cmd.counter_id)
        if counter is not None and counter.department and counter.department == app.department:
            return
        raise Rejected("forbidden", f"办件 {app.case_no} 由其他部门的窗口受理，本窗口不能办理")

    def _paused_days(self, app: ApplicationRec, now: datetime) -> int:
        cal = self.work_calendar
        start = cal.local_day(app.paused_at or now)
        if app.promise_day_type == "自然日":
            return (cal.local_day(now) - start).days
        return cal.working_days_between(start, cal.local_day(now))

    def _open_application(self, cmd: ApplicationAction, now: datetime) -> Result:
        t = self._ticket(cmd.ticket_id) if cmd.ticket_id else None
        if cmd.counter_id is not None:
            if t is None:
                raise Rejected("invalid_request", "缺少办事群众的号（ticket_id）")
            if t.counter_id != cmd.counter_id:
                raise Rejected("conflict", f"{t.number} 不是在{counter_name(self.counter_cfg, cmd.counter_id)}办理的")
        service_id = cmd.service_id or (t.service_id if t else None)
        if service_id is None:
            raise Rejected("invalid_request", "缺少申请的事项（service_id）")
        if t is not None and service_id != t.service_id:
            bundle = self.bundles.get(t.service_id)
            if bundle is None or service_id not in bundle.service_ids:
                raise Rejected("conflict", f"{t.number} 取的是其他事项的号")
        service = self.services.get(service_id)
        if service is None:
            raise Rejected("not_found", f"本大厅没有事项 {service_id!r}")
        rejecting = cmd.action == "reject"
        if not rejecting and not self.is_promised(service):
            raise Rejected("conflict", f"{service.name}是即办件：在窗口当场办结，不另立办件")
        if rejecting and not cmd.reason.strip():
            raise Rejected("invalid_request", "不予受理须写明理由（reason）")
        if t is not None and (t.id, service.id) in self.application_by_ticket:
            raise Rejected(
                "conflict",
                f"{t.number} 已有此事项的办件 {self.application_by_ticket[(t.id, service.id)]}",
            )
        counter_id = cmd.counter_id or (t.counter_id if t else None)
        dept = self._dept_code(service, counter_id)
        day = self.local_day(now)
        seq = self.application_seq.get((dept, day), 0) + 1
        days, kind = self.promise_of(service)
        due, warn = (None, None) if rejecting else self._app_times(now, days, kind, 0)
        codes = {}
        if service.national is not None:
            n = service.national
            codes = {
                "catalog_code": n.catalog_code,
                "task_code": n.task_code,
                "task_handle_item": n.task_handle_item,
                "dept_code": n.dept_code,
            }
        counter = self.counters.get(counter_id) if counter_id else None
        out: list[Event] = []
        self._emit(
            out,
            ev.APPLICATION_OPENED,
            now,
            case_no=f"{dept}{day:%Y%m%d}{seq:04d}",
            dept=dept,
            seq=seq,
            day=day.isoformat(),
            service_id=service.id,
            task_name=service.name,
            codes={k: v for k, v in codes.items() if v},
            department=service.department,
            state=REJECTED if rejecting else ACCEPTED,
            promise_days=days,
            promise_day_type=kind,
            due_at=due.isoformat() if due else None,
            warn_at=warn.isoformat() if warn else None,
            counter_id=counter_id,
            operator_id=counter.operator_id if counter else None,
            ticket_id=t.id if t else None,
            holder_masked=dict(t.holder_masked) if t and t.holder_masked else None,
            holder_hash=t.holder_hash if t else None,
            reason=cmd.reason.strip(),
            note=cmd.note.strip(),
            by=cmd.by,
        )
        app = self.applications[f"{dept}{day:%Y%m%d}{seq:04d}"]
        return Result(out, {"application": self.application_view(app, now)})

    @handles(ViewApplications)
    def _do_ViewApplications(self, cmd: ViewApplications, now: datetime) -> Result:
        if cmd.case_no is not None:
            app = self.applications.get(cmd.case_no) or self.applications.get(self.pickup_codes.get(cmd.case_no, ""))
            if app is None:
                raise Rejected("not_found", f"没有编号或取件码为 {cmd.case_no!r} 的办件")
            return Result([], {"application": self.application_view(app, now)})
        chosen = [
            a
            for a in self.applications.values()
            if (cmd.include_closed or a.open)
            and (cmd.state is None or a.state == cmd.state)
            and (cmd.counter_id is None or a.counter_id == cmd.counter_id)
        ]
        chosen.sort(key=lambda a: (a.due_at is None, a.due_at or a.accepted_at))  # the most urgent first
        return Result(
            [],
            {
                "applications": [self.application_view(a, now, history=False) for a in chosen[:200]],
                "total": len(chosen),
                "counts": self.application_counts(now),
            },
        )

    def application_counts(self, now: datetime) -> dict[str, int]:
        """For state/platform: open ones, yellow (80 % spent), overdue, results waiting to be handed out."""
        counts = {"open": 0, "warned": 0, "overdue": 0, "result_ready": 0}
        for a in self.applications.values():
            if not a.open:
                continue
            counts["open"] += 1
            if a.state == RESULT_READY:
                counts["result_ready"] += 1
            if a.state in CLOCK_RUNS and a.due_at is not None and a.warn_at is not None:
                if now >= a.due_at:
                    counts["overdue"] += 1
                elif now >= a.warn_at:
                    counts["warned"] += 1
        return counts

    def application_view(self, app: ApplicationRec, now: datetime, history: bool = True) -> dict[str, Any]:
        t = self.tickets.get(app.ticket_id) if app.ticket_id else None
        view: dict[str, Any] = {
            "case_no": app.case_no,
            "state": app.state,
            "state_name": APP_STATE_NAMES[app.state],
            "service_id": app.service_id,
            "task_name": app.task_name,
            **{k: app.codes.get(k) for k in ("catalog_code", "task_code", "task_handle_item", "dept_code")},
            "department": app.department,
            "accepted_at": app.accepted_at.isoformat(),
            "promise_days": app.promise_days,
            "promise_day_type": app.promise_day_type,
            "due_at": app.due_at.isoformat() if app.due_at else None,
            "warn_at": app.warn_at.isoformat() if app.warn_at else None,
            "overdue": app.overdue(now),
            "on_time": app.on_time(),
            "counter_id": app.counter_id,
            "ticket_id": app.ticket_id,
            "ticket_number": t.number if t else None,
            "holder_masked": dict(app.holder_masked) if app.holder_masked else None,
            "concluded_at": app.concluded_at.isoformat() if app.concluded_at else None,
            "outcome": app.outcome,
            "reject_reason": app.reject_reason or None,
            "delivery": app.delivery,
            "pickup_code": app.pickup_code,
            "notice": app.notice,
            "delivered_at": app.delivered_at.isoformat() if app.delivered_at else None,
            "tracking_no": app.tracking_no or None,
            "carrier": app.carrier or None,
            "corrections": [dict(c) for c in app.corrections],
            "next_steps": [a for a, (starts, _) in APP_TRANSITIONS.items() if app.state in starts],
        }
        if app.state == RESULT_READY and app.delivery == "pickup":
            view["pickup"] = self.pickup_view()
        if history:
            view["history"] = [dict(h) for h in app.history]
        return view

    def pickup_view(self) -> dict[str, Any] | None:
        """Where a result is collected: the 综合出件 item, its queue and the counters serving it now."""
        sid = self.config.platform.pickup_service_id
        svc = self.services.get(sid) if sid else None
        if svc is None:
            return None
        return {
            "service_id": svc.id,
            "queue_id": svc.queue_id,
            "counter_numbers": sorted(
                self.counter_cfg[c.id].number for c in self.counters.values() if svc.queue_id in c.queue_ids
            ),
        }

    # ------------------------------------------------------------ applying events
    @applies("application_opened")
    def _on_application_opened(self, at: datetime, d: dict[str, Any]) -> None:
        app = ApplicationRec(
            case_no=d["case_no"],
            service_id=d["service_id"],
            task_name=d.get("task_name", ""),
            codes=dict(d.get("codes") or {}),
            department=d.get("department", ""),
            state=d["state"],
            accepted_at=at,
            promise_days=d["promise_days"],
            promise_day_type=d.get("promise_day_type", "工作日"),
            due_at=datetime.fromisoformat(d["due_at"]) if d.get("due_at") else None,
            warn_at=datetime.fromisoformat(d["warn_at"]) if d.get("warn_at") else None,
            counter_id=d.get("counter_id"),
            operator_id=d.get("operator_id"),
            ticket_id=d.get("ticket_id"),
            holder_masked=d.get("holder_masked"),
            holder_hash=d.get("holder_hash"),
            reject_reason=d.get("reason", "") if d["state"] == REJECTED else "",
        )
        app.history.append(
            {
                "at": at.isoformat(),
                "action": "reject" if app.state == REJECTED else "accept",
                "action_name": APP_ACTION_NAMES["reject" if app.state == REJECTED else "accept"],
                "from": None,
                "to": app.state,
                "note": d.get("note") or d.get("reason") or "",
                "by": d.get("by", ""),
            }
        )
        self.applications[app.case_no] = app
        key = (d["dept"], date.fromisoformat(d["day"]))
        self.application_seq[key] = max(self.application_seq.get(key, 0), d["seq"])
        if app.ticket_id:
            self.application_by_ticket[(app.ticket_id, app.service_id)] = app.case_no

    @applies("application_step")
    def _on_application_step(self, at: datetime, d: dict[str, Any]) -> None:
        app = self.applications[d["case_no"]]
        action = d["action"]
        app.state = d["to_state"]
        if action == "correct":
            app.paused_at = at
            app.corrections.append({"at": at.isoformat(), "materials": list(d["missing_materials"]), "note": d["note"]})
        elif action == "resubmit":
            app.paused_days += d.get("paused_days", 0)
            app.paused_at = None
            app.due_at, app.warn_at = datetime.fromisoformat(d["due_at"]), datetime.fromisoformat(d["warn_at"])
        elif action == "reject":
            app.reject_reason = d.get("reason", "")
            app.concluded_at = at
        elif action == "conclude":
            app.concluded_at, app.outcome = at, d.get("outcome", "approved")
        elif action == "result-ready":
            app.result_ready_at, app.delivery, app.notice = at, d.get("delivery"), d.get("notice")
            app.carrier = d.get("carrier", app.carrier)
            if d.get("pickup_code"):
                app.pickup_code = d["pickup_code"]
                self.pickup_codes[d["pickup_code"]] = app.case_no
        elif action == "deliver":
            app.delivered_at = at
            app.tracking_no = d.get("tracking_no", app.tracking_no)
            app.carrier = d.get("carrier", app.carrier)
            if app.pickup_code:
                self.pickup_codes.pop(app.pickup_code, None)
        step = {
            "at": at.isoformat(),
            "action": action,
            "action_name": APP_ACTION_NAMES.get(action, action),
            "from": d["from_state"],
            "to": d["to_state"],
            "note": d.get("note", ""),
            "by": d.get("by", ""),
        }
        for key in ("missing_materials", "reason", "outcome", "delivery", "tracking_no", "carrier", "due_at"):
            if key in d:
                step[key] = d[key]
        app.history.append(step)
