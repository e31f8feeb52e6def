"""Play the hall forward for a while under a plan (which queues each counter serves) and price it.

The same picture as the ticket estimate (queue_broker.engine.estimate): counters come free after the
expected rest of their current service, then call by the engine's rule, each service taking the
queue's mean counter time. The rule is the longest-waiting ticket of the queues a counter serves,
except that a tidal counter serving several queues chooses between them by need (engine/calling.py
rule 4, the same functions): a plan is priced as the counters would really work it. Unlike the ticket estimate
it also lets the citizens expected in the next minutes arrive, evenly at each queue's recent rate
while ticketing is open, because a plan must be good for them too.

The price of a plan is the citizens' waiting in minutes, with every minute beyond the queue's SLA
counted twice (`sla_weight` extra): the hall is judged by how long people wait and by how many wait
too long. Citizens still waiting when the horizon ends are priced with their wait so far plus the
time the counters then serving their queue need to reach them.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from dataclasses import dataclass, field

from ..engine.calling import at_risk, need
from ..engine.estimate import Board, spread_releases

INF = float("inf")


@dataclass
class Picture:
    """A board turned into plain arrays for fast replays. Times in minutes from now."""

    queue_ids: list[str]
    index: dict[str, int]
    service: list[float]  # mean counter time per call
    sla: list[float]
    tickets: list[list[float]]  # per queue: issue times (<= 0 waiting, > 0 expected arrivals), in order
    counter_ids: list[str]
    sets: list[tuple[int, ...]]  # what each counter serves (after any planned move)
    free_at: list[float]  # when each counter is free next (residuals spread, switches included)
    residual: list[float] = field(default_factory=list)  # free_at without a switch still to come
    waiting: list[int] = field(default_factory=list)
    services: list[list[float]] | None = None  # per ticket (a sampled future), else the queue's mean
    by_need: list[bool] = field(default_factory=list)  # per counter: calls by need between its queues


def sampled(p: Picture, b: Board, rates: dict[str, float], open_minutes: list[float], horizon: float, rng) -> Picture:
    """One possible future: Poisson arrivals, lognormal services (learned mean and cv), random
    remaining times of the services under way. Replays of different plans on the same sample meet
    the same citizens (common random numbers), so their difference is the plan's."""
    import math

    tickets, services = [], []
    for qi, q in enumerate(p.queue_ids):
        lst = sorted(-age for _, age in b.waiting[q])
        lam = rates.get(q, 0.0)
        if lam > 0 and open_minutes:
            t = 0.0
            mins = [m for m in open_minutes if m < horizon]
            # a Poisson stream over the open minutes: exponential gaps in "open time"
            gap = rng.expovariate(lam)
            for m in mins:
                while gap < 1.0:
                    lst.append(m + gap)
                    gap += rng.expovariate(lam)
                gap -= 1.0
            del t
        mean = p.service[qi]
        cv = min(b.service.cv.get(q, 0.8), 3.0)
        if cv > 1e-6:
            s2 = math.log1p(cv * cv)
            mu, sd = math.log(mean) - s2 / 2, math.sqrt(s2)
            svc = [rng.lognormvariate(mu, sd) for _ in lst]
        else:
            svc = [mean] * len(lst)
        tickets.append(lst)
        services.append(svc)
    free = []
    for f, r in zip(p.free_at, p.residual, strict=True):
        extra = f - r
        free.append((rng.expovariate(1.0 / r) if r > 1e-9 else 0.0) + extra)
    return Picture(
        p.queue_ids,
        p.index,
        p.service,
        p.sla,
        tickets,
        p.counter_ids,
        p.sets,
        free,
        [f - (pf - pr) for f, pf, pr in zip(free, p.free_at, p.residual, strict=True)],
        p.waiting,
        services,
        p.by_need,
    )


def picture(
    b: Board, sla_min: dict[str, float], rates: dict[str, float], open_minutes: list[float], horizon: float
) -> Picture:
    """Arrange a board (and expected arrivals at `rates` per minute during `open_minutes`, the
    minutes from now in which tickets can be taken) for replays."""
    qids = list(b.waiting)
    index = {q: i for i, q in enumerate(qids)}
    service = [b.service.mean_s.get(q, 480.0) / 60.0 for q in qids]
    tickets: list[list[float]] = []
    for q in qids:
        lst = sorted(-age for _, age in b.waiting[q])
        lam = rates.get(q, 0.0)
        if lam > 0 and open_minutes:
            minutes = [m for m in open_minutes if m < horizon]
            lst.extend(expected_times(minutes, [lam] * len(minutes)))
        tickets.append(lst)
    cv2 = {q: min(b.service.cv.get(q, 0.8) ** 2, 1.0) for q in qids}
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, s in enumerate(b.slots):
        groups.setdefault(s.queues, []).append(i)
    free = [s.free_at for s in b.slots]
    for idx in groups.values():
        for i, f in zip(idx, spread_releases([b.slots[i] for i in idx], cv2), strict=True):
            free[i] = f
    return Picture(
        qids,
        index,
        service,
        [sla_min.get(q, 20.0) for q in qids],
        tickets,
        [s.counter_id for s in b.slots],
        [tuple(index[q] for q in s.queues if q in index) for s in b.slots],
        free,
        [f - s.later for f, s in zip(free, b.slots, strict=True)],
        [len(b.waiting[q]) for q in qids],
        None,
        [s.by_need for s in b.slots],
    )


