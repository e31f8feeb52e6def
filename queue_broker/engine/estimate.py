"""Waiting-time estimates: a number and an honest range for every ticket and queue.

`forecast_wait` (what `HallEngine.estimate_for` uses) plays the hall forward from its live state:
the counters that are open, what each of them serves now (a tidal counter serving several queues, or
one whose move to other queues waits for its citizen), how long its current citizen will probably
still take, and the tickets waiting in every queue. Counters call by the engine's own rule (class,
then longest weighted wait), so a ticket is called when every ticket that would go before it, in any
queue shared with its counters, has been called. Tickets that come later never go before an ordinary
ticket, so the forecast needs no guess of future arrivals. Service times are the queue's smoothed
mean counter time per call (no-shows included: they take counter time too), and their spread is
learned from the day's finished services.

The range is lognormal: the forecast is the mean of the call time; its variance adds the spread of
every service on the way (divided among the counters working in parallel). The 50th and 80th
percentiles of that lognormal are the number and the range printed on the ticket.

`estimate_wait` is the older queue-length formula, kept for callers that have no engine.
"""

from __future__ import annotations

import heapq
import math
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, cast

from .records import HOLD_EXPIRED, PRIORITY_RANK, counter_seconds

if TYPE_CHECKING:
    from .hall import HallEngine

Z80 = 0.8416
DEFAULT_CV = 0.8  # spread of service times until the day has taught a queue its own


@dataclass(frozen=True)
class WaitEstimate:
    p50_s: int
    p80_s: int

    @property
    def range_s(self) -> tuple[int, int]:
        return (self.p50_s, self.p80_s)


def estimate_wait(
    ahead: int, mean_service_s: float, counters: float, cv: float = DEFAULT_CV, in_progress: int = 0
) -> WaitEstimate:
    """Queue-length estimate for a ticket with `ahead` waiting tickets before it."""
    if counters <= 0:
        # nobody serves the queue now: say so honestly with a long bound rather than zero
        counters = 0.5
    work = ahead + 0.5 * min(in_progress, counters)
    mean = work * mean_service_s / counters
    sd = math.sqrt(max(ahead, 0) + 1) * cv * mean_service_s / counters
    p50 = max(0.0, mean)
    p80 = max(p50, mean + Z80 * sd)
    return WaitEstimate(int(round(p50)), int(round(p80)))


def smooth(previous: float, sample: float, alpha: float = 0.1) -> float:
    return (1 - alpha) * previous + alpha * sample


# ------------------------------------------------------------------------------ service-time model
def lognormal_quantiles(mean: float, sd: float) -> tuple[float, float]:
    """(p50, p80) of the lognormal with this mean and standard deviation."""
    if mean <= 0:
        return 0.0, 0.0
    if sd <= 0:
        return mean, mean
    s2 = math.log1p((sd / mean) ** 2)
    mu = math.log(mean) - s2 / 2
    s = math.sqrt(s2)
    return math.exp(mu), math.exp(mu + Z80 * s)


def _phi(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2))


def mean_residual(mean: float, cv: float, elapsed: float) -> float:
    """Expected remaining time of a lognormal service (mean, cv) that has already run `elapsed`."""
    if elapsed <= 0:
        return mean
    if cv <= 1e-6 or mean <= 0:
        return max(mean - elapsed, 0.0)
    s2 = math.log1p(cv * cv)
    s = math.sqrt(s2)
    mu = math.log(mean) - s2 / 2
    z = (mu - math.log(elapsed)) / s
    survive = _phi(z)
    if survive < 1e-9:  # far beyond anything seen: about as long again as the overrun's scale
        return elapsed * s
    return max(mean * _phi(z + s) / survive - elapsed, 0.0)


@dataclass
class ServiceModel:
    """Per queue: mean counter time per call (the engine's smoothed mean) and the learned spread."""

    mean_s: dict[str, float]
    cv: dict[str, float]
    n: dict[str, int] = field(default_factory=dict)  # counter times the mean was measured on


