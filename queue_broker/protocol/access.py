"""Payloads added by issue 23 (served like everyone else): hold and resume at the counter (挂起), the
counter's own view, the supervisor's ticket lookup, transfer and annulment, a kiosk's help request, and
materials on file by reference. Additive to protocol v1 (docs/protocol.md, "Serving everyone alike").

Registered in messages.py's action tables at import, so topics, parsing and the broker know them like
every other request. Materials themselves never travel on MQTT: only ids, titles, sizes and one-time
upload or download addresses do.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from .messages import CounterAction, LevelId, LongText, Message, QueueTicketEvent, Request, ShortText, TicketStateName

TicketId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
TicketNumber = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{1,2}[0-9]{3,6}$")]


class _OneTicket(Request):
    """A ticket named by its id or by its number (the citizen holds the paper ticket up)."""

    ticket_id: TicketId | None = None
    number: TicketNumber | None = None

    @model_validator(mode="after")
    def _named(self) -> _OneTicket:
        if not self.ticket_id and not self.number:
            raise ValueError("give ticket_id or number")
        return self


# --- the counter ---------------------------------------------------------------------------------


class CounterHold(Request):
    """`cmd/counter/{counter}/hold`: the citizen at the counter steps aside and keeps the place."""

    note: ShortText | None = None
    missing_materials: list[ShortText] | None = Field(default=None, max_length=20)


class CounterResumeHeld(_OneTicket):
    """`cmd/counter/{counter}/resume-held`: a held citizen is back; call them at this counter."""


class CounterReleaseHeld(_OneTicket):
    """`cmd/counter/{counter}/release-held`: end a hold early (the citizen will not come back today)."""

    note: ShortText | None = None


# --- the supervisor ------------------------------------------------------------------------------


class SupervisorFindTicket(Request):
    """`cmd/supervisor/find-ticket`: tickets of one local day (today when `day` is absent) by id, number,
    counter (called or held there, or served there that day), state or queue; criteria combine."""

    ticket_id: TicketId | None = None
    number: TicketNumber | None = None
    counter_id: LevelId | None = None
    state: TicketStateName | None = None
    queue_id: LevelId | None = None
    day: date | None = None
    limit: Annotated[int, Field(ge=1, le=1000)] | None = None


class SupervisorTransfer(Request):
    """`cmd/supervisor/transfer`: any waiting, called, served or held ticket to another queue."""

    ticket_id: TicketId
    to_queue_id: LevelId
    note: ShortText | None = None


class SupervisorAnnul(Request):
    """`cmd/supervisor/annul`: 作废, with one of the site's `tickets.annul_reasons`."""

    ticket_id: TicketId
    reason: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    note: LongText | None = None


# --- the kiosk -----------------------------------------------------------------------------------


# --- materials on file (by reference: the pages go through the materials door, never MQTT) -----------

MaterialId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]


class CounterMaterials(Request):
    """`cmd/counter/{counter}/materials`, one action per request:
    - `upload` (`ticket_id` or `case_id`, `source`): a one-time address to PUT one page to;
    - `attach` (`material_id` from that PUT, the same owner, `title`): the page joins the file;
    - `list` (owner): the file's pages (ids, titles, sizes, dates: never the pages);
    - `open` (`material_id`): a one-time address to GET the page from, for the counter's screen;
    - `remove` (`material_id`, `reason`): off the file and erased at once."""

    action: Literal["upload", "attach", "list", "open", "remove"]
    ticket_id: TicketId | None = None
    case_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    material_id: MaterialId | None = None
    title: ShortText | None = None
    source: Literal["camera", "scan", "photo"] | None = None
    reason: ShortText | None = None


class TicketMaterials(CounterMaterials):
    """`cmd/ticket/materials`: the same from a kiosk (`upload`, `attach`, `list` only), for a waiting
    ticket it issued itself."""

    kiosk_id: LevelId


# --- events --------------------------------------------------------------------------------------


class HoldEvent(QueueTicketEvent):
    """`event/hold`: a ticket put on hold, resumed (also an `event/called` with `resumed`), or ended
    (`expired`: not back in time; `released`). Numbers only."""

    state: Literal["held", "resumed", "expired", "released"]
    counter_id: str | None = None
    until: AwareDatetime | None = None
    held_s: int | None = None


class AnnulledEvent(QueueTicketEvent):
    """`event/annulled`: a supervisor annulled a ticket (作废). No note: that stays in the event log."""

    reason: str
    by: str | None = None
    counter_id: str | None = None


COUNTER_MODELS: dict[str, type[Request]] = {
    "hold": CounterHold,
    "resume-held": CounterResumeHeld,
    "release-held": CounterReleaseHeld,
    "current": CounterAction,  # read only: the counter's citizen now, with `needs` and the masked holder
    "materials": CounterMaterials,
}
SUPERVISOR_MODELS: dict[str, type[Request]] = {
    "find-ticket": SupervisorFindTicket,
    "transfer": SupervisorTransfer,
    "annul": SupervisorAnnul,
}
TICKET_MODELS: dict[str, type[Request]] = {"materials": TicketMaterials}
EVENT_MODELS: dict[str, type[Message]] = {"hold": HoldEvent, "annulled": AnnulledEvent}
