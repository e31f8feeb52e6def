"""The closed loops of supervision and the life of a monitoring alert. A mixin of HallEngine.

- **Bad-rating cases** (差评整改, seed art. 39): every rating of 1 or 2 opens one, with a deadline in
  working days. verify → rectify → reply to the citizen → revisit → close; before verification the
  counter may appeal a false rating (申诉), which a supervisor accepts (the rating is annulled) or
  rejects (the case goes on to rectification). A revisit that finds the citizen still unsatisfied
  sends the case back to rectification.
- **Complaints** (有诉即办, seed art. 25): accepted at the complaint window; hand over → supervise
  (optional, repeatable) → feed back → revisit (unsatisfied: handed over again) → rectify → close.
- **Complex questions** (seed art. 17): a one-time notification whose complex question must be
  answered within N working days; one step, `answer`.
- **Monitoring alerts** (电子监察, art. 37–38): raised once per (rule, subject), escalated yellow → red,
  cleared when the condition ends, acknowledged by a supervisor with a note. The rules themselves
  live in `queue_broker/supervision/monitor.py`, a tick task that only sends commands.
- **Device health**, fed from `node/{node}/device/{device}` by `queue_broker/supervision/devices.py`.
- **Default-satisfied ratings**: a served ticket not rated within the configured days counts as 满意.

Every deadline comes from the working-day calendar and is stored in the event, so a replay never
depends on a calendar edited later. Like the rest of the engine: no I/O (the calendar's override
file is read once when the engine first needs it), no clock, no randomness.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any, cast

from ..supervision.calendar import WorkCalendar
from . import events as ev
from .commands import (
    AckAlert,
    ApplyDefaultRatings,
    CaseAction,
    ClearAlert,
    EscalateAlert,
    OpenComplaint,
    OpenComplexQuestion,
    RaiseAlert,
    RecordDeviceHealth,
    SubmitRating,
    ViewCases,
)
from .dispatch import applies, handles
from .events import Event
from .records import DONE, AlertRec, served_where
from .rejected import Rejected, Result
from .state import EngineState, OwnState

BAD_RATING, COMPLAINT, COMPLEX_QUESTION = "bad_rating", "complaint", "complex_question"
KIND_PREFIX = {BAD_RATING: "CP", COMPLAINT: "TS", COMPLEX_QUESTION: "YW"}  # 差评, 投诉, 疑问
KIND_NAMES = {BAD_RATING: "差评整改", COMPLAINT: "有诉即办", COMPLEX_QUESTION: "复杂问题告知"}
INITIAL_STATE = {BAD_RATING: "opened", COMPLAINT: "accepted", COMPLEX_QUESTION: "opened"}

# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, dict[str, tuple[tuple[str, ...], str]]] = {
    BAD_RATING: {
        "verify": (("opened",), "verified"),
        "appeal": (("opened",), "appealed"),
        "appeal-accept": (("appealed",), "annulled"),
        "appeal-reject": (("appealed",), "verified"),
        "rectify": (("verified",), "rectified"),
        "reply": (("rectified",), "replied"),
        "revisit": (("replied",), "revisited"),  # unsatisfied: back to "verified"
        "close": (("revisited",), "closed"),
    },
    COMPLAINT: {
        "handover": (("accepted",), "handed_over"),
        "supervise": (("handed_over", "supervised"), "supervised"),
        "feedback": (("handed_over", "supervised"), "fed_back"),
        "revisit": (("fed_back",), "revisited"),  # unsatisfied: back to "handed_over"
        "rectify": (("revisited",), "rectified"),
        "close": (("rectified",), "closed"),
    },
    COMPLEX_QUESTION: {
        "answer": (("opened",), "answered"),
    },
}
REVISIT_UNSATISFIED = {BAD_RATING: "verified", COMPLAINT: "handed_over"}
TERMINAL = frozenset({"closed", "annulled", "answered"})
COUNTER_STEPS = frozenset({"answer", "appeal", "rectify"})  # what a counter terminal may do on its own cases
STATE_NAMES = {
    "opened": "待核实",
    "verified": "已核实待整改",
    "appealed": "申诉审核中",
    "annulled": "申诉成立·差评撤销",
    "rectified": "已整改待反馈",
    "replied": "已反馈待回访",
    "revisited": "已回访待办结",
    "closed": "已办结",
    "accepted": "已受理待转办",
    "handed_over": "已转办",
    "supervised": "督办中",
    "fed_back": "已反馈待回访",
    "answered": "已告知",
}
ACTION_NAMES = {
    "open": "受理",
    "verify": "核实",
    "appeal": "申诉",
    "appeal-accept": "申诉成立",
    "appeal-reject": "申诉驳回",
    "rectify": "整改",
    "reply": "反馈",
    "revisit": "回访",
    "close": "办结",
    "handover": "转办",
    "supervise": "督办",
    "feedback": "反馈",
    "answer": "告知",
}
FAULT_STATES = frozenset({"fault", "unknown"})


@dataclass
class CaseRec:
    id: str
    kind: str
    state: str
    opened_at: datetime
    deadline: datetime
    warn_at: datetime
    summary: str = ""
    counter_id: str | None = None
    queue_id: str | None = None
    service_id: str | None = None
    ticket_id: str | None = None
    operator_id: str | None = None
    level: int | None = None
    reasons: list[str] = field(default_factory=list)
    category: str = ""
    handler: str | None = None  # the department a complaint was handed over to
    history: list[dict[str, Any]] = field(default_factory=list)
    closed_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.state not in TERMINAL

    def overdue(self, now: datetime) -> bool:
        """Still open at or past its deadline, or finished after it."""
        if self.closed_at is not None:
            return self.closed_at >= self.deadline
        return now >= self.deadline


@dataclass
class DeviceRec:
    node_id: str
    device_id: str
    kind: str
    ok: bool
    state: str
    message: str
    since: datetime  # when the state last changed
    updated_at: datetime

    @property
    def faulty(self) -> bool:
        return not self.ok and self.state in FAULT_STATES


class CasesMixin(EngineState):
    """Uses HallEngine's state (config, tickets, counters, alerts, ratings); mixed in before SupervisionMixin."""

    # ------------------------------------------------------------ state of its own (built by replay)
    cases = OwnState(dict[str, CaseRec])
    case_seq = OwnState(dict[tuple[str, date], int])
    # (kind, ticket id) -> case id, so one ticket never opens two cases of a kind.
    case_by_ticket = OwnState(dict[tuple[str, str], str])
    devices = OwnState(dict[tuple[str, str], DeviceRec])
    # (rule, subject) -> the id of its alert while it is not cleared.
    monitor_alerts = OwnState(dict[tuple[str, str], str])

    @cached_property
    def work_calendar(self) -> WorkCalendar:
        return WorkCalendar.from_config(self.config)

    # ============================================================ ratings
    @handles(SubmitRating)
    def _do_SubmitRating(self, cmd: SubmitRating, now: datetime) -> Result:
        if cmd.level <= 2 and cmd.reasons:
            allowed = self.config.ratings.bad_reasons
            unknown = [r for r in cmd.reasons if r not in allowed]
            if unknown:
                raise Rejected(
                    "invalid_request",
                    f"差评理由须为：{'、'.join(allowed)}（{unknown[0]!r} 不在其中）",
                )
        result = super()._do_SubmitRating(cmd, now)
        if cmd.level <= 2:
            t = self.tickets[cmd.ticket_id]
            counter = self.counters.get(t.counter_id) if t.counter_id else None
            case = self._open_case(
                result.events,
                now,
                BAD_RATING,
                self.config.alerts.bad_rating_case_working_days,
                summary=cmd.comment,
                **served_where(t),
                level=cmd.level,
                reasons=list(cmd.reasons),
                operator_id=counter.operator_id if counter else None,
            )
            result.reply["case"] = {"id": case.id, "deadline": case.deadline.isoformat()}
        return result

    def default_rating_rule(self) -> tuple[int, bool, int] | None:
        """(days, working days?, level) of the default-satisfied rule, or None when it is off."""
        rule = self.config.ratings.default_satisfied
        days = rule.after_days if rule.after_days is not None else self.config.alerts.default_satisfied_after_days
        if days is None:
            return None
        return days, rule.working_days, rule.level

    def default_rating_due(self, finished_at: datetime) -> datetime | None:
        """When a ticket finished at `finished_at` and still unrated counts as the default level."""
        rule = self.default_rating_rule()
        if rule is None:
            return None
        days, working, _level = rule
        cal = self.work_calendar
        if working:
            return cal.deadline(finished_at, days)
        return cal.end_of(cal.local_day(finished_at) + timedelta(days=days))

    @handles(ApplyDefaultRatings)
    def _do_ApplyDefaultRatings(self, cmd: ApplyDefaultRatings, now: datetime) -> Result:
        rule = self.default_rating_rule()
        if rule is None:
            raise Rejected("conflict", "本大厅未启用默认满意规则（ratings.default_satisfied）")
        days, working, level = rule
        out: list[Event] = []
        for tid in dict.fromkeys(cmd.ticket_ids):
            t = self.tickets.get(tid)
            if t is None or t.state != DONE or t.rating is not None or t.finished_at is None:
                continue
            if now < cast(datetime, self.default_rating_due(t.finished_at)):  # the rule is on: a time
                continue  # not yet: the citizen may still rate
            self._emit(
                out,
                ev.RATING_DEFAULTED,
                now,
                **served_where(t),
                level=level,
                rule=f"{days} {'working ' if working else ''}days",
            )
        return Result(out, {"defaulted": len(out)})

    @applies("rating_defaulted")
    def _on_rating_defaulted(self, at: datetime, d: dict[str, Any]) -> None:
        self.tickets[d["ticket_id"]].rating = d["level"]
        self.ratings[d["ticket_id"]] = {**d, "reasons": [], "comment": "", "default": True, "at": at}

    # ============================================================ cases
    def _open_case(self, out: list[Event], now: datetime, kind: str, working_days: int, **fields: Any) -> CaseRec:
        cal = self.work_calendar
        day = self.local_day(now)
        seq = self.case_seq.get((kind, day), 0) + 1
        case_id = f"{KIND_PREFIX[kind]}-{day:%Y%m%d}-{seq:03d}"
        deadline = cal.deadline(now, working_days)
        warn_at = cal.warn_at(now, working_days, self.config.alerts.case_warn_working_days)
        self._emit(
            out,
            ev.CASE_OPENED,
            now,
            id=case_id,
            kind=kind,
            seq=seq,
            day=day.isoformat(),
            state=INITIAL_STATE[kind],
            deadline=deadline.isoformat(),
            warn_at=warn_at.isoformat(),
            working_days=working_days,
            **fields,
        )
        return self.cases[case_id]

    # ============================================================ the complaint desk
    def is_complaint_desk(self, counter_id: str | None) -> bool:
        """A counter of kind `complaint` (the 好差评/投诉 window): it works every case, as a supervisor does."""
        cfg = self.counter_cfg.get(counter_id) if counter_id else None
        return cfg is not None and cfg.kind == "complaint"

    def _desk_signed_in(self, counter_id: str, doing: str) -> None:
        """Refused unless `counter_id` is the complaint desk with an operator signed in (the log names them)."""
        c = self._counter(counter_id)
        name = self.counter_cfg[counter_id].name
        if not self.is_complaint_desk(counter_id):
            raise Rejected("forbidden", f"只有投诉窗口（类型为 complaint 的窗口）可以{doing}")
        if c.status == "closed" or c.operator_id is None:
            raise Rejected("forbidden", f"{name}未登录：工作人员在该窗口登录后才能{doing}")

    @handles(OpenComplaint)
    def _do_OpenComplaint(self, cmd: OpenComplaint, now: datetime) -> Result:
        if cmd.source == "desk":
            self._desk_signed_in(cmd.desk_counter_id or "", "受理投诉")
        if not cmd.summary.strip():
            raise Rejected("invalid_request", "投诉须写明诉求：办事群众什么事没办成")
        categories = self.config.complaints.categories
        if cmd.category and categories and cmd.category not in categories:
            raise Rejected("invalid_request", f"诉求类别须为：{'、'.join(categories)}")
        counter_id, service_id, queue_id = cmd.counter_id, cmd.service_id, None
        if cmd.ticket_id is not None:
            t = self._ticket(cmd.ticket_id)
            counter_id = counter_id or t.counter_id
            service_id = service_id or t.service_id
            queue_id = t.queue_id
        if counter_id is not None:
            self._counter(counter_id)
        if service_id is not None:
            if service_id not in self.services and service_id not in self.bundles:
                raise Rejected("not_found", f"本大厅没有事项 {service_id!r}")
            if queue_id is None:
                queue_id = (self.services.get(service_id) or self.bundles[service_id]).queue_id
        out: list[Event] = []
        case = self._open_case(
            out,
            now,
            COMPLAINT,
            self.config.complaints.deadline_working_days,
            summary=cmd.summary.strip(),
            category=cmd.category,
            ticket_id=cmd.ticket_id,
            counter_id=counter_id,
            service_id=service_id,
            queue_id=queue_id,
            by=cmd.by,
            **self._taken_in(cmd),
        )
        if cmd.source == "kiosk":  # the citizen's own receipt: what to quote at the window, nothing else
            view = self.case_view(case, now, history=False)
            keep = ("id", "kind", "kind_name", "state", "state_name", "category", "opened_at", "deadline")
            return Result(out, {"case": {k: view[k] for k in keep}})
        return Result(out, {"case": self.case_view(case, now)})

    def _taken_in(self, cmd: OpenComplaint) -> dict[str, Any]:
        """Where a complaint was taken in, for the log (added fields of `case_opened`)."""
        if cmd.source == "supervisor":
            return {}
        out: dict[str, Any] = {"source": cmd.source}
        if cmd.desk_counter_id:
            out["desk_counter_id"] = cmd.desk_counter_id
            out["desk_operator_id"] = self.counters[cmd.desk_counter_id].operator_id
        return out

    @handles(OpenComplexQuestion)
    def _do_OpenComplexQuestion(self, cmd: OpenComplexQuestion, now: datetime) -> Result:
        c = self._counter(cmd.counter_id)
        t = self._ticket(cmd.ticket_id)
        if t.counter_id != c.id or t.state != DONE:
            raise Rejected("conflict", f"{t.number} 不是在{self.counter_cfg[c.id].name}办结的")
        if not cmd.question.strip():
            raise Rejected("invalid_request", "请写下需要答复的复杂问题")
        if (COMPLEX_QUESTION, t.id) in self.case_by_ticket:
            raise Rejected(
                "conflict",
                f"{t.number} 已有复杂问题告知案件 {self.case_by_ticket[(COMPLEX_QUESTION, t.id)]}",
            )
        out: list[Event] = []
        case = self._open_case(
            out,
            now,
            COMPLEX_QUESTION,
            self.config.alerts.complex_answer_working_days,
            summary=cmd.question.strip(),
            ticket_id=t.id,
            counter_id=c.id,
            queue_id=t.queue_id,
            service_id=t.service_id,
            operator_id=c.operator_id,
            by=cmd.by or f"counter:{c.id}",
        )
        return Result(out, {"case": self.case_view(case, now)})

    @handles(CaseAction)
    def _do_CaseAction(self, cmd: CaseAction, now: datetime) -> Result:
        case = self.cases.get(cmd.case_id)
        if case is None:
            raise Rejected("not_found", "没有这个案件")
        table = TRANSITIONS[case.kind]
        if cmd.action not in table:
            raise Rejected(
                "invalid_request",
                f"{KIND_NAMES[case.kind]}案件没有 {cmd.action!r} 这一步；可用的步骤：{'、'.join(table)}",
            )
        if cmd.counter_id is not None and self.is_complaint_desk(cmd.counter_id):
            self._desk_signed_in(cmd.counter_id, f"对案件执行“{ACTION_NAMES.get(cmd.action, cmd.action)}”")
        elif cmd.counter_id is not None:
            if cmd.action not in COUNTER_STEPS:
                raise Rejected("forbidden", f"只有值班长可以对案件执行“{ACTION_NAMES.get(cmd.action, cmd.action)}”")
            if case.counter_id != cmd.counter_id:
                raise Rejected("forbidden", f"案件 {case.id} 不是本窗口的案件")
        if not case.open:
            raise Rejected("conflict", f"案件 {case.id} 已结束（{STATE_NAMES[case.state]}）")
        starts, to_state = table[cmd.action]
        if case.state not in starts:
            raise Rejected(
                "conflict",
                f"案件 {case.id} 现为{STATE_NAMES[case.state]}：“{ACTION_NAMES.get(cmd.action, cmd.action)}”只能在"
                f"{'或'.join(STATE_NAMES[s] for s in starts)}时进行",
            )
        if not cmd.note.strip():
            raise Rejected(
                "invalid_request",
                f"步骤“{ACTION_NAMES.get(cmd.action, cmd.action)}”须填写说明（查明、做了或答复了什么）",
            )
        if cmd.action == "handover" and not (cmd.to or "").strip():
            raise Rejected("invalid_request", "转办须写明转给哪个部门或窗口（'to'）")
        if cmd.action == "revisit":
            if cmd.satisfied is None:
                raise Rejected("invalid_request", "回访须记录办事群众是否满意（'satisfied'）")
            if not cmd.satisfied:
                to_state = REVISIT_UNSATISFIED[case.kind]
        out: list[Event] = []
        data: dict[str, Any] = {
            "case_id": case.id,
            "action": cmd.action,
            "from_state": case.state,
            "to_state": to_state,
            "note": cmd.note.strip(),
            "by": cmd.by,
        }
        if cmd.to:
            data["to"] = cmd.to.strip()
        if cmd.satisfied is not None:
            data["satisfied"] = cmd.satisfied
        if cmd.counter_id is not None:
            data["counter_id"] = cmd.counter_id
            data["operator_id"] = self._counter(cmd.counter_id).operator_id  # added: the clerk who did it
        self._emit(out, ev.CASE_STEP, now, **data)
        return Result(out, {"case": self.case_view(case, now)})

    @handles(ViewCases)
    def _do_ViewCases(self, cmd: ViewCases, now: datetime) -> Result:
        if cmd.case_id is not None:
            case = self.cases.get(cmd.case_id)
            if case is None:
                raise Rejected("not_found", "没有这个案件")
            if not self._may_see(cmd.counter_id, case):
                raise Rejected("forbidden", f"案件 {case.id} 与 {cmd.counter_id} 号窗口无关")
            return Result([], {"case": self.case_view(case, now)})
        chosen = [c for c in self.cases.values() if (cmd.include_closed or c.open) and self._may_see(cmd.counter_id, c)]
        chosen.sort(key=lambda c: c.opened_at, reverse=True)
        return Result(
            [], {"cases": [self.case_view(c, now, history=False) for c in chosen[:200]], "total": len(chosen)}
        )

    def _may_see(self, counter_id: str | None, case: CaseRec) -> bool:
        """A supervisor and the complaint desk see every case; another counter the cases about itself."""
        return counter_id is None or self.is_complaint_desk(counter_id) or case.counter_id == counter_id

    def working_days_left(self, case: CaseRec, now: datetime) -> int | None:
        """Working days after today until the deadline's day (0: due by the end of today); None once
        finished or overdue."""
        if not case.open or now >= case.deadline:
            return None
        cal = self.work_calendar
        last_day = cal.local_day(case.deadline - timedelta(microseconds=1))
        return cal.working_days_between(cal.local_day(now), last_day)

    def case_view(self, case: CaseRec, now: datetime, history: bool = True) -> dict[str, Any]:
        t = self.tickets.get(case.ticket_id) if case.ticket_id else None
        view: dict[str, Any] = {
            "id": case.id,
            "kind": case.kind,
            "kind_name": KIND_NAMES[case.kind],
            "state": case.state,
            "state_name": STATE_NAMES[case.state],
            "opened_at": case.opened_at.isoformat(),
            "deadline": case.deadline.isoformat(),
            "warn_at": case.warn_at.isoformat(),
            "overdue": case.overdue(now),
            # added: in its last working days (yellow), and how many working days are left
            "due_soon": case.open and case.warn_at <= now < case.deadline,
            "working_days_left": self.working_days_left(case, now),
            "closed_at": case.closed_at.isoformat() if case.closed_at else None,
            "counter_id": case.counter_id,
            "queue_id": case.queue_id,
            "service_id": case.service_id,
            "ticket_id": case.ticket_id,
            "ticket_number": t.number if t else None,
            "level": case.level,
            "reasons": list(case.reasons),
            "category": case.category,
            "summary": case.summary,
            "handler": case.handler,
            "next_steps": [a for a, (starts, _) in TRANSITIONS[case.kind].items() if case.state in starts],
            **self.item_codes(case.service_id),  # the national codes of the item (docs/platform.md)
        }
        if history:
            view["history"] = [dict(h) for h in case.history]
        return view

    @applies("case_opened")
    def _on_case_opened(self, at: datetime, d: dict[str, Any]) -> None:
        case = CaseRec(
            id=d["id"],
            kind=d["kind"],
            state=d["state"],
            opened_at=at,
            deadline=datetime.fromisoformat(d["deadline"]),
            warn_at=datetime.fromisoformat(d["warn_at"]),
            summary=d.get("summary") or "",
            counter_id=d.get("counter_id"),
            queue_id=d.get("queue_id"),
            service_id=d.get("service_id"),
            ticket_id=d.get("ticket_id"),
            operator_id=d.get("operator_id"),
            level=d.get("level"),
            reasons=list(d.get("reasons") or []),
            category=d.get("category") or "",
        )
        case.history.append(
            {
                "at": at.isoformat(),
                "action": "open",
                "action_name": ACTION_NAMES["open"],
                "from": None,
                "to": case.state,
                "note": case.summary,
                "by": d.get("by", ""),
                **({"source": d["source"]} if d.get("source") else {}),
            }
        )
        self.cases[case.id] = case
        day = date.fromisoformat(d["day"])
        self.case_seq[(case.kind, day)] = max(self.case_seq.get((case.kind, day), 0), d["seq"])
        if case.ticket_id:
            self.case_by_ticket[(case.kind, case.ticket_id)] = case.id

    @applies("case_step")
    def _on_case_step(self, at: datetime, d: dict[str, Any]) -> None:
        case = self.cases[d["case_id"]]
        case.state = d["to_state"]
        if d["action"] == "handover":
            case.handler = d.get("to")
        if case.state in TERMINAL:
            case.closed_at = at
        if d["action"] == "appeal-accept" and case.ticket_id in self.ratings:
            self.ratings[case.ticket_id]["annulled"] = True
        step = {
            "at": at.isoformat(),
            "action": d["action"],
            "action_name": ACTION_NAMES.get(d["action"], d["action"]),
            "from": d["from_state"],
            "to": d["to_state"],
            "note": d.get("note", ""),
            "by": d.get("by", ""),
        }
        for k in ("to", "satisfied"):
            if k in d:
                step["handover_to" if k == "to" else k] = d[k]
        if d.get("counter_id"):
            step["counter_id"] = d["counter_id"]
        case.history.append(step)

    # ============================================================ monitoring alerts
    @handles(RaiseAlert)
    def _do_RaiseAlert(self, cmd: RaiseAlert, now: datetime) -> Result:
        rule, subject = cmd.data.get("rule"), cmd.data.get("subject")
        if rule and subject and (rule, subject) in self.monitor_alerts:
            raise Rejected("conflict", f"{subject} 的这项预警已经发出（{self.monitor_alerts[(rule, subject)]}）")
        if cmd.alert_id in self.alerts:
            raise Rejected("conflict", f"预警 {cmd.alert_id} 已存在")
        return super()._do_RaiseAlert(cmd, now)

    @applies("alert_raised")
    def _on_alert_raised(self, at: datetime, d: dict[str, Any]) -> None:
        super()._on_alert_raised(at, d)
        extra = d.get("extra") or {}
        if extra.get("rule") and extra.get("subject"):
            self.monitor_alerts[(extra["rule"], extra["subject"])] = d["id"]

    @handles(EscalateAlert)
    def _do_EscalateAlert(self, cmd: EscalateAlert, now: datetime) -> Result:
        a = self._alert(cmd.alert_id)
        out: list[Event] = []
        if a.cleared_at is None and a.severity != cmd.severity:
            self._emit(
                out, ev.ALERT_ESCALATED, now, id=a.id, severity=cmd.severity, message=cmd.message, extra=dict(cmd.data)
            )
        return Result(out, {"alert_id": a.id})

    @applies("alert_escalated")
    def _on_alert_escalated(self, at: datetime, d: dict[str, Any]) -> None:
        a = self.alerts[d["id"]]
        if a.acked_at is not None:  # the yellow was acknowledged; red needs its own acknowledgement
            a.data = {
                **a.data,
                "earlier_acks": [
                    *a.data.get("earlier_acks", []),
                    {"at": a.acked_at.isoformat(), "note": a.ack_note, "severity": a.severity},
                ],
            }
            a.acked_at, a.ack_note = None, ""
        a.severity, a.message, a.escalated_at = d["severity"], d["message"], at
        a.data = {**a.data, **(d.get("extra") or {})}

    @handles(ClearAlert)
    def _do_ClearAlert(self, cmd: ClearAlert, now: datetime) -> Result:
        a = self._alert(cmd.alert_id)
        out: list[Event] = []
        if a.cleared_at is None:
            self._emit(out, ev.ALERT_CLEARED, now, id=a.id, reason=cmd.reason)
        return Result(out, {"alert_id": a.id})

    @applies("alert_cleared")
    def _on_alert_cleared(self, at: datetime, d: dict[str, Any]) -> None:
        a = self.alerts[d["id"]]
        a.cleared_at = at
        a.data = {**a.data, "cleared_reason": d.get("reason", "")}
        rule, subject = a.data.get("rule"), a.data.get("subject")
        if rule and subject and self.monitor_alerts.get((rule, subject)) == a.id:
            del self.monitor_alerts[(rule, subject)]

    @handles(AckAlert)
    def _do_AckAlert(self, cmd: AckAlert, now: datetime) -> Result:
        a = self.alerts.get(cmd.alert_id)
        if a is not None and a.data.get("rule") and not cmd.note.strip():
            raise Rejected("invalid_request", "确认电子监察预警须填写处理说明")
        return super()._do_AckAlert(cmd, now)

    @staticmethod
    def alert_state(a: AlertRec) -> str:
        if a.cleared_at is not None:
            return "cleared"
        return "acked" if a.acked_at is not None else "open"

    # ============================================================ device health
    @handles(RecordDeviceHealth)
    def _do_RecordDeviceHealth(self, cmd: RecordDeviceHealth, now: datetime) -> Result:
        rec = self.devices.get((cmd.node_id, cmd.device_id))
        out: list[Event] = []
        if rec is None or (rec.ok, rec.state, rec.message, rec.kind) != (cmd.ok, cmd.state, cmd.message, cmd.kind):
            self._emit(out, ev.DEVICE_HEALTH_RECORDED, now, **ev.command_data(cmd))
        return Result(out, {})

    @applies("device_health_recorded")
    def _on_device_health_recorded(self, at: datetime, d: dict[str, Any]) -> None:
        key = (d["node_id"], d["device_id"])
        rec = self.devices.get(key)
        if rec is None or (rec.ok, rec.state) != (d["ok"], d["state"]):
            since = at
        else:
            since = rec.since
        self.devices[key] = DeviceRec(
            node_id=d["node_id"],
            device_id=d["device_id"],
            kind=d["kind"],
            ok=d["ok"],
            state=d["state"],
            message=d.get("message", ""),
            since=since,
            updated_at=at,
        )
