"""Memory stays flat over months: finished tickets of old days leave memory, never the log."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from queue_broker.engine.commands import FinishTicket, SubmitRating
from queue_broker.engine.hall import HallEngine, Rejected
from queue_broker.engine.housekeeping import CompactEnded, forget_days_before
from queue_broker.engine.records import ENDED, PastTicket, TicketRec

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


# ---------------------------------------------------------------- ended tickets kept compact
def _served_day(drive, n: int = 6) -> list[dict]:
    drive.open("W1")
    issued = [drive.issue(holder=holder(f"p{k}")) for k in range(n)]
    for _ in range(n - 2):  # the last two wait: they stay full records
        drive.act("W1", "call-next", minutes=3)
    drive.act("W1", "no-show", minutes=1)  # the fourth: a no-show; the first three: served
    return issued


def test_an_ended_ticket_kept_compact_answers_status_late_rating_and_estimates(drive, clock, config):
    issued = _served_day(drive)
    served, waiting = issued[0]["id"], issued[-1]["id"]
    now = clock()
    views = {t["id"]: drive.e.ticket_view(drive.e.tickets[t["id"]], now) for t in issued}
    assert drive.e.tickets[served].holder_masked is not None  # before: the full record

    assert CompactEnded()(drive.e, now) == []
    assert isinstance(drive.e.tickets[served], PastTicket)
    assert isinstance(drive.e.tickets[issued[3]["id"]], PastTicket)  # the no-show too
    assert isinstance(drive.e.tickets[waiting], TicketRec)  # still in the hall: untouched
    # the citizen's status check sees exactly what it saw before
    assert {t["id"]: drive.e.ticket_view(drive.e.tickets[t["id"]], now) for t in issued} == views
    past = drive.e.tickets[served]
    assert past.number == issued[0]["number"] and past.holder_hash is None  # the keyed hash leaves memory
    assert past.holder_masked == {"id_number": "1101**********002X", "name": "张*"}  # a hand-over still sends it
    # a late rating, and one refused for the no-show, as for a full record
    assert drive.run(SubmitRating(served, 5), minutes=30) == {"rating": {"ticket_id": served, "level": 5}}
    assert drive.e.tickets[served].rating == 5
    with pytest.raises(Rejected) as err:
        drive.run(SubmitRating(issued[3]["id"], 4))
    assert err.value.code == "conflict"
    # the estimator reads compact and full records alike: the same forecast as a hall that never compacted
    full, compacted = HallEngine(config), HallEngine(config)
    full.replay(drive.events)
    compacted.replay(drive.events)
    CompactEnded()(compacted, clock())
    assert full.queues_state(clock()) == compacted.queues_state(clock())
    # the log keeps everything: a replay for a report or export has the masked holder again
    assert isinstance(full.tickets[served], TicketRec) and full.tickets[served].holder_masked is not None


def test_compaction_follows_only_the_tickets_still_in_the_hall(drive, clock):
    task = CompactEnded()
    drive.open("W1")
    for day in range(3):
        clock.now = datetime(2026, 11, 1, 9, 0, tzinfo=TZ) + timedelta(days=day)
        for _ in range(20):
            drive.issue(minutes=1)
            drive.act("W1", "call-next", minutes=1)
            task(drive.e, clock())
        forget_days_before(drive.e, clock().date())  # earlier days leave: new tickets must still be seen
    tickets = drive.e.tickets.values()
    assert sum(isinstance(t, TicketRec) for t in tickets) == 1  # only the citizen at the counter now
    assert len(task._live) == 1  # what it follows is who is in the hall, not the day's tickets
    assert all(t.state in ENDED for t in tickets if isinstance(t, PastTicket))
