"""Forget what the live hall no longer needs, so a broker that runs for months keeps flat memory.

Finished tickets of days before `cutoff`, their per-person and per-queue tallies, past sequences and
past appointments leave memory; they stay in the event log, where reports and exports read them.
Only the service calls this (at start and when the local day changes), never `apply`, so replaying
the log for a report still sees every day.
"""

from __future__ import annotations

from datetime import date

from .hall import HallEngine
from .records import CALLED, WAITING


def forget_days_before(engine: HallEngine, cutoff: date) -> int:
    old = [tid for tid, t in engine.tickets.items() if t.day < cutoff and t.state not in (WAITING, CALLED)]
    for tid in old:
        del engine.tickets[tid]
        engine.ratings.pop(tid, None)
    for tally in (engine.per_person, engine.per_person_queue, engine.per_queue_day, engine.sequence):
        for key in [k for k in tally if k[0] < cutoff]:
            del tally[key]
    for code in [c for c, a in engine.appointments.items() if a.slot_start.date() < cutoff]:
        appt = engine.appointments.pop(code)
        engine.slot_bookings.pop((appt.service_id, appt.slot_start), None)
    return len(old)
