"""The default-satisfied rule keeps working on a broker that runs for weeks: housekeeping forgets old
days (and keeps ended tickets compact), and tickets issued after that must still fall due."""

from __future__ import annotations

from datetime import timedelta

from queue_broker.engine import events as ev
from queue_broker.engine.housekeeping import CompactEnded, forget_days_before

from .conftest import at


def test_tickets_after_old_days_are_forgotten_still_default(make_day, config):
    config.ratings.default_satisfied.after_days = 1
    config.ratings.default_satisfied.working_days = False
    d = make_day(at(2026, 11, 2, 9, 0), config)
    d.tasks.append(CompactEnded())  # as the broker runs it
    d.open("W1")
    served = []
    for day in range(14):
        d.to(at(2026, 11, 2, 9, 0) + timedelta(days=day))
        forget_days_before(d.e, d.e.local_day(d.now) - timedelta(days=8))  # as the broker does at day change
        for _ in range(3):
            d.issue()
            served.append(d.serve("W1")["id"])
        d.later(minutes=1)
    d.later(days=3)
    defaulted = {e.data["ticket_id"] for e in d.of(ev.RATING_DEFAULTED)}
    assert defaulted == set(served)  # every served ticket, those of the last days too
    kept = [tid for tid in served if tid in d.e.tickets]
    assert len(kept) < len(served) and all(d.e.tickets[tid].rating == 4 for tid in kept)
