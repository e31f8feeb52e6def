"""The supervisor finds any ticket and acts on it (issue 23 item 6). A mixin of HallEngine. (A kiosk's call
for staff, `RequestHelp`, is in engine/priority.py.)

- `FindTickets` (read only): one local day's tickets by id, number, counter, state or queue. The live
  hall keeps the last RETAIN_DAYS days (service/runner.py); older days are in the event log (reports).
- `SupervisorTransfer`: a waiting, called, served or held ticket to another queue, keeping its issue
  time (its place in time), like a counter's transfer; the counter it was at is free at once.
- `AnnulTicket` (作废): with one of the site's `tickets.annul_reasons`; the reason "其他" needs a note.
  Recorded as `ticket_cancelled` with reason `annulled`, so everything that counts cancelled tickets
  counts it; who and why stay in the event.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from . import events as ev
from .commands import AnnulTicket, FindTickets, SupervisorTransfer
from .dispatch import handles
from .events import Event
from .records import CALLED, DONE, HELD, HOLD_EXPIRED, NO_SHOW, SERVING, WAITING, TicketRec
from .rejected import Rejected, Result
from .state import EngineState
from .words import ticket_state_name

MOVABLE = (WAITING, CALLED, SERVING, HELD)  # what a supervisor may transfer or annul


class LookupMixin(EngineState):
    """Uses HallEngine's state (config, tickets, counters, queues, ticket_view, _emit, ...)."""

    # ------------------------------------------------------------ find
    @handles(FindTickets)
    def _do_FindTickets(self, cmd: FindTickets, now: datetime) -> Result:
        if cmd.counter_id is not None:
            self._counter(cmd.counter_id)  # not_found for a counter the hall does not have
        if cmd.queue_id is not None and cmd.queue_id not in self.queues:
            raise Rejected("not_found", f"本大厅没有队列 {cmd.queue_id!r}")
        day = date.fromisoformat(cmd.day) if cmd.day else self.local_day(now)
        if cmd.ticket_id:
            t = self.tickets.get(cmd.ticket_id)
            found = [t] if t is not None else []
        else:
            number = cmd.number.strip().upper() if cmd.number else None
            found = [
                t
                for t in self.tickets.values()
                if t.day == day
                and (number is None or t.number == number)
                and (cmd.counter_id is None or cmd.counter_id in (t.counter_id, getattr(t, "hold_counter_id", None)))
                and (cmd.state is None or t.state == cmd.state)
                and (cmd.queue_id is None or t.queue_id == cmd.queue_id)
            ]
        found.sort(key=lambda t: (t.issued_at, t.id))
        limit = cmd.limit or self.config.tickets.lookup_limit
        views = [self.lookup_view(t, now, history=len(found) == 1) for t in found[:limit]]
        return Result(
            [], {"day": day.isoformat(), "tickets": views, "total": len(found), "truncated": len(found) > limit}
        )

    def lookup_view(self, t: Any, now: datetime, history: bool = False) -> dict[str, Any]:
        """A ticket as the supervisor sees it: the public view, the counter it is at or was at, what the
        citizen asked for at issue (`needs`), and with `history` its steps. Never the holder."""
        view = self.ticket_view(t, now)
        if t.needs:
            view["needs"] = list(t.needs)
        handover = getattr(self, "ticket_handover", {}).get(t.id)
        if handover is not None:
            view["handover_id"] = handover
        if history:
            view["history"] = ticket_steps(t)
        return view

    # ------------------------------------------------------------ transfer and annul
    def _movable(self, ticket_id: str, verb: str) -> TicketRec:
        t = self._ticket(ticket_id)
        if t.state not in MOVABLE:
            raise Rejected(
                "conflict",
                f"{t.number} 现为{ticket_state_name(t.state)}：只有等候中、已呼叫、办理中或挂起中的号可以{verb}",
            )
        return t

    def _at_counter(self, t: TicketRec) -> str | None:
        if t.state in (CALLED, SERVING) and t.counter_id and self.counters[t.counter_id].current == t.id:
            return t.counter_id
        return None

    @handles(SupervisorTransfer)
    def _do_SupervisorTransfer(self, cmd: SupervisorTransfer, now: datetime) -> Result:
        t = self._movable(cmd.ticket_id, "转队列")
        if cmd.to_queue_id not in self.queues:
            raise Rejected("not_found", f"本大厅没有队列 {cmd.to_queue_id!r}")
        if cmd.to_queue_id == t.queue_id:
            raise Rejected("conflict", f"{t.number} 已在{self.queues[cmd.to_queue_id].name}队列")
        return self._by_supervisor(
            t, cmd, ev.TICKET_TRANSFERRED, now, from_queue_id=t.queue_id, to_queue_id=cmd.to_queue_id
        )

    @handles(AnnulTicket)
    def _do_AnnulTicket(self, cmd: AnnulTicket, now: datetime) -> Result:
        rules = self.config.tickets
        if cmd.reason not in rules.annul_reasons:
            raise Rejected(
                "invalid_request",
                f"“{cmd.reason}”不是本大厅作废号的理由，请选择：{'、'.join(rules.annul_reasons)}",
            )
        if cmd.reason == rules.other_reason and not cmd.note.strip():
            raise Rejected("invalid_request", f"理由为“{rules.other_reason}”时须写明具体情况")
        t = self._movable(cmd.ticket_id, "作废")
        return self._by_supervisor(t, cmd, ev.TICKET_CANCELLED, now, reason="annulled", annul_reason=cmd.reason)

    def _by_supervisor(
        self, t: TicketRec, cmd: SupervisorTransfer | AnnulTicket, event_type: str, now: datetime, **data: Any
    ) -> Result:
        """The event of a supervisor's move or annulment of `t`, with who and why; the counter it was called to
        is free again."""
        counter_id = self._at_counter(t)
        out: list[Event] = []
        self._emit(out, event_type, now, ticket_id=t.id, counter_id=counter_id, by=cmd.by, note=cmd.note, **data)
        if counter_id is not None:
            self._settle_counter(out, self.counters[counter_id], now)
        return Result(out, {"ticket": self.lookup_view(t, now)})

    def execute_into(self, out: list[Event], command: Any, now: datetime) -> None:
        out.extend(self.execute(command, now).events)


def ticket_steps(t: Any) -> list[dict[str, Any]]:
    """A ticket's steps at this hall, from what its record keeps (a transfer resets the call; holds are
    a count and a total; the event log has every step)."""
    steps: list[dict[str, Any]] = [{"at": t.issued_at.isoformat(), "step": "issued", "queue_id": t.queue_id}]
    if t.transfers:
        steps.append({"step": "transferred", "times": t.transfers})
    if t.called_at:
        steps.append({"at": t.called_at.isoformat(), "step": "called", "counter_id": t.counter_id})
    if t.started_at:
        steps.append({"at": t.started_at.isoformat(), "step": "started", "counter_id": t.counter_id})
    if t.holds:
        steps.append({"step": "held", "times": t.holds, "held_s": int(t.held_s)})
    if t.state in (DONE, NO_SHOW, HOLD_EXPIRED, "cancelled", "handed_over") and t.finished_at:
        steps.append({"at": t.finished_at.isoformat(), "step": t.state, "outcome": t.outcome})
    elif t.state in (DONE, NO_SHOW, "cancelled"):
        steps.append({"step": t.state})
    return steps
