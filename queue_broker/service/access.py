"""Requests of issue 23 (protocol/access.py) → engine commands: hold and resume at the counter, the
counter's own view, the supervisor's lookup, transfer and annulment, a kiosk's help request."""

from __future__ import annotations

from typing import Any

from ..engine import commands as cmd
from ..engine import events as ev
from ..engine.events import Event
from ..engine.hall import HallEngine
from ..engine.rejected import Rejected
from ..protocol import access as a
from ..protocol import messages as m
from ..protocol.topics import TopicMatch
from .ticket_fields import ticket_fields


def access_command(match: TopicMatch, req: m.Request, sender: str | None) -> Any | None:
    """The engine command for one of issue 23's requests, or None when `req` is not one of them."""
    if match.kind == "counter":
        counter_id, action = match.params["counter"], match.params["action"]
        if isinstance(req, a.CounterHold):
            return cmd.HoldTicket(counter_id, req.note or "", tuple(req.missing_materials or ()))
        if isinstance(req, a.CounterResumeHeld):
            return cmd.ResumeHeld(counter_id, req.ticket_id, req.number)
        if isinstance(req, a.CounterReleaseHeld):
            return cmd.ReleaseHeld(counter_id, req.ticket_id, req.number, req.note or "", by=sender or "")
        if action == "current":
            return cmd.ViewCounter(counter_id)
        if not isinstance(req, a.CounterMaterials):
            return None
    if isinstance(req, a.SupervisorFindTicket):
        return cmd.FindTickets(
            req.ticket_id,
            req.number,
            req.counter_id,
            req.state,
            req.queue_id,
            req.day.isoformat() if req.day else None,
            req.limit,
        )
    if isinstance(req, a.SupervisorTransfer):
        return cmd.SupervisorTransfer(req.ticket_id, req.to_queue_id, req.note or "", by=sender or "supervisor")
    if isinstance(req, a.SupervisorAnnul):
        return cmd.AnnulTicket(req.ticket_id, req.reason, req.note or "", by=sender or "supervisor")
    if isinstance(req, a.CounterMaterials):  # the materials door (queue_broker/materials) takes these first
        raise Rejected(
            "unavailable",
            "本大厅现在不保存材料（materials.enabled 未开启，或材料服务未运行）",
        )
    return None


def access_events(engine: HallEngine, e: Event) -> list[tuple[str, dict[str, Any]]]:
    """(event kind, payload) for issue 23's domain events; [] for others. Numbers only, nothing personal."""
    d, at = e.data, e.at.isoformat()
    if e.type in (ev.TICKET_HELD, ev.TICKET_RESUMED, ev.TICKET_HOLD_ENDED):
        t = engine.tickets[d["ticket_id"]]
        state = {ev.TICKET_HELD: "held", ev.TICKET_RESUMED: "resumed"}.get(e.type) or d.get("reason", "expired")
        hold = {
            **ticket_fields(at, t),
            "state": state,
            "counter_id": d.get("counter_id"),
            "until": d.get("until"),
            "held_s": int(t.held_s),
        }
        out: list[tuple[str, dict[str, Any]]] = [("hold", hold)]
        if e.type == ev.TICKET_RESUMED:  # call screens and voice call the citizen back to this counter
            out.append(("called", engine.called_event(t.id, d["counter_id"], 0, e.at, resumed=True)))
        return out
    if e.type == ev.TICKET_CANCELLED and d.get("reason") == "annulled":
        t = engine.tickets[d["ticket_id"]]
        return [
            (
                "annulled",
                {
                    **ticket_fields(at, t),
                    "reason": d.get("annul_reason", ""),
                    "by": d.get("by"),
                    "counter_id": d.get("counter_id"),
                },
            )
        ]
    return []
