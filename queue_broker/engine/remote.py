"""What the gateway asks of the engine (docs/gateway.md): remote same-day tickets and their limits, a
citizen's own cancel, "come now" notices, appointment slots and status, and who may rate. A mixin of
HallEngine, first in its bases so that its rating check runs before the others'.

Nothing here knows a status token or an address: the service turns a token into a ticket id (it holds
the key), and the gateway keeps the phone number. The engine sees ticket ids, travel times, channels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from . import events as ev
from .commands import CancelTicket, IssueTicket, NoticeDue, RequestNotice, SubmitRating
from .dispatch import applies, handles
from .events import Event
from .records import ACTIVE, CANCELLED, DONE, WAITING
from .rejected import Rejected, Result
from .state import EngineState, OwnState


@dataclass
class NoticeRec:
    ticket_id: str
    travel_min: int
    channel: str
    requested_at: datetime
    due_at: datetime | None = None
    p_called: float | None = None


class RemoteMixin(EngineState):
    """Uses HallEngine's state (config, tickets, queues, appointments, ...); mixed into HallEngine only."""

    # ------------------------------------------------------------ state of its own (built by replay)
    notice_requests = OwnState(dict[str, NoticeRec])
    remote_issued = OwnState(dict[tuple[date, str], int])  # (local day, queue) -> remote tickets, for the day's share
    remote_ticket_ids = OwnState(set[str])
    cancelled_by_citizen = OwnState(set[str])

    # ============================================================ remote tickets
    def check_remote(self, cmd: IssueTicket, service_id: str, queue_id: str, now: datetime) -> None:
        """Refuse a remote ticket that the site's switches or limits do not allow (before anything changes)."""
        gw = self.config.gateway
        name = self.services[service_id].name if service_id in self.services else service_id
        if not gw.remote_tickets.enabled:
            raise Rejected("forbidden", "本大厅不提供远程取号，请到大厅现场取号")
        if not gw.allows_remote(service_id):
            raise Rejected("forbidden", f"{name}不提供远程取号，请到大厅现场取号")
        if cmd.holder is not None:
            mine = sum(
                1
                for t in self._live_tickets(queue_id)
                if t.holder_hash == cmd.holder.hash and t.service_id == service_id
            )
            if mine >= gw.remote_tickets.active_per_holder:
                raise Rejected("full", f"此人已有{name}的号在排队")
        day = self.local_day(now)
        limit = self.remote_limit(queue_id, day)
        if self.remote_issued.get((day, queue_id), 0) >= limit:
            raise Rejected("full", f"{name}今日远程取号的 {limit} 个名额已全部取完")

    def _live_tickets(self, queue_id: str) -> list[Any]:
        live = [self.tickets[tid] for tid in self.waiting.get(queue_id, [])]
        live += [self.tickets[c.current] for c in self.counters.values() if c.current]
        return [t for t in live if t.state in (WAITING, *ACTIVE)]

    def remote_limit(self, queue_id: str, day: date) -> int:
        """The day's remote tickets for a queue: the site's share of the queue's expected tickets (its
        daily cap, else what its home counters can serve in the day's opening hours)."""
        q = self.queues[queue_id]
        expected: float
        if q.daily_cap:
            expected = q.daily_cap
        else:
            minutes = 0.0
            for p in self.hours.periods(day):
                minutes += _minutes(p.end) - _minutes(p.start)
            counters = sum(1.0 / len(c.home) for c in self.config.counters if queue_id in c.home)
            expected = minutes * counters / q.mean_service_min
        return int(math.floor(self.config.gateway.remote_tickets.share * expected))

    def note_remote(self, ticket_id: str, day: date, queue_id: str) -> None:
        """Called by the ticket_issued applier for a remote ticket."""
        self.remote_ticket_ids.add(ticket_id)
        self.remote_issued[(day, queue_id)] = self.remote_issued.get((day, queue_id), 0) + 1

    # ============================================================ the citizen's own actions
    @handles(CancelTicket)
    def _do_CancelTicket(self, cmd: CancelTicket, now: datetime) -> Result:
        t = self._ticket(cmd.ticket_id)
        if t.state == CANCELLED:
            return Result([], {"ticket": self.citizen_view(t, now)})  # the same answer again
        if t.state != WAITING:
            raise Rejected("conflict", f"{t.number} 已叫号，不能再取消")
        out: list[Event] = []
        self._emit(out, ev.TICKET_CANCELLED, now, ticket_id=t.id, reason="citizen")
        return Result(out, {"ticket": self.citizen_view(t, now)})

    @handles(RequestNotice)
    def _do_RequestNotice(self, cmd: RequestNotice, now: datetime) -> Result:
        t = self._ticket(cmd.ticket_id)
        if t.state != WAITING:
            raise Rejected("conflict", f"{t.number} 已不在等候中")
        if cmd.channel not in ("sms", "wechat", "web"):
            raise Rejected("invalid_request", "通知方式只能是 sms（短信）、wechat（微信）或 web（网页）")
        rec = self.notice_requests.get(t.id)
        out: list[Event] = []
        if rec is None or (rec.due_at is None and (rec.travel_min, rec.channel) != (cmd.travel_min, cmd.channel)):
            self._emit(out, ev.NOTICE_REQUESTED, now, ticket_id=t.id, travel_min=cmd.travel_min, channel=cmd.channel)
        return Result(out, {"ticket": self.citizen_view(t, now)})

    @handles(NoticeDue)
    def _do_NoticeDue(self, cmd: NoticeDue, now: datetime) -> Result:
        rec = self.notice_requests.get(cmd.ticket_id)
        if rec is None or rec.due_at is not None:
            return Result([])
        out: list[Event] = []
        self._emit(out, ev.NOTICE_DUE, now, **ev.command_data(cmd))
        return Result(out)

    @applies(ev.NOTICE_REQUESTED)
    def _on_notice_requested(self, at: datetime, d: dict[str, Any]) -> None:
        self.notice_requests[d["ticket_id"]] = NoticeRec(d["ticket_id"], d["travel_min"], d["channel"], at)

    @applies(ev.NOTICE_DUE)
    def _on_notice_due(self, at: datetime, d: dict[str, Any]) -> None:
        rec = self.notice_requests.get(d["ticket_id"])
        if rec is not None:
            rec.due_at, rec.p_called = at, d.get("p_called")

    def forget_notices(self, keep: set[str]) -> None:
        """Housekeeping: drop notice requests of tickets no longer in memory."""
        for tid in [tid for tid in self.notice_requests if tid not in keep]:
            del self.notice_requests[tid]

    # ============================================================ rating rights (docs/security.md)
    @handles(SubmitRating)
    def _do_SubmitRating(self, cmd: SubmitRating, now: datetime) -> Result:
        t = self.tickets.get(cmd.ticket_id)
        if cmd.source is not None and t is not None and t.state == DONE:  # else the usual refusals below
            if cmd.source.startswith("counter:"):
                if t.counter_id != cmd.source.split(":", 1)[1]:
                    raise Rejected("forbidden", f"只有为 {t.number} 办理的窗口可以提交评价")
            elif cmd.source != "token":
                raise Rejected(
                    "forbidden",
                    "评价须来自办理该号的窗口评价器，或凭该号的查询凭证（群众的手机页面、持号的自助机）",
                )
        result: Result = super()._do_SubmitRating(cmd, now)  # the next mixin's
        return result

    # ============================================================ views for the gateway
    def citizen_view(self, t: Any, now: datetime) -> dict[str, Any]:
        """The broker's ticket view with what a citizen's page shows besides: the counter's number and
        name, when it was called, whether it was rated, the notice asked for. No holder, no token."""
        view = self.ticket_view(t, now)
        cfg = self.counter_cfg.get(t.counter_id) if t.counter_id else None
        rec = self.notice_requests.get(t.id)
        view.update(
            called_at=t.called_at.isoformat() if t.called_at else None,
            counter_number=cfg.number if cfg else None,
            counter_name=cfg.name if cfg else None,
            rated=t.rating is not None,
            remote=t.id in self.remote_ticket_ids,
            cancelled_by="citizen" if t.id in self.cancelled_by_citizen else None,
            notice=None
            if rec is None
            else {
                "channel": rec.channel,
                "travel_min": rec.travel_min,
                "due_at": rec.due_at.isoformat() if rec.due_at else None,
            },
            day=t.day.isoformat(),
        )
        return view

    def appointment_view(self, code: str, partner: str | None, now: datetime) -> dict[str, Any] | None:
        a = self.appointments.get(code.strip().upper())
        if a is None or (partner is not None and a.partner != partner):
            return None
        status = a.state
        grace = self.config.appointments
        if status == "booked" and now > a.slot_start + timedelta(minutes=grace.grace_after_min):
            status = "missed"
        return {
            "code": a.code,
            "service_id": a.service_id,
            "slot_start": a.slot_start.isoformat(),
            "slot_end": a.slot_end.isoformat(),
            "status": status,
            "check_in": {
                "from": (a.slot_start - timedelta(minutes=grace.grace_before_min)).isoformat(),
                "until": (a.slot_start + timedelta(minutes=grace.grace_after_min)).isoformat(),
            },
            "ticket_id": a.ticket_id,
        }

    def slots_view(self, service_id: str, day: date, now: datetime) -> list[dict[str, Any]]:
        """The day's bookable slots of an item: capacity (the appointment share), booked, available."""
        svc = self.services.get(service_id)
        if svc is None:
            raise Rejected("not_found", f"本大厅没有事项 {service_id!r}")
        if not svc.appointment:
            raise Rejected("conflict", f"{svc.name}不能预约，请到大厅取号办理")
        a = self.config.appointments
        cap = self.slot_capacity(service_id)
        out = []
        midnight = datetime(day.year, day.month, day.day, tzinfo=self.tz)
        for p in self.hours.periods(day):
            start = midnight + timedelta(minutes=_minutes(p.start))
            end_of_period = midnight + timedelta(minutes=_minutes(p.end))
            while start + timedelta(minutes=a.slot_minutes) <= end_of_period:
                if self.is_ticketing_open(start):
                    booked = self.slot_bookings.get((service_id, start), 0)
                    free = max(0, cap - booked) if start > now else 0
                    out.append(
                        {
                            "start": start.isoformat(),
                            "end": (start + timedelta(minutes=a.slot_minutes)).isoformat(),
                            "capacity": cap,
                            "booked": booked,
                            "available": free,
                        }
                    )
                start += timedelta(minutes=a.slot_minutes)
        return out


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)
