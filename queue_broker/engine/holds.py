"""Hold and resume at the counter (挂起, issue 23 item 4). A mixin of HallEngine.

A citizen at the counter who is missing one paper is put on hold: the ticket leaves the counter (which
calls the next citizen at once) but not the hall's order. It is in no queue, so nobody waits behind it
and the calling rule never picks it; when the citizen comes back with the paper, the counter that held
it, or any counter serving its queue (`hold.resume_at`), calls it again directly, ahead of everyone:
that is keeping the place. A hold ends by itself after `hold.max_minutes` (the citizen did not come
back), or earlier when released.

Time on hold is neither waiting nor service: the wait stays issue → first call, and every service
time (the estimator's, the reports', the monitor's) is counter time, `records.counter_seconds`, which
leaves the hold out. The reports show the holds themselves (reports/model.py `hold_summary`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from . import events as ev
from .commands import ExpireHolds, HoldTicket, ReleaseHeld, ResumeHeld, ViewCounter
from .dispatch import applies, handles
from .events import Event
from .records import CALLED, HELD, HOLD_EXPIRED, SERVING, TicketRec
from .rejected import Rejected, Result
from .state import EngineState, OwnState
from .words import COUNTER_STATUS_NAMES, counter_name, ticket_state_name


class HoldsMixin(EngineState):
    """Uses HallEngine's state (config, tickets, counters, queues, _counter, _emit, ...)."""

    # Tickets on hold now, in the order they were held (an ordered set).
    held_ids = OwnState(dict[str, None])

    def held_at_counter(self, counter_id: str) -> list[TicketRec]:
        return [t for t in (self.tickets[tid] for tid in self.held_ids) if t.hold_counter_id == counter_id]

    def held_in_queue(self, queue_id: str) -> list[TicketRec]:
        return [t for t in (self.tickets[tid] for tid in self.held_ids) if t.queue_id == queue_id]

    @staticmethod
    def held_ref(t: TicketRec) -> dict[str, Any]:
        """A held ticket as state/queues and state/counters list it (numbers only: nothing personal)."""
        return {
            "ticket_id": t.id,
            "number": t.number,
            "queue_id": t.queue_id,
            "counter_id": t.hold_counter_id,
            "since": t.held_at.isoformat() if t.held_at else None,
            "until": t.hold_until.isoformat() if t.hold_until else None,
        }

    def _find_held(self, ticket_id: str | None, number: str | None, now: datetime) -> TicketRec:
        if ticket_id:
            t = self.tickets.get(ticket_id)
        elif number:
            wanted = number.strip().upper()
            t = next((self.tickets[tid] for tid in self.held_ids if self.tickets[tid].number == wanted), None)
            if t is None:  # not on hold now: say what it is, if it is today's
                day = self.local_day(now)
                t = self.tickets.get(f"{day:%Y%m%d}-{wanted}")
        else:
            raise Rejected("invalid_request", "请指明挂起的号（ticket_id 或号码）")
        if t is None:
            raise Rejected("not_found", f"本大厅没有 {ticket_id or number} 这个号")
        if t.state != HELD:
            if t.state == HOLD_EXPIRED:
                ended = t.finished_at  # an ended ticket may already be a compact PastTicket
                until = ended.astimezone(self.tz).strftime("%H:%M") if ended else "?"
                raise Rejected("conflict", f"{t.number} 的挂起已于 {until} 到期，不能再续办，请重新取号")
            raise Rejected("conflict", f"{t.number} 没有挂起（现为{ticket_state_name(t.state)}）")
        return t

    # ------------------------------------------------------------ commands
    @handles(HoldTicket)
    def _do_HoldTicket(self, cmd: HoldTicket, now: datetime) -> Result:
        c = self._counter(cmd.counter_id)
        if c.status == "closed":
            raise Rejected("conflict", f"{self.counter_cfg[c.id].name}未登录，请先登录开窗")
        if not c.current:
            raise Rejected("conflict", f"{self.counter_cfg[c.id].name}没有可挂起的办事群众")
        t = self.tickets[c.current]
        if t.state not in (CALLED, SERVING):
            raise Rejected("conflict", f"{t.number} 现为{ticket_state_name(t.state)}：只有窗口前的办事群众可以挂起")
        rules = self.config.hold
        here = self.held_at_counter(c.id)
        if len(here) >= rules.max_per_counter:
            raise Rejected(
                "full",
                f"{self.counter_cfg[c.id].name}已有 {len(here)} 位办事群众挂起（{'、'.join(h.number for h in here)}），"
                f"最多 {rules.max_per_counter} 位：请先续办或释放一位",
            )
        if t.holds >= rules.max_per_ticket:
            raise Rejected("conflict", f"{t.number} 已挂起 {t.holds} 次（最多 {rules.max_per_ticket} 次）")
        out: list[Event] = []
        until = now + timedelta(minutes=rules.max_minutes)
        self._emit(
            out,
            ev.TICKET_HELD,
            now,
            ticket_id=t.id,
            counter_id=c.id,
            until=until.isoformat(),
            note=cmd.note,
            missing_materials=list(cmd.missing_materials),
        )
        self._settle_counter(out, c, now)
        return Result(out, {"ticket": self.ticket_view(t, now, with_holder=True)})

    @handles(ResumeHeld)
    def _do_ResumeHeld(self, cmd: ResumeHeld, now: datetime) -> Result:
        c = self._counter(cmd.counter_id)
        if c.status != "open":
            raise Rejected(
                "conflict",
                f"{self.counter_cfg[c.id].name}{COUNTER_STATUS_NAMES.get(c.status, c.status)}，请先开窗或恢复",
            )
        t = self._find_held(cmd.ticket_id, cmd.number, now)
        if self.config.hold.resume_at == "counter" and t.hold_counter_id != c.id:
            raise Rejected(
                "forbidden",
                f"{t.number} 是在{counter_name(self.counter_cfg, t.hold_counter_id)}挂起的，本大厅只在原窗口续办",
            )
        if t.hold_counter_id != c.id and t.queue_id not in c.queue_ids:
            raise Rejected(
                "conflict",
                f"{self.counter_cfg[c.id].name}不办理{self.queues[t.queue_id].name}：{t.number} 请在"
                f"{counter_name(self.counter_cfg, t.hold_counter_id)}或办理该队列的窗口续办",
            )
        if c.current:
            raise Rejected(
                "conflict",
                f"{self.counter_cfg[c.id].name}正在办理 {self.tickets[c.current].number}：请先办结或挂起",
            )
        out: list[Event] = []
        self._emit(out, ev.TICKET_RESUMED, now, ticket_id=t.id, counter_id=c.id, from_counter_id=t.hold_counter_id)
        return Result(out, {"ticket": self.ticket_view(t, now, with_holder=True)})

    @handles(ReleaseHeld)
    def _do_ReleaseHeld(self, cmd: ReleaseHeld, now: datetime) -> Result:
        t = self._find_held(cmd.ticket_id, cmd.number, now)
        if cmd.counter_id is not None:
            c = self._counter(cmd.counter_id)
            if t.hold_counter_id != c.id and t.queue_id not in c.queue_ids:
                raise Rejected(
                    "forbidden", f"{t.number} 挂起在{counter_name(self.counter_cfg, t.hold_counter_id)}，不在本窗口"
                )
        out: list[Event] = []
        self._emit(
            out,
            ev.TICKET_HOLD_ENDED,
            now,
            ticket_id=t.id,
            counter_id=t.hold_counter_id,
            reason="released",
            note=cmd.note,
            by=cmd.by or None,
        )
        return Result(out, {"ticket": self.ticket_view(t, now, with_holder=cmd.counter_id is not None)})

    @handles(ExpireHolds)
    def _do_ExpireHolds(self, cmd: ExpireHolds, now: datetime) -> Result:
        out: list[Event] = []
        due = [t for t in (self.tickets[tid] for tid in self.held_ids) if t.hold_until and t.hold_until <= now]
        for t in due:
            self._emit(out, ev.TICKET_HOLD_ENDED, now, ticket_id=t.id, counter_id=t.hold_counter_id, reason="expired")
        return Result(out, {"expired": len(due)})

    def holds_due(self, now: datetime) -> bool:
        return any((t := self.tickets[tid]).hold_until is not None and t.hold_until <= now for tid in self.held_ids)

    @handles(ViewCounter)
    def _do_ViewCounter(self, cmd: ViewCounter, now: datetime) -> Result:
        c = self._counter(cmd.counter_id)
        current = self.ticket_view(self.tickets[c.current], now, with_holder=True) if c.current else None
        held = [self.ticket_view(t, now, with_holder=True) for t in self.held_at_counter(c.id)]
        resumable = []
        if self.config.hold.resume_at == "queue":
            resumable = [
                self.held_ref(t)
                for tid in self.held_ids
                if (t := self.tickets[tid]).hold_counter_id != c.id and t.queue_id in c.queue_ids
            ]
        return Result([], {"counter": self.counter_view(c), "ticket": current, "held": held, "resumable": resumable})

    # ------------------------------------------------------------ events
    @applies("ticket_held")
    def _on_ticket_held(self, at: datetime, d: dict[str, Any]) -> None:
        t = self.tickets[d["ticket_id"]]
        c = self.counters[d["counter_id"]]
        if c.current == t.id:
            self._release(c, at)
        t.state, t.held_at, t.hold_until = HELD, at, datetime.fromisoformat(d["until"])
        t.hold_counter_id, t.hold_note = c.id, d.get("note", "")
        t.holds += 1
        self.held_ids[t.id] = None

    def _end_hold(self, t: TicketRec, at: datetime) -> None:
        if t.held_at is not None:
            t.held_s += max(0.0, (at - t.held_at).total_seconds())
        t.held_at = None
        self.held_ids.pop(t.id, None)

    @applies("ticket_resumed")
    def _on_ticket_resumed(self, at: datetime, d: dict[str, Any]) -> None:
        t = self.tickets[d["ticket_id"]]
        c = self.counters[d["counter_id"]]
        self._end_hold(t, at)
        t.hold_until = None
        # called_at stays the first call: the citizen's wait ended then; the hold is kept apart in held_s
        t.state, t.counter_id, t.recalls = CALLED, c.id, 0
        c.current, c.idle_since, c.call_why = t.id, None, None
        c.calls += 1

    @applies("ticket_hold_ended")
    def _on_ticket_hold_ended(self, at: datetime, d: dict[str, Any]) -> None:
        t = self.tickets[d["ticket_id"]]
        self._end_hold(t, at)
        t.state, t.finished_at = HOLD_EXPIRED, at
        t.outcome = d.get("reason", "expired")  # expired | released

    def clear_hold(self, t: TicketRec, at: datetime) -> None:
        """A held ticket that moves on otherwise (transferred, annulled, handed over): the hold ends here."""
        if t.state == HELD:
            self._end_hold(t, at)
            t.hold_until = None