# engine -> (calls ended, means, spreads, sample sizes) when last measured
_learned: weakref.WeakKeyDictionary[HallEngine, tuple[int, dict[str, float], dict[str, float], dict[str, int]]] = (
    weakref.WeakKeyDictionary()
)
_RELEARN_EVERY = 10  # calls ended between two looks at the day's counter times
WINDOW = 50  # the most recent counter times per queue that the mean and spread are measured on
PRIOR_N = 5.0  # pseudo-observations of the configured mean (and DEFAULT_CV) while a queue has few


def service_model(engine: HallEngine) -> ServiceModel:
    """Per queue, the mean and coefficient of variation of the counter time per call (finished or
    no-show), measured on the queue's last WINDOW calls and shrunk towards the configured mean and
    DEFAULT_CV while there are few. A pure function of engine state, recomputed every few calls.

    The engine's own EWMA (alpha 0.1) weighs only about the last ten services: with a spread of 0.8
    its error is about 18 % of the mean, which a citizen with twenty people ahead feels as minutes."""
    done = sum(st.served + st.no_shows for st in engine.stats.values())
    cached = _learned.get(engine)
    if cached is None or done - cached[0] >= _RELEARN_EVERY or done < cached[0]:
        times: dict[str, list[tuple[datetime, float]]] = {q: [] for q in engine.queues}
        for t in engine.tickets.values():
            if (
                t.finished_at is not None
                and t.called_at is not None
                and t.queue_id in times
                and t.state != HOLD_EXPIRED
            ):
                times[t.queue_id].append((t.finished_at, counter_seconds(t, t.finished_at)))
        means: dict[str, float] = {}
        cvs: dict[str, float] = {}
        ns: dict[str, int] = {}
        for q, rows in times.items():
            prior = engine.queues[q].mean_service_min * 60.0
            rows.sort(key=lambda r: r[0])
            xs = [x for _, x in rows[-WINDOW:]]
            n = len(xs)
            m = (sum(xs) + PRIOR_N * prior) / (n + PRIOR_N)
            cv = DEFAULT_CV
            if n >= 2:
                mx = sum(xs) / n
                var = sum((x - mx) ** 2 for x in xs) / (n - 1)
                measured = math.sqrt(var) / mx if mx > 0 else DEFAULT_CV
                cv = (n * measured + PRIOR_N * DEFAULT_CV) / (n + PRIOR_N)
            means[q], cvs[q], ns[q] = m, cv, n
        cached = (done, means, cvs, ns)
        _learned[engine] = cached
    return ServiceModel(cached[1], cached[2], cached[3])


# ------------------------------------------------------------------------------ the hall, played forward
@dataclass
class Slot:
    """A counter as the forecast sees it: when it is next free (minutes from now), what it serves then."""

    counter_id: str
    queues: tuple[str, ...]
    free_at: float
    free_var: float = 0.0  # variance of free_at (the current citizen's remaining time)
    busy_queue: str | None = None  # queue of the citizen at the counter now
    later: float = 0.0  # part of free_at that is a switch still to come (not a residual service)
    by_need: bool = False  # a tidal counter: between its queues it calls by need (engine/calling.py rule 4)


@dataclass
class Board:
    """A snapshot for forecasts: waiting tickets per queue as (rank, minutes since issue, weight),
    in calling order within the queue, and the counters as slots."""

    now: datetime
    service: ServiceModel
    waiting: dict[str, list[tuple[int, float]]]  # queue -> [(rank, issued minutes ago), ...]
    weights: dict[str, float]
    slots: list[Slot] = field(default_factory=list)
    switch_cost_min: float = 0.0


