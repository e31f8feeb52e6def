"""Which waiting ticket a counter calls next: one replaceable function.

The rule (docs/engine.md):
1. Green channel (绿色通道) first, always.
2. Otherwise the priority classes (appointments checked in on time and return tickets, then the
   elderly) go before ordinary walk-ins — except that whenever ordinary walk-ins are waiting and
   fewer than `walk_in_share` of the queue's last ten calls went to them, the walk-in goes next.
   This keeps appointments from starving walk-ins (seed art. 19: booking is never compulsory).
3. Within the chosen class, across every queue the counter serves, the ticket with the largest
   weighted waiting time goes first: `(now - issued_at) * weight(queue)`. A transferred ticket keeps
   its original issue time, so it keeps its place in time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from .records import GREEN, NORMAL, PRIORITY_RANK, QueueStats, TicketRec

ChooseNext = Callable[..., TicketRec | None]


def choose_next(
    waiting: Iterable[TicketRec],
    now: datetime,
    stats: Mapping[str, QueueStats],
    walk_in_share: float,
    queue_weights: Mapping[str, float],
) -> TicketRec | None:
    tickets = list(waiting)
    if not tickets:
        return None

    def weighted_wait(t: TicketRec) -> float:
        return (now - t.issued_at).total_seconds() * queue_weights.get(t.queue_id, 1.0)

    def oldest(pool: list[TicketRec]) -> TicketRec:
        # ties (same weighted wait) go to the earlier issue, then the lower number: never to dict order
        return min(pool, key=lambda t: (-weighted_wait(t), t.issued_at, len(t.number), t.number))

    green = [t for t in tickets if t.priority == GREEN]
    if green:
        return oldest(green)
    normal = [t for t in tickets if t.priority == NORMAL]
    priority = [t for t in tickets if t.priority != NORMAL]
    if not priority:
        return oldest(normal)
    if normal and _walk_ins_owed(normal, stats, walk_in_share):
        return oldest(normal)
    best_rank = min(PRIORITY_RANK[t.priority] for t in priority)
    return oldest([t for t in priority if PRIORITY_RANK[t.priority] == best_rank])


def _walk_ins_owed(normal: list[TicketRec], stats: Mapping[str, QueueStats], share: float) -> bool:
    """True when ordinary walk-ins got less than their share of the recent calls of their queues."""
    recent: list[str] = []
    for qid in {t.queue_id for t in normal}:
        if qid in stats:
            # the green channel stands outside the share: it is never weighed against walk-ins
            recent.extend(p for p in stats[qid].recent_calls if p != GREEN)
    if not recent:
        return False  # no history yet: the priority class goes first, walk-ins follow by share
    return recent.count(NORMAL) / len(recent) < share