def expected_times(minutes: list[float], rates: list[float]) -> list[float]:
    """Expected arrivals over these minutes (from now) at these rates per minute: one each time the
    expected count passes a half (also the planner's, plan/planner.py, with a forecast's rates)."""
    times: list[float] = []
    acc, nxt = 0.0, 0.5
    for m, lam in zip(minutes, rates, strict=True):
        if lam <= 0:
            continue
        acc2 = acc + lam
        while nxt < acc2:
            times.append(m + (nxt - acc) / lam)
            nxt += 1.0
        acc = acc2
    return times


def replay(
    p: Picture, sets: list[tuple[int, ...]], free_at: list[float], horizon: float, sla_weight: float = 1.0
) -> float:
    """Price of serving with `sets` / `free_at` (one entry per counter) over `horizon` minutes."""
    tickets, service, sla, per_ticket = p.tickets, p.service, p.sla, p.services
    ptr = [0] * len(tickets)
    heap = [(f, k) for k, f in enumerate(free_at) if f < horizon and sets[k]]
    heapq.heapify(heap)
    calls_by_need = p.by_need or [False] * len(sets)
    share = shares(sets, len(tickets))
    cost = 0.0
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        t, k = pop(heap)
        best, best_issue, nxt = -1, INF, INF
        heads = 0
        for q in sets[k]:
            i = ptr[q]
            lst = tickets[q]
            if i < len(lst):
                issue = lst[i]
                if issue <= t:
                    heads += 1
                    if issue < best_issue:
                        best, best_issue = q, issue
                elif issue < nxt:
                    nxt = issue
        if best < 0:
            if nxt < horizon:
                push(heap, (nxt, k))
            continue
        if heads > 1 and calls_by_need[k]:
            best = by_need(t, sets[k], tickets, ptr, service, sla, share)
            best_issue = tickets[best][ptr[best]]
        w = t - best_issue
        cost += w
        if w > sla[best]:
            cost += sla_weight * (w - sla[best])
        t2 = t + (per_ticket[best][ptr[best]] if per_ticket is not None else service[best])
        ptr[best] += 1
        if t2 < horizon:
            push(heap, (t2, k))
    # citizens still waiting at the horizon: their wait so far plus the time to reach them. A counter
    # serving several queues calls the longest-waiting first, so its time goes to them roughly in
    # proportion to the work they have left.
    left = [0] * len(tickets)
    for q, lst in enumerate(tickets):
        i = ptr[q]
        while i < len(lst) and lst[i] < horizon:
            i += 1
        left[q] = i - ptr[q]
    if not any(left):
        return cost
    capacity = [0.0] * len(tickets)
    for s in sets:
        if not s:
            continue
        if len(s) == 1:
            capacity[s[0]] += 1.0
            continue
        work = sum(left[q] * service[q] for q in s)
        for q in s:
            capacity[q] += (left[q] * service[q] / work) if work > 0 else 1.0 / len(s)
    for q, lst in enumerate(tickets):
        if not left[q]:
            continue
        per = service[q] / capacity[q] if capacity[q] > 0 else 4 * horizon
        i = ptr[q]
        for j in range(left[q]):
            w = horizon - lst[i + j] + (j + 1) * per
            cost += w
            if w > sla[q]:
                cost += sla_weight * (w - sla[q])
    return cost


def shares(sets: list[tuple[int, ...]], queues: int) -> list[float]:
    """Counters serving each queue under a plan, one serving k queues counting 1/k (the engine's
    `others` for a tidal counter's call is this less its own share)."""
    share = [0.0] * queues
    for s in sets:
        for q in s:
            share[q] += 1.0 / len(s)
    return share


def by_need(
    t: float,
    served: tuple[int, ...],
    tickets: list[list[float]],
    ptr: list[int],
    service: list[float],
    sla: list[float],
    share: list[float],
) -> int:
    """The queue a tidal counter calls from at `t` (engine/calling.py rule 4): a first citizen at risk
    of passing the SLA, the longest such wait; otherwise the largest need."""
    own = 1.0 / len(served)
    risky, risky_wait, best, best_key = -1, -INF, -1, (-INF, -INF)
    for q in served:
        i = ptr[q]
        lst = tickets[q]
        if i >= len(lst) or lst[i] > t:
            continue
        wait, others = t - lst[i], share[q] - own
        if at_risk(wait, service[q], others, sla[q]):
            if wait > risky_wait:
                risky, risky_wait = q, wait
        elif risky < 0:
            key = (need(bisect_right(lst, t, i) - i, wait, service[q], others, sla[q]), wait)
            if key > best_key:
                best, best_key = q, key
    return risky if risky >= 0 else best
