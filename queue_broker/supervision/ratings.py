"""The default-satisfied rule (默认好评) as a tick task: a served ticket not rated within the configured
days (`ratings.default_satisfied`, working days by default) counts as 满意 where the province says so.

The task only proposes ticket ids; the engine checks each one again (served, unrated, due) and emits a
`rating_defaulted` event, so a wrong proposal can never rate a ticket early.
"""

from __future__ import annotations

import heapq
from datetime import datetime
from itertools import takewhile
from typing import Any

from ..engine.commands import ApplyDefaultRatings
from ..engine.records import CANCELLED, DONE, NO_SHOW


class DefaultSatisfiedTask:
    """Each run looks only at tickets issued since the last run, the few still in the hall, and the
    served ones whose time has come (a heap by due time): never the whole history."""

    __name__ = "default_satisfied"

    def __init__(self) -> None:
        self._engine: Any = None

    def _reset(self, engine: Any) -> None:
        self._engine, self._newest = engine, None
        self._in_hall: set[str] = set()  # issued, not yet served, no-show or cancelled
        self._due: list[tuple[datetime, str]] = []  # (when it falls due, ticket id) of served, unrated tickets

    def __call__(self, engine: Any, now: datetime) -> list[Any]:
        if engine.default_rating_rule() is None:
            return []
        if engine is not self._engine:  # first run, or the broker rebuilt its engine from the store
            self._reset(engine)
        tickets = engine.tickets
        # new tickets are the newest keys (a dict keeps insertion order); not a count, which drops
        # when housekeeping forgets old days and would then skip as many new tickets
        self._in_hall.update(takewhile(lambda tid: tid != self._newest, reversed(tickets)))
        self._newest = next(reversed(tickets), None)
        for tid in list(self._in_hall):
            t = tickets[tid]
            if t.state == DONE and t.finished_at is not None:
                self._in_hall.discard(tid)
                if t.rating is None:
                    heapq.heappush(self._due, (engine.default_rating_due(t.finished_at), tid))
            elif t.state in (NO_SHOW, CANCELLED):
                self._in_hall.discard(tid)
        due = []
        while self._due and self._due[0][0] <= now:
            _, tid = heapq.heappop(self._due)
            t = tickets.get(tid)  # None: its day was forgotten before it fell due (a long holiday)
            if t is not None and t.rating is None:
                due.append(tid)
        return [ApplyDefaultRatings(tuple(due))] if due else []
