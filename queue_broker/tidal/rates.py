"""What the hall expects in the next minutes: recent arrival rates and the minutes ticketing is open."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from itertools import islice

from ..engine.hall import HallEngine

WINDOW_MIN = 30.0  # arrivals are counted over the last half hour (the scenarios' slot length) ...
MIN_SPAN_MIN = 10.0  # ... but never divided by less than this many open minutes (an opening crowd
#                      in its first minutes is not a rate)


class OpenClock:
    """`engine.is_ticketing_open`, remembered per local minute (the calendar does not change within
    a day, and the rebalancer asks about the same minutes every review)."""

    def __init__(self) -> None:
        self._memo: dict[tuple[int, int], bool] = {}

    def is_open(self, engine: HallEngine, at: datetime) -> bool:
        local = at.astimezone(engine.tz)
        key = (local.toordinal(), local.hour * 60 + local.minute)
        hit = self._memo.get(key)
        if hit is None:
            if len(self._memo) > 5000:
                self._memo.clear()
            hit = self._memo[key] = engine.is_ticketing_open(local.replace(second=30, microsecond=0))
        return hit


class ArrivalRates:
    """Tickets per minute per queue over the last WINDOW_MIN open minutes, read from the engine's
    tickets as they come (so a broker restarted mid-day finds the morning's rate again)."""

    def __init__(self, clock: OpenClock | None = None) -> None:
        self._seen = 0
        self._issued: dict[str, deque[datetime]] = {}
        self.clock = clock or OpenClock()

    def update(self, engine: HallEngine, now: datetime) -> None:
        if self._seen > len(engine.tickets):  # a rebuilt engine
            self._seen, self._issued = 0, {}
        horizon = now - timedelta(minutes=WINDOW_MIN)
        for t in islice(engine.tickets.values(), self._seen, None):
            if t.issued_at >= horizon and t.return_of is None:
                self._issued.setdefault(t.queue_id, deque()).append(t.issued_at)
        self._seen = len(engine.tickets)
        for dq in self._issued.values():
            while dq and dq[0] < horizon:
                dq.popleft()

    def observed_minutes(self, engine: HallEngine, now: datetime) -> int:
        """Minutes of the last WINDOW_MIN in which tickets could be taken."""
        return sum(1 for m in range(int(WINDOW_MIN)) if self.clock.is_open(engine, now - timedelta(minutes=m + 0.5)))

    def rates(self, engine: HallEngine, now: datetime) -> dict[str, float]:
        span = max(float(self.observed_minutes(engine, now)), MIN_SPAN_MIN)
        return {q: len(self._issued.get(q, ())) / span for q in engine.queues}


def open_minutes(engine: HallEngine, now: datetime, horizon_min: float, clock: OpenClock | None = None) -> list[float]:
    """The minutes from now (0, 1, 2, ...) in which ticketing is open, up to the horizon."""
    clock = clock or OpenClock()
    return [float(m) for m in range(int(horizon_min) + 1) if clock.is_open(engine, now + timedelta(minutes=m + 0.5))]