def board(engine: HallEngine, now: datetime, switch_cost_min: float | None = None) -> Board:
    svc = service_model(engine)
    sc = engine.config.rebalancer.switch_cost_min if switch_cost_min is None else switch_cost_min
    waiting: dict[str, list[tuple[int, float]]] = {}
    for q, ids in engine.waiting.items():
        rows = []
        for tid in ids:
            t = engine.tickets[tid]
            rows.append((PRIORITY_RANK.get(t.priority, 3), (now - t.issued_at).total_seconds() / 60.0))
        if any(r < 3 for r, _ in rows):
            rows.sort(key=lambda r: (r[0], -r[1]))
        waiting[q] = rows
    slots: list[Slot] = []
    closing = {r.counter_id for r in engine.reserves.values() if r.state == "closing"}
    for c in engine.counters.values():
        if c.status == "closed" or c.id in closing:  # a released reserve window takes nobody more
            continue
        free_at, var, busy_q, later = 0.0, 0.0, None, 0.0
        queues = tuple(c.queue_ids)
        if c.current:
            t = engine.tickets[c.current]
            busy_q = t.queue_id
            m = svc.mean_s.get(t.queue_id, 480.0) / 60.0
            cv = svc.cv.get(t.queue_id, DEFAULT_CV)
            elapsed = counter_seconds(t, now) / 60.0  # time on hold (挂起) left out
            free_at = mean_residual(m, cv, elapsed)
            var = (cv * free_at) ** 2
        if c.status == "paused":
            free_at = max(free_at, min(svc.mean_s.values(), default=300.0) / 60.0)
        if c.pending_queue_ids is not None:
            queues = tuple(c.pending_queue_ids)
            later = sc
        elif c.queue_since is not None and c.mode == "tidal" and sc > 0 and c.current is None:
            since = (now - c.queue_since).total_seconds() / 60.0
            if 0 <= since < sc:
                later = sc - since  # still changing over to its new queues
        if queues:
            slots.append(Slot(c.id, queues, free_at + later, var, busy_q, later, by_need=c.mode == "tidal"))
    for r in engine.reserves.values():  # an asked reserve clerk: a window open at `ready_by`
        if r.state == "asked" and r.ready_by is not None:
            queues = tuple(engine.reserve_cfg[r.id].eligible)
            ready = max((r.ready_by - now).total_seconds() / 60.0, 0.0)
            slots.append(Slot(f"reserve:{r.id}", queues, ready, 0.0, None, ready, by_need=True))
    weights = dict(engine.config.priorities.queue_weights)
    return Board(now, svc, waiting, weights, slots, sc)


