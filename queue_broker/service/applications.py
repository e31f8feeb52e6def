"""办件 (applications) on the wire: requests to engine commands, engine events to `event/application`
(docs/platform.md). The pickup code a citizen shows at the 出件 window is made here, at random, because
the engine has none of its own."""

from __future__ import annotations

import secrets
from typing import Any

from ..engine import commands as cmd
from ..engine import events as ev
from ..engine.events import Event
from ..protocol.platform import ApplicationRequest
from ..protocol.topics import TopicMatch

PICKUP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out and typed by citizens


def pickup_code() -> str:
    return "".join(secrets.choice(PICKUP_ALPHABET) for _ in range(6))


def application_command(
    match: TopicMatch, req: ApplicationRequest, sender: str | None
) -> cmd.ApplicationAction | cmd.ViewApplications:
    counter_id = match.params.get("counter") if match.kind == "counter" else None
    if req.action in ("view", "list"):
        return cmd.ViewApplications(
            case_no=req.case_no if req.action == "view" else None,
            include_closed=bool(req.include_closed),
            state=req.state,
        )
    by = sender or (f"counter:{counter_id}" if counter_id else "supervisor")
    return cmd.ApplicationAction(
        action=req.action,
        case_no=req.case_no,
        ticket_id=req.ticket_id,
        service_id=req.service_id,
        counter_id=counter_id,
        note=req.note or "",
        missing_materials=tuple(req.missing_materials or ()),
        reason=req.reason or "",
        outcome=req.outcome,
        delivery=req.delivery,
        tracking_no=req.tracking_no,
        carrier=req.carrier,
        pickup_code=pickup_code() if req.action == "result-ready" and req.delivery != "post" else None,
        by=by,
    )


def application_events(engine: Any, e: Event) -> list[tuple[str, dict[str, Any]]]:
    """`event/application` for a 办件 opened or moved a step: codes, states, dates; never a name, an ID, a
    note or the pickup code (that goes to the citizen only, through the counter's reply or a notice)."""
    if e.type not in (ev.APPLICATION_OPENED, ev.APPLICATION_STEP):
        return []
    app = engine.applications[e.data["case_no"]]
    action = e.data.get("action") or ("reject" if app.state == "rejected" else "accept")
    payload: dict[str, Any] = {
        "at": e.at.isoformat(),
        "case_no": app.case_no,
        "state": app.state,
        "action": action,
        "service_id": app.service_id,
        "task_code": app.codes.get("task_code"),
        "task_handle_item": app.codes.get("task_handle_item"),
        "dept_code": app.codes.get("dept_code"),
        "counter_id": app.counter_id,
        "ticket_id": app.ticket_id,
        "accepted_at": app.accepted_at.isoformat(),
        "due_at": app.due_at.isoformat() if app.due_at else None,
    }
    if action == "result-ready":
        payload["delivery"] = app.delivery
        payload["notice"] = app.notice
    return [("application", payload)]
