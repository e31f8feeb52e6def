"""Received requests → engine commands. Personal data stops here: an ID number becomes a keyed
hash, a masked form and an age; the engine and the store never see it in clear."""

from __future__ import annotations

from datetime import date

from ..engine import commands as cmd
from ..protocol import messages as m
from ..protocol import planning as pl
from ..protocol import platform as pm
from ..protocol.selfservice import SELFSERVICE_ACTION_MODELS, SelfServiceRecord
from ..protocol.topics import TopicMatch
from ..security.identity import (
    IdentityError,
    age_on,
    holder_hash,
    mask_id_number,
    mask_name,
    validate_id_number,
)
from .access import access_command
from .applications import application_command


class BadRequest(ValueError):
    pass


def request_model(match: TopicMatch) -> type[m.Request] | None:
    if match.kind == "ticket/issue":
        return m.TicketIssue
    if match.kind == "ticket/status":
        return m.TicketStatus
    if match.kind.startswith("ticket/"):  # view, cancel, notify, rate, help, materials (protocol/__init__)
        return m.TICKET_ACTION_MODELS.get(match.kind.split("/", 1)[1])
    if match.kind == "counter":
        return m.COUNTER_ACTION_MODELS.get(match.params["action"])
    if match.kind == "supervisor":
        return m.SUPERVISOR_ACTION_MODELS.get(match.params["action"])
    if match.kind == "appointment":
        return m.APPOINTMENT_ACTION_MODELS.get(match.params["action"])
    if match.kind == "rating/submit":
        return m.RatingSubmit
    if match.kind == "selfservice":
        return SELFSERVICE_ACTION_MODELS.get(match.params["action"])
    return None


def holder_info(holder: m.Holder | None, key: bytes, today: date) -> cmd.HolderInfo | None:
    if holder is None:
        return None
    try:
        number = validate_id_number(holder.id_number)
    except IdentityError as exc:
        raise BadRequest(str(exc)) from None
    return cmd.HolderInfo(
        hash=holder_hash(key, number),
        masked_id=mask_id_number(number),
        masked_name=mask_name(holder.name),
        age=age_on(number, today),
    )


