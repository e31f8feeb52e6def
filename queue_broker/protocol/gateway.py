"""The commands the HTTP gateway (and a kiosk with the ticket in hand) sends the broker: additive to v1.

A citizen's own actions name the ticket by its `status_token` (the credential printed in the ticket's
QR code), never by its guessable id: `cmd/ticket/view` (many tokens at once: what the citizen pages
show), `cmd/ticket/cancel`, `cmd/ticket/notify` (ask for a "come now" notice; the address stays with
the gateway), `cmd/ticket/rate` (好差评 from the citizen's page or a kiosk). Partners' appointments add
`cmd/appointment/status` and `cmd/appointment/slots`. A counter rates on its own topic,
`cmd/counter/{counter}/rating`, which the ACL lets only that counter publish. When a notice is due the
broker publishes `event/come-now` (ticket id and number only: no token, no address).

The models register themselves in the action tables of `messages` at import (see the bottom).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from .messages import (
    LevelId,
    LongText,
    Message,
    QueueTicketEvent,
    Request,
    ShortText,
)

# 128 bits of HMAC as unpadded base64url: 22 characters; the pattern allows longer ones later.
StatusToken = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{16,64}$")]
AppointmentCode = Annotated[str, StringConstraints(min_length=1, max_length=32)]
PartnerName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
VIEW_MAX_TOKENS = 200
NotifyChannel = Literal["sms", "wechat", "web"]
RatingChannel = Literal["qr_code", "kiosk"]


class TicketView(Request):
    """`cmd/ticket/view`: the tickets of these tokens → `{"tickets": {token: ticket | null}}` (null: no
    such token, or not today's). Read only."""

    status_tokens: list[StatusToken] = Field(min_length=1, max_length=VIEW_MAX_TOKENS)


class TicketCancel(Request):
    """`cmd/ticket/cancel`: the citizen gives the place up; `conflict` once called."""

    status_token: StatusToken


class TicketNotify(Request):
    """`cmd/ticket/notify`: send a "come now" notice in time to travel `travel_min` minutes. The broker
    decides when (docs/gateway.md); the address never comes here."""

    status_token: StatusToken
    travel_min: Annotated[int, Field(ge=0, le=180)]
    channel: NotifyChannel


class TicketRate(Request):
    """`cmd/ticket/rate`: 好差评 by the citizen (page: `qr_code`; kiosk with the ticket in hand: `kiosk`)."""

    status_token: StatusToken
    level: Annotated[int, Field(ge=1, le=5)]
    reasons: list[ShortText] | None = Field(default=None, max_length=20)
    comment: LongText | None = None
    channel: RatingChannel = "qr_code"


class CounterRating(Request):
    """`cmd/counter/{counter}/rating`: the rating pad of the counter that served the ticket."""

    ticket_id: Annotated[str, StringConstraints(max_length=64)]
    level: Annotated[int, Field(ge=1, le=5)]
    reasons: list[ShortText] | None = Field(default=None, max_length=20)
    comment: LongText | None = None


class AppointmentStatus(Request):
    """`cmd/appointment/status`: one appointment by its code (and the partner that booked it)."""

    code: AppointmentCode
    partner: PartnerName | None = None


class AppointmentSlots(Request):
    """`cmd/appointment/slots`: the bookable slots of an item on a day, with capacity and bookings."""

    service_id: LevelId
    date: date


class ComeNowEvent(QueueTicketEvent):
    """`event/come-now`: a ticket that asked for a notice is now likely enough to be called soon."""

    service_id: str
    channel: NotifyChannel
    travel_min: int
    p_called: float  # the probability of being called within travel_min + margin, when it fired


TICKET_MODELS: dict[str, type[Request]] = {
    "view": TicketView,
    "cancel": TicketCancel,
    "notify": TicketNotify,
    "rate": TicketRate,
}
COUNTER_MODELS: dict[str, type[Request]] = {"rating": CounterRating}
APPOINTMENT_MODELS: dict[str, type[Request]] = {"status": AppointmentStatus, "slots": AppointmentSlots}
EVENT_MODELS: dict[str, type[Message]] = {"come-now": ComeNowEvent}
