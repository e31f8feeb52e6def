"""Forget what the live hall no longer needs, so a broker that runs for months keeps flat memory.

Finished tickets of days before `cutoff`, their per-person and per-queue tallies, past sequences and
past appointments leave memory; they stay in the event log, where reports and exports read them.
Tickets that have ended are kept until then as compact PastTickets (`CompactEnded`). Only the
service calls these (at start, on its ticks, when the local day changes), never `apply`, so
replaying the log for a report still sees every day in full.
"""

from __future__ import annotations

import sys
from dataclasses import fields
from datetime import date, datetime
from typing import Any, overload

from .hall import HallEngine
from .records import CALLED, ENDED, WAITING, PastTicket, TicketRec


def forget_days_before(engine: HallEngine, cutoff: date) -> int:
    old = [tid for tid, t in engine.tickets.items() if t.day < cutoff and t.state not in (WAITING, CALLED)]
    for tid in old:
        del engine.tickets[tid]
        engine.ratings.pop(tid, None)
    # keys of two and three parts, the day first
    tallies: tuple[dict[Any, int], ...] = (
        engine.per_person,
        engine.per_person_queue,
        engine.per_queue_day,
        engine.sequence,
    )
    for tally in tallies:
        for key in [k for k in tally if k[0] < cutoff]:
            del tally[key]
    for code in [c for c, a in engine.appointments.items() if a.slot_start.date() < cutoff]:
        appt = engine.appointments.pop(code)
        engine.slot_bookings.pop((appt.service_id, appt.slot_start), None)
    return len(old)


_days: dict[date, date] = {}  # one date object per day for all its tickets (dates are immutable)


@overload
def _shared(s: str) -> str: ...


@overload
def _shared(s: None) -> None: ...


def _shared(s: str | None) -> str | None:
    # ids, queues, channels arrive as new strings with every request or replayed event
    return sys.intern(s) if s is not None else None


# A PastTicket's strings shared with every other ticket (sys.intern), the fields it makes its own way, and
# every other field, copied as it is from the TicketRec.
_SHARED = ("queue_id", "service_id", "channel", "priority", "kiosk_id", "state", "counter_id", "outcome")
_MADE = ("day", "estimate_p80_s", "missing_materials", "odd_number")
_AS_IS = tuple(f.name for f in fields(PastTicket) if f.name not in _SHARED + _MADE)


def compact(t: TicketRec) -> PastTicket:
    """The ended ticket `t` as a PastTicket: the same answers, about half the memory."""
    if len(_days) > 64:
        _days.clear()
    number = t.number
    return PastTicket(
        **{name: getattr(t, name) for name in _AS_IS},
        **{name: _shared(getattr(t, name)) for name in _SHARED},
        day=_days.setdefault(t.day, t.day),
        estimate_p80_s=t.estimate_range_s[1],
        missing_materials=tuple(t.missing_materials),
        odd_number=None if t.id == f"{t.day:%Y%m%d}-{number}" else number,
    )


class CompactEnded:
    """A tick task: tickets that ended (done, no-show, cancelled) since the last tick become
    PastTickets. It follows the tickets still in the hall, so a tick costs what is waiting, not the
    day; new tickets are the newest keys of `engine.tickets` (a dict keeps insertion order)."""

    def __init__(self) -> None:
        self._engine: HallEngine | None = None
        self._newest: str | None = None
        self._live: set[str] = set()  # ids of tickets not ended: bounded by who is in the hall

    def __call__(self, engine: HallEngine, now: datetime) -> list[Any]:
        if engine is not self._engine:  # first tick, or the service rebuilt its engine from the store
            self._engine, self._newest, self._live = engine, None, set()
        tickets = engine.tickets
        for tid in reversed(tickets):
            if tid == self._newest:
                break
            self._live.add(tid)
        self._newest = next(reversed(tickets), None)
        for tid in [tid for tid in self._live if tid not in tickets or tickets[tid].state in ENDED]:
            self._live.discard(tid)
            t = tickets.get(tid)
            if isinstance(t, TicketRec):
                # a PastTicket answers every read of an ended ticket (records.py): the dict holds both
                tickets[tid] = compact(t)  # type: ignore[assignment]
        return []  # no commands: this changes how the state is held, not what it says