def to_command(match: TopicMatch, req: m.Request, key: bytes, today: date, sender: str | None):
    """The engine command for a request, or None for a read-only request (ticket status)."""
    added = access_command(match, req, sender)  # issue 23's requests (service/access.py)
    if added is not None:
        return added
    if isinstance(req, m.TicketIssue):
        return cmd.IssueTicket(
            kiosk_id=req.kiosk_id,
            service_id=req.service_id,
            channel=req.channel,
            holder=holder_info(req.holder, key, today),
            appointment_code=req.appointment_code,
            remote=bool(req.remote),
            partner=req.partner or "",
            needs=tuple(dict.fromkeys(req.needs or ())),
        )
    if isinstance(req, m.TicketStatus):
        return None
    if isinstance(req, m.TicketHelp):
        return cmd.RequestHelp(req.kiosk_id, req.need, bool(req.cancel), by=sender or req.kiosk_id)
    if isinstance(req, m.TicketComplaint):  # a citizen at a kiosk's help screen (有诉即办)
        return cmd.OpenComplaint(
            req.summary, req.category or "", None, None, req.ticket_id, by=sender or req.kiosk_id, source="kiosk"
        )
    if isinstance(req, pm.ApplicationRequest):  # 办件, from a counter or a supervisor (docs/platform.md)
        return application_command(match, req, sender)
    planning = planning_command(req, match, sender)  # reserve windows and plans (docs/planning.md)
    if planning is not None:
        return planning
    if match.kind == "counter":
        counter_id, action = match.params["counter"], match.params["action"]
        if isinstance(req, m.CounterOpen):
            return cmd.OpenCounter(counter_id, req.operator_id, req.pin)
        if isinstance(req, m.CounterFinish):
            return cmd.FinishTicket(counter_id, req.outcome, tuple(req.missing_materials or ()), req.note or "")
        if isinstance(req, m.CounterTransfer):
            return cmd.TransferTicket(counter_id, req.to_queue_id)
        if isinstance(req, m.CounterComplexQuestion):
            return cmd.OpenComplexQuestion(
                counter_id, req.ticket_id, req.question, by=sender or f"counter:{counter_id}"
            )
        if isinstance(req, m.CounterHandover):
            return cmd.HandOverTicket(
                req.request_id,
                req.to_site,
                req.to_queue_id,
                counter_id=counter_id,
                by=sender or f"counter:{counter_id}",
            )
        if isinstance(req, m.CounterIssuePriority):
            return _priority(req, "counter", sender or f"counter:{counter_id}", counter_id=counter_id)
        if isinstance(req, m.CounterCase):
            if req.action in ("view", "list"):
                return cmd.ViewCases(
                    req.case_id if req.action == "view" else None, bool(req.include_closed), counter_id=counter_id
                )
            if req.case_id is None:
                raise BadRequest("field 'case_id' is missing")
            return cmd.CaseAction(
                req.case_id,
                req.action,
                req.note or "",
                to=req.to,
                satisfied=req.satisfied,
                counter_id=counter_id,
                by=sender or f"counter:{counter_id}",
            )
        if isinstance(req, m.CounterComplaint):
            return _complaint(req, sender or f"counter:{counter_id}", "desk", desk_counter_id=counter_id)
        return cmd.CounterCommand(counter_id, action)
    if isinstance(req, m.SupervisorLogin):
        return cmd.CheckSupervisor(req.supervisor_id, req.pin)
    if isinstance(req, m.SupervisorAssign):
        return cmd.AssignCounter(req.counter_id, tuple(req.queue_ids), req.mode, req.locked, by=sender or "supervisor")
    if isinstance(req, m.SupervisorNotice):
        return cmd.PostNotice(req.text, req.zone, req.until)
    if isinstance(req, m.SupervisorAlertAck):
        return cmd.AckAlert(req.alert_id, req.note or "", by=sender or "supervisor")
    if isinstance(req, m.SupervisorRecommendation):
        return cmd.DecideRecommendation(req.recommendation_id, req.decision, by=sender or "supervisor")
    if isinstance(req, m.SupervisorComplaint):
        return _complaint(req, sender or "supervisor", "supervisor")
    if isinstance(req, m.SupervisorCase):
        if req.action in ("view", "list"):
            return cmd.ViewCases(req.case_id if req.action == "view" else None, bool(req.include_closed))
        if req.case_id is None:
            raise BadRequest("field 'case_id' is missing")
        return cmd.CaseAction(
            req.case_id, req.action, req.note or "", to=req.to, satisfied=req.satisfied, by=sender or "supervisor"
        )
    if isinstance(req, m.SupervisorIssuePriority):
        return _priority(req, "supervisor", sender or "supervisor", supervisor_id=req.supervisor_id)
    if isinstance(req, m.SupervisorHandover):
        return cmd.HandOverTicket(
            req.request_id, req.to_site, req.to_queue_id, ticket_id=req.ticket_id, by=sender or "supervisor"
        )
    if isinstance(req, m.AppointmentBook):
        return ("book", req)  # the runner adds a random code (the engine has no randomness)
    if isinstance(req, m.AppointmentCancel):
        return cmd.CancelAppointment(req.code, req.partner)
    if isinstance(req, m.RatingSubmit):
        return cmd.SubmitRating(req.ticket_id, req.level, tuple(req.reasons or ()), req.comment or "", by=sender or "")
    if isinstance(req, SelfServiceRecord):
        hashed = req.holder_hash  # the kiosk's keyed hash (its self-service key): kept as it came
        if req.holder is not None:  # an older kiosk sent the number: hashed here with the hall's key
            try:
                hashed = holder_hash(key, validate_id_number(req.holder.id_number))
            except IdentityError as exc:
                raise BadRequest(str(exc)) from None
        assert hashed is not None  # the model requires one of the two
        return cmd.RecordSelfService(req.kiosk_id, req.service_id, hashed, req.outcome, req.pages, req.started_at)
    raise BadRequest("this request is not understood")


def _complaint(
    req: m.SupervisorComplaint, by: str, source: str, desk_counter_id: str | None = None
) -> cmd.OpenComplaint:
    """有诉即办 taken in by a supervisor or at the complaint window (`desk_counter_id`)."""
    return cmd.OpenComplaint(
        req.summary,
        req.category or "",
        req.counter_id,
        req.service_id,
        req.ticket_id,
        by=by,
        source=source,
        desk_counter_id=desk_counter_id,
    )


def _priority(req: m.CounterIssuePriority, role: str, by: str, **who: str) -> cmd.IssuePriorityTicket:
    """A staff-issued priority ticket; `role` is the topic family the request came on (the ACL's)."""
    return cmd.IssuePriorityTicket(role, req.service_id, req.priority, req.reason, req.note or "", by=by, **who)


def planning_command(req: m.Request, match: TopicMatch, sender: str | None):
    """Reserve windows and plans (protocol/planning.py): the engine command, or None for other requests."""
    by = sender or "supervisor"
    if isinstance(req, pl.CounterTakeReserve):
        return cmd.TakeReserve(match.params["counter"], req.reserve_id)
    if isinstance(req, pl.SupervisorReserve):
        reason = req.reason or ""
        if req.action == "ask":
            return cmd.AskReserve(req.reserve_id, reason or "主管调用后台人员开窗", tuple(req.queue_ids or ()), by=by)
        if req.action == "cancel":
            return cmd.CancelReserve(req.reserve_id, reason, by=by)
        return cmd.ReleaseReserve(req.reserve_id, reason, by=by)
    if isinstance(req, pl.SupervisorPlan):
        return cmd.RequestPlan(req.what, req.day.isoformat() if req.day else None, req.max_extra, by=by)
    return None