def cached_board(engine: HallEngine, when: datetime) -> Board:
    """The board for this state and time, built once: a batch of requests and the state it publishes
    ask for many estimates of the same state (one per ticket, one per queue)."""
    key = (engine.events_applied, when)
    cached: tuple[tuple[int, datetime], Board] | None = getattr(engine, "_board_cache", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    b = board(engine, when)
    engine._board_cache = (key, b)
    return b


def spread_releases(slots: list[Slot], cv2: dict[str, float]) -> list[float]:
    """When each of these counters is expected to come free, taking into account that of several
    busy counters one comes free first: with exponential residuals of means r_i the k-th release is
    expected after the sum of 1/(sum of the remaining 1/r_i); lognormal residuals lie between that
    and fixed times, so the two are mixed by the squared coefficient of variation (1 = exponential,
    0 = fixed). Idle counters and switches still to come are kept as they are."""
    out = [s.free_at for s in slots]
    busy = [i for i, s in enumerate(slots) if s.busy_queue is not None and s.free_at - s.later > 1e-9]
    if len(busy) < 2:
        return out
    busy.sort(key=lambda i: slots[i].free_at - slots[i].later)
    rate = sum(1.0 / (slots[i].free_at - slots[i].later) for i in busy)
    t = 0.0
    for i in busy:
        r = slots[i].free_at - slots[i].later
        t += 1.0 / rate
        rate = max(rate - 1.0 / r, 1e-12)
        w = cv2.get(cast(str, slots[i].busy_queue), 1.0)  # busy: it has a queue
        out[i] = (1 - w) * r + w * t + slots[i].later
    return out


def call_forecast(b: Board, queue_id: str, ahead: int) -> tuple[float, float] | None:
    """(mean, variance) in minutes of when the ticket with `ahead` tickets before it in `queue_id`
    will be called, or None when no open counter serves the queue."""
    rows = b.waiting.get(queue_id, [])
    if ahead < len(rows):
        my_rank, my_age = rows[ahead]
    else:
        my_rank, my_age = 3, 0.0
    # the part of the hall that matters: queues reachable from this one through shared counters
    queues = {queue_id}
    taken = [False] * len(b.slots)
    grew = True
    while grew:
        grew = False
        for j, s in enumerate(b.slots):
            if not taken[j] and not queues.isdisjoint(s.queues):
                taken[j] = True
                before = len(queues)
                queues.update(s.queues)
                grew = grew or len(queues) > before
    slots = [s for j, s in enumerate(b.slots) if taken[j]]
    if not any(queue_id in s.queues for s in slots):
        return None
    w_me = b.weights.get(queue_id, 1.0)
    # tickets that may go before mine: mine's predecessors in my queue, older ones elsewhere
    lists: dict[str, list[tuple[int, float]]] = {}
    for q in queues:
        rows_q = b.waiting.get(q, [])
        if q == queue_id:
            lists[q] = rows_q[:ahead]
        else:
            w = b.weights.get(q, 1.0)
            lists[q] = [
                r
                for r in rows_q
                if r[0] < my_rank or (r[0] == my_rank and r[1] * w > my_age * w_me) or (r[0] == my_rank and w != w_me)
            ]
    mean_s, cvs = b.service.mean_s, b.service.cv
    svc = {q: mean_s.get(q, 480.0) / 60.0 for q in queues}
    cv2 = {q: min(cvs.get(q, DEFAULT_CV) ** 2, 1.0) for q in queues}
    ptr = dict.fromkeys(queues, 0)
    working = {i for i, s in enumerate(slots) if queue_id in s.queues}
    order = sorted(working)
    free = [s.free_at for s in slots]
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, s in enumerate(slots):
        if i not in working:
            groups.setdefault(s.queues, []).append(i)
    for idx in (order, *groups.values()):
        for i, f in zip(idx, spread_releases([slots[i] for i in idx], cv2), strict=True):
            free[i] = f
    heap = [(f, i) for i, f in enumerate(free)]
    heapq.heapify(heap)
    # the variance of the call time: the services my counters do before they call me, seen as the
    # releases of c counters in parallel. Over few releases (k small against c) they come like a
    # Poisson stream (each gap as uncertain as its mean); over many, each counter's own services add
    # up (the gaps' spread is the services' cv). Mixed by c / (k + c).
    k = 0
    renewal = poisson = 0.0
    first_release = None
    while heap:
        t, i = heapq.heappop(heap)
        busy_queue = slots[i].busy_queue
        if i in working and first_release is None and busy_queue is not None:
            first_release = (t, cv2.get(busy_queue, 1.0))
        best_q, best_key = None, None
        for q in slots[i].queues:
            lst = lists[q]
            p = ptr[q]
            if p < len(lst):
                rank, age = lst[p]
                key = (rank, -(age + t) * b.weights.get(q, 1.0))
                if best_key is None or key < best_key:
                    best_q, best_key = q, key
        if queue_id in slots[i].queues and ptr[queue_id] >= len(lists[queue_id]):
            key = (my_rank, -(my_age + t) * w_me)
            if best_key is None or key <= best_key:
                c = max(len(working), 1)
                mix = c / (k + c)
                var = ((1 - mix) * renewal + mix * poisson) / (c * c)
                if first_release is not None:
                    var += first_release[1] * first_release[0] ** 2
                # the mean service itself is only known to within cv / sqrt(n)
                n = b.service.n.get(queue_id, 0) + PRIOR_N
                var += (t * cvs.get(queue_id, DEFAULT_CV)) ** 2 / n
                return t, var
        if best_q is None:
            continue  # nothing more this counter could call before mine
        ptr[best_q] += 1
        if i in working:
            k += 1
            s2 = svc[best_q] ** 2
            renewal += s2 * cv2[best_q]
            poisson += s2
        heapq.heappush(heap, (t + svc[best_q], i))
    return None


# ------------------------------------------------------------------------------ calibration
CALIB_WINDOW = 200  # the most recent called citizens (who had a wait forecast) it is measured on
CALIB_EVERY = 10  # calls between two measurements
CALIB_PRIOR = 30.0  # pseudo-observations of the model's own quantiles while there are few


@dataclass
class Calibration:
    """How far the forecasts were off today, in units of their own spread: the median and the
    80th percentile of z = (ln actual wait - ln forecast median) / forecast log-spread over the last
    CALIB_WINDOW called citizens. A perfect model gives (0, 0.84). The printed number and range are
    the forecast's lognormal read at these two points instead, so the number is the median of what
    citizens like this one really waited today and the range's end holds for 8 in 10 of them.
    `history` keeps every (from, a, b) so that a printed estimate can be turned back into the raw
    forecast it came from."""

    calls: int
    history: list[tuple[datetime | None, float, float]]

    def at(self, t: datetime) -> tuple[float, float]:
        for start, a, b in reversed(self.history):
            if start is None or start <= t:
                return a, b
        return 0.0, Z80


_calibrations: weakref.WeakKeyDictionary[HallEngine, Calibration] = weakref.WeakKeyDictionary()


def calibration(engine: HallEngine, when: datetime) -> tuple[float, float]:
    calls = sum(st.called for st in engine.stats.values())
    cal = _calibrations.get(engine)
    if cal is None or calls < cal.calls:
        cal = Calibration(-CALIB_EVERY, [(None, 0.0, Z80)])
        _calibrations[engine] = cal
    if calls - cal.calls >= CALIB_EVERY:
        zs: list[float] = []
        for t in reversed(engine.tickets.values()):
            if len(zs) >= CALIB_WINDOW or (when - t.issued_at).total_seconds() > 86400:
                break
            p50, p80 = t.estimate_s, t.estimate_range_s[1] if t.estimate_range_s else 0
            if t.called_at is None or p50 <= 0 or p80 <= p50:
                continue
            a_t, b_t = cal.at(t.issued_at)
            spread = math.log(p80 / p50) / (b_t - a_t)
            raw = math.log(p50) - a_t * spread
            actual = (t.called_at - t.issued_at).total_seconds()
            zs.append(max((math.log(actual) - raw) / spread, -4.0) if actual > 0 else -4.0)
        if zs:
            zs.sort()
            n = len(zs)
            a = (n * zs[int(0.5 * (n - 1))] + CALIB_PRIOR * 0.0) / (n + CALIB_PRIOR)
            b = (n * zs[int(round(0.8 * (n - 1)))] + CALIB_PRIOR * Z80) / (n + CALIB_PRIOR)
            cal.history.append((when, a, max(b, a + 0.1)))
            del cal.history[:-500]
        cal.calls = calls
    return cal.history[-1][1], cal.history[-1][2]


def forecast_wait(
    engine: HallEngine, queue_id: str, ahead: int, now: datetime | None = None, b: Board | None = None
) -> WaitEstimate:
    """The estimate shown on a ticket (and, for `ahead` = everyone waiting, on the kiosk)."""
    when = now or engine.last_event_at
    ids = engine.waiting.get(queue_id, ())
    if ahead < len(ids) and b is None:
        t = engine.tickets[ids[ahead]]
        if t.issued_at == when and t.priority == "normal":
            # the ticket issued this very moment: its estimate was made with this same state
            return WaitEstimate(t.estimate_s, t.estimate_range_s[1])
    if when is None:
        st = engine.stats[queue_id]
        return estimate_wait(ahead, st.mean_service_s, engine.counters_serving(queue_id))
    b = b or cached_board(engine, when)
    fc = call_forecast(b, queue_id, ahead)
    if fc is None:
        st = engine.stats[queue_id]
        return estimate_wait(ahead, st.mean_service_s, 0.0, cv=b.service.cv.get(queue_id, DEFAULT_CV))
    mean, var = fc
    if mean <= 0:
        return WaitEstimate(0, 0)
    spread = math.sqrt(math.log1p(var / (mean * mean)))
    if spread <= 1e-9:
        return WaitEstimate(int(round(mean * 60)), int(round(mean * 60)))
    a, b80 = calibration(engine, when)
    median = math.log(mean) - spread * spread / 2
    p50 = math.exp(median + a * spread)
    p80 = math.exp(median + b80 * spread)
    return WaitEstimate(int(round(p50 * 60)), int(round(max(p80, p50) * 60)))
