"""Hand-overs between halls, the service's part (the engine's is engine/handover.py; docs/county.md).

Requests travel on `hall/{from}/handover/{to}/request` and answers on `hall/{to}/handover/{from}/reply`,
both QoS 1, over the county link. The link holds them in memory while the WAN is down; what makes a
hand-over survive a link or server restart is that the handing hall's event log keeps every request
without an answer, and this module sends each again, less and less often, until one comes. The
receiving hall answers every copy with the same answer (its engine records it per hand-over id).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

from ..engine import events as ev
from ..engine.commands import ReceiveHandover, SettleHandover
from ..engine.events import Event
from ..engine.hall import HallEngine
from ..link import HallLink
from ..protocol import messages as m
from ..protocol.topics import TopicMatch, Topics

log = logging.getLogger("queue_broker.handover")

FIRST_RESEND_S = 30.0  # then doubling: a day-long WAN cut queues a few dozen copies in the link, not thousands
MAX_RESEND_S = 600.0
SITES_ENV = "HALL_HANDOVER_SITES"  # halls this one may hand over to (its county link's), comma-separated


def handover_sites(env: Mapping[str, str]) -> frozenset[str]:
    return frozenset(s.strip() for s in env.get(SITES_ENV, "").split(",") if s.strip())


def inbound_command(match: TopicMatch, payload: bytes) -> ReceiveHandover | SettleHandover:
    """The engine command for a message from another hall; ProtocolError when it does not fit."""
    if match.kind == "request":
        req = m.parse(m.HandoverRequest, payload)
        return ReceiveHandover(match.params["from"], json.loads(req.model_dump_json()))
    reply = m.parse(m.HandoverReply, payload)
    return SettleHandover(match.params["from"], json.loads(reply.model_dump_json()))


@dataclass
class _Sent:
    at: float
    interval: float


class Outbox:
    """When each pending hand-over was last sent, in memory only: after a restart every pending one is
    sent at once, which is what a restart should do."""

    def __init__(self, link: HallLink, topics: Topics, first_s: float = FIRST_RESEND_S, max_s: float = MAX_RESEND_S):
        self.link, self.topics = link, topics
        self.first_s, self.max_s = first_s, max_s
        self._sent: dict[str, _Sent] = {}

    def after_commit(self, engine: HallEngine, e: Event) -> None:
        """Send a new hand-over at once; forget one that was answered."""
        if e.type == ev.TICKET_HANDED_OVER:
            self._send(engine, e.data["handover_id"])
        elif e.type == ev.HANDOVER_SETTLED:
            self._sent.pop(e.data["handover_id"], None)

    def resend_due(self, engine: HallEngine) -> int:
        if not self.link.connected.is_set():
            return 0  # paho would queue them anyway; sending on the next tick after the reconnect is enough
        now, n = time.monotonic(), 0
        for rec in engine.pending_handovers():
            sent = self._sent.get(rec.id)
            if sent is None or now - sent.at >= sent.interval:
                self._send(engine, rec.id)
                n += 1
        return n

    def _send(self, engine: HallEngine, handover_id: str) -> None:
        rec = engine.handovers_out[handover_id]
        before = self._sent.get(handover_id)
        interval = self.first_s if before is None else min(before.interval * 2, self.max_s)
        self._sent[handover_id] = _Sent(time.monotonic(), interval)
        self.link.publish(self.topics.handover(rec.to_site, "request"), rec.request, qos=1)
        if before is not None:
            log.info("hand-over %s to %s sent again (no answer yet)", handover_id, rec.to_site)


def protocol_event(engine: HallEngine, e: Event) -> list[tuple[str, dict]]:
    """`event/handover` for the hall's own screens, tablets and county overview: ids and states only."""
    d, at, me = e.data, e.at.isoformat(), engine.config.site.id
    if e.type == ev.TICKET_HANDED_OVER:
        t = engine.tickets.get(d["ticket_id"])
        return [
            (
                "handover",
                {
                    "at": at,
                    "handover_id": d["handover_id"],
                    "state": "sent",
                    "from_site": me,
                    "to_site": d["to_site"],
                    "ticket_id": d["ticket_id"],
                    "number": t.number if t else d["request"]["ticket"]["number"],
                    "queue_id": d["request"].get("to_queue_id"),
                    "counter_id": d.get("counter_id"),
                },
            )
        ]
    if e.type == ev.HANDOVER_SETTLED:
        rec = engine.handovers_out[d["handover_id"]]
        remote = d.get("remote_ticket") or {}
        return [
            (
                "handover",
                {
                    "at": at,
                    "handover_id": rec.id,
                    "state": d["state"],
                    "from_site": me,
                    "to_site": rec.to_site,
                    "ticket_id": rec.ticket_id,
                    "number": rec.request["ticket"]["number"],
                    "remote_ticket_id": remote.get("id"),
                    "remote_number": remote.get("number"),
                    "code": (d.get("error") or {}).get("code"),
                    "counter_id": rec.counter_id,
                },
            )
        ]
    if e.type == ev.HANDOVER_RECEIVED:
        t, origin = engine.tickets[d["ticket_id"]], d["origin"]["ticket"]
        return [
            (
                "handover",
                {
                    "at": at,
                    "handover_id": d["handover_id"],
                    "state": "received",
                    "from_site": d["from_site"],
                    "to_site": me,
                    "ticket_id": t.id,
                    "number": t.number,
                    "queue_id": t.queue_id,
                    "origin_ticket_id": origin["id"],
                    "origin_number": origin["number"],
                },
            )
        ]
    if e.type == ev.HANDOVER_REFUSED:
        return [
            (
                "handover",
                {
                    "at": at,
                    "handover_id": d["handover_id"],
                    "state": "refused",
                    "from_site": d["from_site"],
                    "to_site": me,
                    "ticket_id": d["origin_ticket_id"],
                    "number": d["origin_number"],
                    "origin_ticket_id": d["origin_ticket_id"],
                    "origin_number": d["origin_number"],
                    "code": d["code"],
                },
            )
        ]
    return []
