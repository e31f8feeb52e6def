"""`cmd/ticket/view` answered off the engine thread (issue 18: status p99 < 50 ms with the hall at peak).

The engine thread is the only writer of the hall's state, and it can be busy for most of a second (the
tidal review, a commit's fsync). A citizen's status read need not wait for it: after each batch the engine
thread computes the views of the tickets asked about in the last minute (the "leased" ones) into a
snapshot, and MQTT's network thread answers a view request from that snapshot when every token of it is
there. Anything else (an unknown or new token, a ticket not yet leased) goes to the engine as before, which
answers from the snapshot too once it is there (a page's refresh queued behind the refresh itself).

Why this stays the one truth: the snapshot holds only the engine's own views, computed after a batch (so
of committed state only). At each commit, before its replies go out, the views of every ticket an event
of it names, of every ticket in a queue it names and in the queues of a counter it names are dropped: a
client that saw a reply never reads a ticket or a place in line from before it. The end of the batch
computes the dropped and newly leased views again; all of them every `REFRESH_S` (an estimate also moves
with the clock and with what happens in other queues). A read never creates state; it only renews a lease. When
the engine thread has not finished a batch for `ENGINE_STALE_S`, nothing is answered from the snapshot, so
a stalled broker still gives the gateway's 503 within its 5 s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

LEASE_S = 60.0  # a ticket asked about this recently is kept in the snapshot
REFRESH_S = 5.0  # the views are recomputed at least this often (the estimates move with the clock)
ENGINE_STALE_S = 3.0  # a tidal review holds the engine ~1 s; longer than this, the broker counts as stalled
MAX_LEASED = 5000  # a bound on the snapshot, whatever the gateway asks about


class ViewSnapshot:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._views: dict[str, dict[str, Any]] = {}  # ticket id -> the engine's citizen view
        self._leased: dict[str, float] = {}  # ticket id -> monotonic time it was last asked about
        self._stale = True  # a commit (or nothing yet) since the last refresh
        self._new_lease = False
        self._refreshed_at = 0.0
        self._engine_at = time.monotonic()  # the engine thread last finished a batch
        self.hits = 0  # requests answered on the network thread
        self.misses = 0  # requests it left to the engine thread

    # ------------------------------------------------------------ any thread
    def views(self, ticket_ids: list[str | None], today: str, count: bool = True) -> list[dict[str, Any]] | None:
        """The views of these tickets, or None when the engine must answer (any missing, or it stalled)."""
        mono = time.monotonic()
        with self._lock:
            for tid in ticket_ids:
                if tid and (tid in self._leased or len(self._leased) < MAX_LEASED):
                    self._leased[tid] = mono
                    if tid not in self._views:
                        self._new_lease = True
            fresh = mono - self._engine_at <= ENGINE_STALE_S
            out = [self._views.get(tid) if tid else None for tid in ticket_ids] if fresh else [None]
        found = all(v is not None and v.get("day") == today for v in out)
        if count:
            if found:
                self.hits += 1
            else:
                self.misses += 1
        return out if found else None  # type: ignore[return-value]  # no None left

    # ------------------------------------------------------------ the engine thread
    def invalidate(self, engine: Any, events: Iterable[Any]) -> None:
        """A commit was made: drop the views of the tickets and queues its events name."""
        tickets: set[str] = set()
        queues: set[str] = set()
        for e in events:
            for value in e.data.values():
                for v in value if isinstance(value, list | tuple) else (value,):
                    if not isinstance(v, str):
                        continue
                    t = engine.tickets.get(v)
                    if t is not None:
                        tickets.add(v)
                        queues.add(t.queue_id)
                    elif v in engine.queues:
                        queues.add(v)
                    elif v in engine.counters:  # opened, closed, paused: the estimates of what it serves
                        queues.update(engine.counters[v].queue_ids)
        with self._lock:
            self._views = {
                tid: view
                for tid, view in self._views.items()
                if tid not in tickets and view.get("queue_id") not in queues
            }
            self._stale = True

    def after_batch(self, engine: Any, now: datetime) -> None:
        """Compute the leased views a commit dropped and the newly leased ones; every view when REFRESH_S
        passed. The engine's state is committed here: the batch's changes were flushed (or rolled back)."""
        mono = time.monotonic()
        with self._lock:
            self._engine_at = mono
            full = mono - self._refreshed_at >= REFRESH_S
            if not full and not self._stale and not self._new_lease:
                return
            self._leased = {tid: at for tid, at in self._leased.items() if mono - at <= LEASE_S}
            kept = {} if full else {tid: v for tid, v in self._views.items() if tid in self._leased}
            ids = [tid for tid in self._leased if tid not in kept]
            self._new_lease = self._stale = False
        today = engine.local_day(now)
        for tid in ids:
            t = engine.tickets.get(tid)
            if t is not None and t.day == today:
                kept[tid] = engine.citizen_view(t, now)
        with self._lock:
            self._views = kept
            if full:
                self._refreshed_at = mono

    def __len__(self) -> int:
        return len(self._views)
