"""Domain events → protocol v1 events. State topics are rebuilt from the engine after each batch."""

from __future__ import annotations

from typing import Any

from ..engine import events as ev
from ..engine.events import Event
from ..engine.hall import HallEngine
from ..engine.records import counter_seconds
from .access import access_events
from .applications import application_events
from .handover import protocol_event as handover_event
from .ticket_fields import ticket_fields


def protocol_events(engine: HallEngine, e: Event) -> list[tuple[str, dict[str, Any]]]:
    """(event kind, payload) pairs to publish for one domain event; none carries personal data."""
    d, at = e.data, e.at.isoformat()
    if e.type == ev.TICKET_ISSUED:
        return [
            (
                "issued",
                {
                    "at": at,
                    "ticket_id": d["id"],
                    "number": d["number"],
                    "queue_id": d["queue_id"],
                    "service_id": d["service_id"],
                    "channel": d["channel"],
                    "waiting_ahead": d.get("waiting_ahead"),
                    "kiosk_id": d.get("kiosk_id"),
                    "priority": d.get("priority"),
                },
            )
        ]
    if e.type == ev.TICKET_CALLED:
        return [("called", engine.called_event(d["ticket_id"], d["counter_id"], d.get("recall", 0), e.at))]
    if e.type == ev.TICKET_FINISHED:
        t = engine.tickets[d["ticket_id"]]
        waited = int((t.called_at - t.issued_at).total_seconds()) if t.called_at else None
        served = int(counter_seconds(t, e.at)) if t.called_at else None  # time on hold (挂起) left out
        return [
            (
                "finished",
                {
                    **ticket_fields(at, t),
                    "counter_id": d["counter_id"],
                    "outcome": d["outcome"],
                    "waited_s": waited,
                    "served_s": served,
                },
            )
        ]
    if e.type == ev.TICKET_NO_SHOW:
        t = engine.tickets[d["ticket_id"]]
        return [("no-show", {**ticket_fields(at, t), "counter_id": d["counter_id"]})]
    if e.type == ev.TICKET_TRANSFERRED:
        t = engine.tickets[d["ticket_id"]]
        return [
            (
                "transferred",
                {
                    "at": at,
                    "ticket_id": t.id,
                    "number": t.number,
                    "from_queue_id": d["from_queue_id"],
                    "to_queue_id": d["to_queue_id"],
                    "counter_id": d.get("counter_id"),
                },
            )
        ]
    if e.type in (ev.COUNTER_REBALANCED, ev.COUNTER_ASSIGNED):
        to = d["to_queue_ids"] if e.type == ev.COUNTER_REBALANCED else d["queue_ids"]
        if e.type == ev.COUNTER_ASSIGNED and d["from_queue_ids"] == to:
            return []
        by = "rebalancer" if e.type == ev.COUNTER_REBALANCED else d.get("by", "supervisor")
        reason = d.get("reason") or "主管调整窗口业务 (supervisor assignment)"
        return [
            (
                "rebalanced",
                {
                    "at": at,
                    "counter_id": d["counter_id"],
                    "from_queue_ids": d["from_queue_ids"],
                    "to_queue_ids": to,
                    "reason": reason,
                    "by": by,
                    "counter_number": engine.counter_cfg[d["counter_id"]].number,
                },
            )
        ]
    if e.type == ev.ALERT_RAISED:
        extra = d.get("extra", {})
        return [
            (
                "alert",
                {
                    "at": at,
                    "id": d["id"],
                    "kind": d["kind"],
                    "severity": d["severity"],
                    "message": d["message"],
                    **{k: v for k, v in extra.items() if isinstance(v, str | int | float)},
                },
            )
        ]
    if e.type in (ev.ALERT_ESCALATED, ev.ALERT_CLEARED, ev.ALERT_ACKED):
        return _alert_change(engine, e)
    if e.type in (ev.CASE_OPENED, ev.CASE_STEP):
        case = engine.cases[d["id"] if e.type == ev.CASE_OPENED else d["case_id"]]
        return [
            (
                "case",
                {
                    "at": at,
                    "case_id": case.id,
                    "kind": case.kind,
                    "state": case.state,
                    "action": "open" if e.type == ev.CASE_OPENED else d["action"],
                    "deadline": case.deadline.isoformat(),
                    "counter_id": case.counter_id,
                    "queue_id": case.queue_id,
                },
            )
        ]
    if e.type == ev.NOTICE_DUE:  # added: the gateway's "come now" notice (ticket id and number, no address)
        t = engine.tickets[d["ticket_id"]]
        rec = engine.notice_requests[d["ticket_id"]]
        return [
            (
                "come-now",
                {
                    **ticket_fields(at, t),
                    "service_id": t.service_id,
                    "channel": rec.channel,
                    "travel_min": rec.travel_min,
                    "p_called": d.get("p_called", 0.0),
                },
            )
        ]
    if e.type == ev.NOTICE_POSTED:
        return [("notice", {"at": at, "text": d["text"], "zone": d.get("zone"), "until": d.get("until")})]
    if e.type in RESERVE_STATES:
        return [("reserve", reserve_event(engine, e))]
    return access_events(engine, e) or handover_event(engine, e) or application_events(engine, e)


RESERVE_STATES = {
    ev.RESERVE_ASKED: "asked",
    ev.RESERVE_CANCELLED: "cancelled",
    ev.RESERVE_TAKEN: "taken",
    ev.RESERVE_RELEASED: "released",
    ev.RESERVE_CLOSED: "closed",
}


def reserve_event(engine: HallEngine, e: Event) -> dict[str, Any]:
    """`event/reserve` (docs/planning.md): a reserve window's step, for counter terminals and the tablet."""
    d = e.data
    counter = engine.counter_cfg.get(d.get("counter_id") or "")
    return {
        "at": e.at.isoformat(),
        "reserve_id": d["reserve_id"],
        "ask_id": d.get("ask_id"),
        "state": RESERVE_STATES[e.type],
        "counter_id": d.get("counter_id"),
        "counter_number": counter.number if counter is not None else None,
        "queue_ids": d.get("queue_ids", []),
        "reason": d.get("reason"),
        "ready_by": d.get("ready_by"),
        "minutes": d.get("minutes"),
        "by": d.get("by"),
    }


def _alert_change(engine: HallEngine, e: Event) -> list[tuple[str, dict[str, Any]]]:
    """A monitoring alert escalated, cleared or acknowledged: the same `event/alert` with `state`."""
    a = engine.alerts.get(e.data["id"])
    if a is None or not a.data.get("rule"):  # other alerts (recommendations) keep their v1 behaviour
        return []
    state = {ev.ALERT_ESCALATED: "escalated", ev.ALERT_CLEARED: "cleared", ev.ALERT_ACKED: "acked"}[e.type]
    severity = "info" if state == "cleared" else a.severity
    scalars = {k: v for k, v in a.data.items() if isinstance(v, str | int | float)}
    return [
        (
            "alert",
            {
                **scalars,
                "at": e.at.isoformat(),
                "id": a.id,
                "kind": a.kind,
                "severity": severity,
                "message": a.message,
                "state": state,
            },
        )
    ]
