"""Hand-overs between halls (同城通办, seed art. 41; docs/county.md). A mixin of HallEngine.

A township counter (or supervisor) hands a ticket to a queue of its county hall for the next step.
Both halls stay autonomous, so a hand-over is two local decisions joined by messages:

- **The handing hall** records `ticket_handed_over` at once: the ticket leaves its queue or counter
  (state `handed_over`, its history kept here) and the event holds the whole request, so the service
  can send it, and send it again, until the other hall answers; the event log is the outbox and
  survives a WAN cut, a link restart and a restart of this hall. The answer becomes `handover_settled`
  (`accepted` with the other hall's ticket, or `refused` with a reason); a ticket refused may be handed
  over again.
- **The receiving hall** turns a request into a ticket of its own (`ticket_issued`, then
  `handover_received` with the origin: hall, original ticket, issue time, service, steps so far, masked
  holder) or records why not (`handover_refused`). Either way it is recorded under (from_site,
  handover_id), so the same request delivered twice gets the same answer and makes one ticket.

Nothing personal travels: the request carries the masked ID and name the ticket already had, never
the keyed hash (it is the handing hall's key, of no use elsewhere) and never a clear ID number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import events as ev
from .commands import HandOverTicket, ReceiveHandover, SettleHandover
from .dispatch import applies, handles
from .events import Event
from .records import CALLED, DONE, NORMAL, SERVING, WAITING, NewTicket, TicketRec
from .rejected import Rejected, Result
from .state import EngineState, OwnState
from .words import ticket_state_name

HANDED_OVER = "handed_over"
SENT, ACCEPTED, REFUSED = "sent", "accepted", "refused"
HANDOVER_FROM = (WAITING, CALLED, SERVING, DONE, HANDED_OVER)  # a supervisor may hand over these
KIOSK_PREFIX = "handover:"  # kiosk_id of a ticket made from another hall's hand-over


@dataclass
class HandoverOut:
    """One of this hall's hand-overs, until (and after) the other hall answers."""

    id: str
    ticket_id: str
    to_site: str
    request: dict[str, Any]  # exactly what is sent, every time
    at: datetime
    state: str = SENT
    remote_ticket: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    counter_id: str | None = None  # the counter the citizen was handed over from, if any


