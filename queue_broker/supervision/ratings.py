"""The default-satisfied rule (默认好评) as a tick task: a served ticket not rated within the configured
days (`ratings.default_satisfied`, working days by default) counts as 满意 where the province says so.

The task only proposes ticket ids; the engine checks each one again (served, unrated, due) and emits a
`rating_defaulted` event, so a wrong proposal can never rate a ticket early.
"""

from __future__ import annotations

from datetime import datetime
from itertools import islice
from typing import Any

from ..engine.commands import ApplyDefaultRatings
from ..engine.records import CANCELLED, DONE, NO_SHOW


class DefaultSatisfiedTask:
    """Keeps the ids of tickets that may still need a default rating, so each run looks at a few
    hundred tickets, not the whole history. Runs every `every_s` seconds of the clock, and at the
    exact moment the earliest known ticket falls due."""

    __name__ = "default_satisfied"

    def __init__(self, every_s: float = 60.0):
        self.every_s = every_s
        self._engine: Any = None
        self._cursor = 0
        self._pending: dict[str, None] = {}
        self._last: datetime | None = None
        self._next_due: datetime | None = None  # the earliest due time seen: run then, throttle or not

    def __call__(self, engine: Any, now: datetime) -> list[Any]:
        if engine.default_rating_rule() is None:
            return []
        if engine is not self._engine:  # first run, or the broker rebuilt its engine from the store
            self._engine, self._cursor, self._pending, self._last, self._next_due = engine, 0, {}, None, None
        recent = self._last is not None and 0 <= (now - self._last).total_seconds() < self.every_s
        if recent and (self._next_due is None or now < self._next_due):
            return []  # a ticket finishing meanwhile is due days later: the next full run is in time
        self._last = now
        tickets = engine.tickets
        if len(tickets) > self._cursor:
            for tid in islice(tickets, self._cursor, None):
                self._pending[tid] = None
            self._cursor = len(tickets)
        due, next_due = [], None
        for tid in list(self._pending):
            t = tickets.get(tid)
            if t is None or t.rating is not None or t.state in (NO_SHOW, CANCELLED):
                del self._pending[tid]
                continue
            if t.state == DONE and t.finished_at is not None:
                when = engine.default_rating_due(t.finished_at)
                if now >= when:
                    due.append(tid)
                elif next_due is None or when < next_due:
                    next_due = when
        self._next_due = next_due
        return [ApplyDefaultRatings(tuple(due))] if due else []
