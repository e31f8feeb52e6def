"""The fields every ticket event of protocol v1 opens with (docs/protocol.md): when, which ticket, its
number and its queue. Numbers only, nothing personal."""

from __future__ import annotations

from typing import Any

from ..engine.records import TicketRec


def ticket_fields(at: str, t: TicketRec) -> dict[str, Any]:
    """`at`, `ticket_id`, `number`, `queue_id`: the head of `event/finished`, `no-show`, `hold`, ..."""
    return {"at": at, "ticket_id": t.id, "number": t.number, "queue_id": t.queue_id}
