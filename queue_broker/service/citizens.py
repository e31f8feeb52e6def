"""The broker's side of the gateway's commands (docs/gateway.md): status tokens, a citizen's own actions,
the partner's appointment look-ups, and who may rate (docs/security.md).

A status token is HMAC-SHA256 over the ticket id under a key derived from the hall's secret key (the
one that hashes ID numbers), cut to 128 bits and written as 22 characters of base64url. It is derived,
so nothing new is stored: the index token -> ticket is rebuilt in memory from the tickets the broker
already replays, and it answers only for tickets of the current local day. It appears only in replies
(to the issuing kiosk or gateway, and to `cmd/ticket/status`), never on `state/` or `event/` topics.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ..config.models import SiteConfig
from ..engine import commands as cmd
from ..engine.hall import HallEngine
from ..engine.rejected import Rejected
from ..protocol import gateway as g
from ..protocol import messages as m
from ..protocol.topics import TopicMatch

NOT_FOUND_TOKEN = "没有与此查询凭证对应的今日号码（凭证有误或已过期）"


class StatusTokens:
    def __init__(self, hall_key: bytes):
        self._key = hmac.new(hall_key, b"hall status token v1", hashlib.sha256).digest()
        self._by_token: dict[str, str] = {}

    def token(self, ticket_id: str) -> str:
        mac = hmac.new(self._key, ticket_id.encode(), hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def add(self, ticket_id: str) -> None:
        self._by_token[self.token(ticket_id)] = ticket_id

    def rebuild(self, ticket_ids: Iterable[str]) -> None:
        self._by_token = {self.token(tid): tid for tid in ticket_ids}

    def ticket_id(self, token: str) -> str | None:
        return self._by_token.get(token)

    def prune(self, alive: set[str] | dict[str, Any]) -> None:
        self._by_token = {k: v for k, v in self._by_token.items() if v in alive}

    def __len__(self) -> int:
        return len(self._by_token)


class CitizenDesk:
    """Turns the gateway's requests into engine commands or read-only answers."""

    def __init__(self, config: SiteConfig, hall_key: bytes):
        self.tokens = StatusTokens(hall_key)
        self.public_url = config.gateway.public_url
        # the counter terminals' nodes, for the rating a v1 counter terminal still sends on cmd/rating/submit
        self.counter_of_node = {n.id: n.counter_id for n in config.nodes if n.role == "counter" and n.counter_id}

    # ------------------------------------------------------------ tokens in replies
    def decorate(self, ticket: dict[str, Any]) -> dict[str, Any]:
        """Add the status token and URL to a ticket of a reply (never a published message)."""
        token = self.tokens.token(ticket["id"])
        ticket["status_token"] = token
        if self.public_url:
            ticket["status_url"] = f"{self.public_url}/t/{token}"
        return ticket

    def decorate_reply(self, match: TopicMatch, reply: dict[str, Any]) -> None:
        if match.kind == "ticket/issue" and isinstance(reply.get("ticket"), dict):
            self.decorate(reply["ticket"])
        if isinstance(reply.get("return_ticket"), dict):  # printed at the counter: it needs the QR too
            self.decorate(reply["return_ticket"])

    def resolve(self, engine: HallEngine, token: str, now: datetime) -> Any:
        """The ticket of a token, if it is one of today's; else Rejected not_found (a tampered, unknown and
        expired token look the same)."""
        tid = self.tokens.ticket_id(token)
        t = engine.tickets.get(tid) if tid else None
        if t is None or t.day != engine.local_day(now):
            raise Rejected("not_found", NOT_FOUND_TOKEN)
        return t

    # ------------------------------------------------------------ read-only requests
    def read(self, engine: HallEngine, req: m.Request, now: datetime) -> dict[str, Any] | None:
        if isinstance(req, g.TicketView):
            tickets: dict[str, Any] = {}
            today = engine.local_day(now)
            for token in dict.fromkeys(req.status_tokens):
                tid = self.tokens.ticket_id(token)
                t = engine.tickets.get(tid) if tid else None
                tickets[token] = engine.citizen_view(t, now) if t is not None and t.day == today else None
            return m.ok_reply(tickets=tickets)
        if isinstance(req, g.AppointmentStatus):
            view = engine.appointment_view(req.code, req.partner, now)
            if view is None:
                return m.error_reply("not_found", "没有这个预约码的预约")
            tid = view.pop("ticket_id")
            t = engine.tickets.get(tid) if tid else None
            view["ticket"] = (
                {"number": t.number, "status_token": self.tokens.token(t.id), "state": t.state} if t else None
            )
            return m.ok_reply(appointment=view)
        if isinstance(req, g.AppointmentSlots):
            try:
                return m.ok_reply(slots=engine.slots_view(req.service_id, req.date, now))
            except Rejected as exc:
                return m.error_reply(exc.code, exc.message)
        return None

    # ------------------------------------------------------------ changes
    def command(self, engine: HallEngine, match: TopicMatch, req: m.Request, sender: str | None, now: datetime) -> Any:
        """The engine command for a gateway request or a rating, or None for any other request."""
        if isinstance(req, g.TicketCancel):
            return cmd.CancelTicket(self.resolve(engine, req.status_token, now).id)
        if isinstance(req, g.TicketNotify):
            return cmd.RequestNotice(self.resolve(engine, req.status_token, now).id, req.travel_min, req.channel)
        if isinstance(req, g.TicketRate):
            t = self.resolve(engine, req.status_token, now)
            return cmd.SubmitRating(
                t.id, req.level, tuple(req.reasons or ()), req.comment or "", source="token", channel=req.channel
            )
        if isinstance(req, g.CounterRating):
            return cmd.SubmitRating(
                req.ticket_id,
                req.level,
                tuple(req.reasons or ()),
                req.comment or "",
                source=f"counter:{match.params['counter']}",  # the topic, which the ACL lets only it publish
                channel="rating_pad",
            )
        if isinstance(req, m.RatingSubmit):
            if req.status_token is not None:
                t = self.resolve(engine, req.status_token, now)
                if t.id != req.ticket_id:
                    raise Rejected("forbidden", "查询凭证与这个号不符")
                return cmd.SubmitRating(
                    t.id, req.level, tuple(req.reasons or ()), req.comment or "", source="token", channel="qr_code"
                )
            # Deprecated, for the v1 counter terminal until it rates on cmd/counter/{counter}/rating: the
            # sender is the node named by the reply topic, which the ACL does not prove (docs/security.md).
            counter = self.counter_of_node.get(sender or "")
            return cmd.SubmitRating(
                req.ticket_id,
                req.level,
                tuple(req.reasons or ()),
                req.comment or "",
                source=f"counter:{counter}" if counter else "",
                channel="rating_pad" if counter else "",
            )
        return None
