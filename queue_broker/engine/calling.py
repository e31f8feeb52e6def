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
4. A tidal counter (潮汐窗口) serving several queues keeps rule 3 within each queue but chooses
   between queues by need (`QueueLoad`): first any citizen at risk of passing their queue's SLA
   (the longest such wait); otherwise the queue where one service moves the most people forward per
   counter serving it, plus how close its first citizen would come to the SLA if this counter left
   them to the others. The longest wait alone sends a flexible counter to a queue that its own
   counters are about to reach anyway (docs/tidal.md, "How a tidal counter calls").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .records import GREEN, NORMAL, PRIORITY_RANK, QueueStats, TicketRec

ChooseNext = Callable[..., TicketRec | None]


@dataclass(frozen=True)
class QueueLoad:
    """What a tidal counter weighs about one of its queues when it calls (rule 4)."""

    others: float  # other open counters serving the queue; one serving k queues counts 1/k
    mean_service_s: float
    sla_s: float


def choose_next(
    waiting: Iterable[TicketRec],
    now: datetime,
    stats: Mapping[str, QueueStats],
    walk_in_share: float,
    queue_weights: Mapping[str, float],
    loads: Mapping[str, QueueLoad] | None = None,
    why: list[dict[str, Any]] | None = None,
) -> TicketRec | None:
    """The next ticket for a counter; `loads` (every queue it serves) makes it a tidal counter's call.
    For such a call between several queues, `why` gets what decided it: `{"rule": "at_risk", "queue_id",
    "wait_s"}` or `{"rule": "need", "queue_id", "waiting", "others"}` (for the supervisor)."""
    tickets = list(waiting)
    if not tickets:
        return None

    def weighted_wait(t: TicketRec) -> float:
        return (now - t.issued_at).total_seconds() * queue_weights.get(t.queue_id, 1.0)

    def first(pool: list[TicketRec]) -> TicketRec:
        # ties (same weighted wait) go to the earlier issue, then the lower number: never to dict order
        return min(pool, key=lambda t: (-weighted_wait(t), t.issued_at, len(t.number), t.number))

    def oldest(pool: list[TicketRec]) -> TicketRec:
        if not loads:
            return first(pool)
        by_queue: dict[str, list[TicketRec]] = {}
        for t in pool:
            by_queue.setdefault(t.queue_id, []).append(t)
        if len(by_queue) < 2:
            return first(pool)
        heads = [first(ts) for ts in by_queue.values()]
        risky = [h for h in heads if _at_risk(weighted_wait(h), loads[h.queue_id])]
        if risky:
            chosen = first(risky)
            reason = {
                "rule": "at_risk",
                "queue_id": chosen.queue_id,
                "wait_s": round((now - chosen.issued_at).total_seconds()),
            }
        else:
            chosen = max(
                heads,
                key=lambda h: (_need(len(by_queue[h.queue_id]), weighted_wait(h), loads[h.queue_id]), weighted_wait(h)),
            )
            reason = {
                "rule": "need",
                "queue_id": chosen.queue_id,
                "waiting": len(by_queue[chosen.queue_id]),
                "others": round(loads[chosen.queue_id].others, 2),
            }
        if why is not None:
            why.append(reason)
        return chosen

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


def _at_risk(head_wait_s: float, load: QueueLoad) -> bool:
    return at_risk(head_wait_s, load.mean_service_s, load.others, load.sla_s)


def _need(waiting: int, head_wait_s: float, load: QueueLoad) -> float:
    return need(waiting, head_wait_s, load.mean_service_s, load.others, load.sla_s)


# The two tests of rule 4 on plain numbers, in any one unit of time: the engine calls them in seconds,
# the rebalancer's lookahead (tidal/lookahead.py) in minutes when it plays tidal counters forward.
def at_risk(head_wait: float, mean_service: float, others: float, sla: float) -> bool:
    """Within one call interval of the queue (its mean service over the counters serving it, this
    one included) of passing the SLA: skipped now, they would most likely pass it."""
    return head_wait + mean_service / (others + 1) >= sla


def need(waiting: int, head_wait: float, mean_service: float, others: float, sla: float) -> float:
    """How much a queue needs this counter's next service (rule 4), without units: the citizens
    behind the first, per counter serving them with this one (how many people one service here moves
    forward), plus the first citizen's wait by the time another counter of the queue would reach them,
    as a fraction of the SLA. With nobody else serving the queue that is taken as two of its services
    (this counter's next elsewhere, then theirs): finite, and larger than with any other counter."""
    return (waiting - 1) / (others + 1) + (head_wait + mean_service / max(others, 0.5)) / sla


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