class HandoverMixin(EngineState):
    """Uses HallEngine's state (config, tickets, counters, queues, services, _issue, _emit, ...)."""

    # Made on first use rather than in HallEngine.__init__: the engine's constructor stays as it is.
    handovers_out = OwnState(dict[str, HandoverOut])
    # (from_site, handover_id) -> the reply given, so a second delivery gets the same one.
    handovers_in = OwnState(dict[tuple[str, str], dict[str, Any]])
    # ticket id here -> the request it came from (origin hall, original ticket, history).
    handover_origins = OwnState(dict[str, dict[str, Any]])
    # ticket id -> its latest hand-over id (a refused one may be followed by another).
    ticket_handover = OwnState(dict[str, str])

    # ------------------------------------------------------------ the handing hall
    @handles(HandOverTicket)
    def _do_HandOverTicket(self, cmd: HandOverTicket, now: datetime) -> Result:
        earlier = self.handovers_out.get(cmd.handover_id)
        if earlier is not None:  # the same request again: nothing twice
            return Result([], self.handover_reply_view(earlier, now))
        site = self.config.site.id
        if cmd.to_site == site:
            raise Rejected("invalid_request", "转交是交给其他大厅；本厅内请用转队列")
        counter = None
        if cmd.counter_id is not None:
            counter = self._counter(cmd.counter_id)
            if not counter.current:
                raise Rejected("conflict", f"{self.counter_cfg[counter.id].name}没有可转交的办事群众")
            ticket = self.tickets[counter.current]
        else:
            ticket = self._ticket(cmd.ticket_id or "")
            if ticket.state not in HANDOVER_FROM:
                raise Rejected(
                    "conflict",
                    f"{ticket.number} 现为{ticket_state_name(ticket.state)}：只有等候、已叫号、办理中或已办结的号可以转交",
                )
            if ticket.counter_id and ticket.state in (CALLED, SERVING):
                counter = self.counters[ticket.counter_id]
        if ticket.state == HANDED_OVER:
            last = self.handovers_out[self.ticket_handover[ticket.id]]
            if last.state != REFUSED:
                raise Rejected(
                    "conflict",
                    f"{ticket.number} 已转交给 {last.to_site}"
                    f"（{'对方已受理' if last.state == ACCEPTED else '等待对方答复'}）",
                )
        request = self._handover_request(ticket, cmd, now)
        out: list[Event] = []
        self._emit(
            out,
            ev.TICKET_HANDED_OVER,
            now,
            handover_id=cmd.handover_id,
            ticket_id=ticket.id,
            counter_id=counter.id if counter else None,
            to_site=cmd.to_site,
            request=request,
        )
        if counter is not None:
            self._settle_counter(out, counter, now)
        return Result(out, self.handover_reply_view(self.handovers_out[cmd.handover_id], now))

    def _handover_request(self, t: TicketRec, cmd: HandOverTicket, now: datetime) -> dict[str, Any]:
        svc = self.services.get(t.service_id) or self.bundles.get(t.service_id)
        ticket: dict[str, Any] = {
            "id": t.id,
            "number": t.number,
            "queue_id": t.queue_id,
            "queue_name": self.queues[t.queue_id].name,
            "service_id": t.service_id,
            "service_name": svc.name if svc else None,
            "channel": t.channel,
            "priority": t.priority,
            "issued_at": t.issued_at.isoformat(),
            "transfers": t.transfers,
            # the masked form only: the keyed hash is this hall's key, the clear number was never kept
            "holder_masked": dict(t.holder_masked) if t.holder_masked else None,
        }
        cases = [
            {"id": c.id, "kind": c.kind, "state": c.state}
            for c in getattr(self, "cases", {}).values()
            if c.ticket_id == t.id
        ]
        return {
            "handover_id": cmd.handover_id,
            "from_site": self.config.site.id,
            "from_site_name": self.config.site.name,
            "to_site": cmd.to_site,
            "to_queue_id": cmd.to_queue_id,
            "handed_over_at": now.isoformat(),
            "by": cmd.by or None,
            "ticket": ticket,
            "history": ticket_history(t, now, cmd.to_site, cmd.counter_id),
            "cases": cases,
        }

    @handles(SettleHandover)
    def _do_SettleHandover(self, cmd: SettleHandover, now: datetime) -> Result:
        rec = self.handovers_out.get(cmd.reply.get("handover_id", ""))
        if rec is None or rec.to_site != cmd.from_site:
            raise Rejected("not_found", f"本厅没有以该编号转交给 {cmd.from_site} 的号")
        out: list[Event] = []
        if rec.state == SENT:  # a later copy of the same answer changes nothing
            state = cmd.reply["state"]
            self._emit(
                out,
                ev.HANDOVER_SETTLED,
                now,
                handover_id=rec.id,
                state=state,
                remote_ticket=cmd.reply.get("ticket") if state == ACCEPTED else None,
                error=cmd.reply.get("error") if state == REFUSED else None,
            )
        return Result(out, self.handover_reply_view(rec, now))

    def pending_handovers(self) -> list[HandoverOut]:
        """This hall's hand-overs with no answer yet: the service sends them until one comes."""
        return [h for h in self.handovers_out.values() if h.state == SENT]

    def handover_reply_view(self, rec: HandoverOut, now: datetime) -> dict[str, Any]:
        t = self.tickets.get(rec.ticket_id)
        view: dict[str, Any] = {
            "id": rec.id,
            "state": rec.state,
            "to_site": rec.to_site,
            "to_queue_id": rec.request.get("to_queue_id"),
            "at": rec.at.isoformat(),
            "remote_ticket": rec.remote_ticket,
            "error": rec.error,
        }
        reply: dict[str, Any] = {"handover": view}
        if t is not None:
            reply["ticket"] = self.ticket_view(t, now)
        return reply

    @applies("ticket_handed_over")
    def _on_ticket_handed_over(self, at: datetime, d: dict[str, Any]) -> None:
        t = self.tickets[d["ticket_id"]]
        if t.id in self.waiting.get(t.queue_id, []):
            self.waiting[t.queue_id].remove(t.id)
        c = self.counters.get(d.get("counter_id") or t.counter_id or "")
        if c is not None and c.current == t.id:
            self._release(c, at)
        t.state = HANDED_OVER
        if t.finished_at is None:
            t.finished_at = at
        self.handovers_out[d["handover_id"]] = HandoverOut(
            id=d["handover_id"],
            ticket_id=t.id,
            to_site=d["to_site"],
            request=d["request"],
            at=at,
            counter_id=d.get("counter_id"),
        )
        self.ticket_handover[t.id] = d["handover_id"]

    @applies("handover_settled")
    def _on_handover_settled(self, at: datetime, d: dict[str, Any]) -> None:
        rec = self.handovers_out[d["handover_id"]]
        rec.state, rec.remote_ticket, rec.error = d["state"], d.get("remote_ticket"), d.get("error")

    # ------------------------------------------------------------ the receiving hall
    @handles(ReceiveHandover)
    def _do_ReceiveHandover(self, cmd: ReceiveHandover, now: datetime) -> Result:
        req = cmd.request
        hid = req["handover_id"]
        earlier = self.handovers_in.get((cmd.from_site, hid))
        if earlier is not None:  # delivered twice (QoS 1, a resend): one ticket, the same answer
            return Result([], earlier)
        if req["from_site"] != cmd.from_site or req["to_site"] != self.config.site.id:
            raise Rejected(
                "invalid_request",
                f"从 {req['from_site']} 转交给 {req['to_site']} 的请求，"
                f"却由 {cmd.from_site} 发到了 {self.config.site.id}",
            )
        out: list[Event] = []
        try:
            queue_id, service_id = self._handover_target(req, now)
        except Rejected as exc:
            self._emit(
                out,
                ev.HANDOVER_REFUSED,
                now,
                from_site=cmd.from_site,
                handover_id=hid,
                origin_ticket_id=req["ticket"]["id"],
                origin_number=req["ticket"]["number"],
                code=exc.code,
                message=exc.message,
            )
            return Result(out, self.handovers_in[(cmd.from_site, hid)])
        # A ticket of this hall's own: its number and day are this hall's, and it waits from its arrival
        # here (a hand-over delayed by a WAN cut must not be cancelled as yesterday's at midnight);
        # the original issue time stays in its origin. Normal priority: the back-office step is
        # ordered among this queue's own walk-ins.
        ticket = self._issue(out, now, queue_id, NewTicket(service_id, "walk_in", NORMAL, KIOSK_PREFIX + cmd.from_site))
        self._emit(
            out, ev.HANDOVER_RECEIVED, now, from_site=cmd.from_site, handover_id=hid, ticket_id=ticket.id, origin=req
        )
        return Result(out, self.handovers_in[(cmd.from_site, hid)])

    def _handover_target(self, req: dict[str, Any], now: datetime) -> tuple[str, str]:
        """(queue, service) for a request here, or Rejected with the reason the other hall will read."""
        service_id = req["ticket"]["service_id"]
        svc = self.services.get(service_id) or self.bundles.get(service_id)
        if svc is None:
            raise Rejected("not_found", f"{self.config.site.name}没有事项 {service_id!r}")
        queue_id = req.get("to_queue_id") or svc.queue_id
        if queue_id not in self.queues:
            raise Rejected("not_found", f"{self.config.site.name}没有队列 {queue_id!r}")
        if not self.is_ticketing_open(now):
            nxt = self.next_opening(now)
            when = nxt.astimezone(self.tz).strftime("%m月%d日 %H:%M") if nxt else "下一个工作日"
            raise Rejected("closed", f"{self.config.site.name}现在不取号，{when}开始；请到时再转交")
        queue = self.queues[queue_id]
        if queue.daily_cap and self.per_queue_day[(self.local_day(now), queue_id)] >= queue.daily_cap:
            raise Rejected(
                "full",
                f"{self.config.site.name}{queue.name}今日 {queue.daily_cap} 个号已全部取完",
            )
        return queue_id, service_id

    @applies("handover_received")
    def _on_handover_received(self, at: datetime, d: dict[str, Any]) -> None:
        t = self.tickets[d["ticket_id"]]
        origin = d["origin"]
        t.holder_masked = origin["ticket"].get("holder_masked")  # the counter here sees the masked name
        self.handover_origins[t.id] = origin
        self.handovers_in[(d["from_site"], d["handover_id"])] = {
            "handover_id": d["handover_id"],
            "state": ACCEPTED,
            "at": at.isoformat(),
            "ticket": {"id": t.id, "number": t.number, "queue_id": t.queue_id},
        }

    @applies("handover_refused")
    def _on_handover_refused(self, at: datetime, d: dict[str, Any]) -> None:
        self.handovers_in[(d["from_site"], d["handover_id"])] = {
            "handover_id": d["handover_id"],
            "state": REFUSED,
            "at": at.isoformat(),
            "error": {"code": d["code"], "message": d["message"]},
        }

    def handover_origin_view(self, ticket_id: str) -> dict[str, Any] | None:
        """Where a ticket of this hall came from, for the counter that calls it."""
        origin = self.handover_origins.get(ticket_id)
        if origin is None:
            return None
        return {
            k: origin.get(k)
            for k in ("handover_id", "from_site", "from_site_name", "handed_over_at", "ticket", "history", "cases")
        }


def ticket_history(t: TicketRec, now: datetime, to_site: str, counter_id: str | None) -> list[dict[str, Any]]:
    """The ticket's steps at this hall, from what its record keeps (transfers as a count on the ticket)."""
    steps: list[dict[str, Any]] = [
        {"at": t.issued_at.isoformat(), "step": "issued", "queue_id": t.queue_id if not t.transfers else None}
    ]
    if t.called_at:
        steps.append({"at": t.called_at.isoformat(), "step": "called", "counter_id": t.counter_id})
    if t.started_at:
        steps.append({"at": t.started_at.isoformat(), "step": "started", "counter_id": t.counter_id})
    if t.state == DONE and t.finished_at:
        steps.append(
            {
                "at": t.finished_at.isoformat(),
                "step": "finished",
                "counter_id": t.counter_id,
                "outcome": t.outcome,
                "missing_materials": list(t.missing_materials) or None,
            }
        )
    steps.append(
        {
            "at": now.isoformat(),
            "step": "handed_over",
            "queue_id": t.queue_id,
            "counter_id": counter_id,
            "to_site": to_site,
        }
    )
    return steps
