"""Memory stays flat over months: finished tickets of old days leave memory, never the log."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from queue_broker.engine.commands import FinishTicket
from queue_broker.engine.hall import HallEngine
from queue_broker.engine.housekeeping import forget_days_before

from .conftest import TZ, holder


def test_old_finished_tickets_are_forgotten_and_live_ones_kept(drive, clock, config):
    drive.open("W1")
    for day in range(10):
        clock.now = datetime(2026, 11, 1, 9, 0, tzinfo=TZ) + timedelta(days=day)
        for k in range(3):
            drive.issue(holder=holder(f"h{day}-{k}"))
        drive.act("W1", "call-next")
        drive.run(FinishTicket("W1", "done"), minutes=5)
    kept_waiting = [t.id for t in drive.e.tickets.values() if t.state == "waiting" and t.day == date(2026, 11, 1)]
    before = len(drive.e.tickets)
    n = forget_days_before(drive.e, date(2026, 11, 8))
    assert n > 0 and len(drive.e.tickets) == before - n
    assert all(t.day >= date(2026, 11, 8) or t.state == "waiting" for t in drive.e.tickets.values())
    assert all(tid in drive.e.tickets for tid in kept_waiting)  # still waiting: never forgotten
    assert all(k[0] >= date(2026, 11, 8) for k in drive.e.per_person)
    # today's numbering and caps are untouched
    assert drive.issue()["number"] == "A004"
    # the log still has everything: a replay for a report sees all ten days
    full = HallEngine(config)
    full.replay(drive.events)
    assert len({t.day for t in full.tickets.values()}) == 10
