"""Window recommendations: open more windows when rebalancing is not enough, close idle ones.

Every review, for each queue:

- **open**: when the forecast wait of a citizen joining now (the kiosk's figure, with the tidal
  counters where the rebalancer has put them or is about to) is above the queue's SLA at two reviews
  in a row and no move towards the queue is already under way, the rebalancer could not help enough.
  How many more windows: the smallest n for which the backlog is cleared and the arrivals are served
  within the SLA, i.e. `waiting x s / (c + n) + W_q(c + n) <= SLA`, where `W_q` is the Erlang C mean
  wait (M/M/c) at the queue's recent arrival rate and mean counter time `s`, and `c` the counters
  serving it now (a counter serving k queues counts as its share of the queue's work).
- **close**: while tickets are being taken (and have been for the whole rate window), when a queue has nobody waiting and some of its own
  counters (serving only it) have stood idle longer than the site's `counter_idle_min` and than two
  of its services, and its own counters minus those would still serve the recent arrival rate within
  a quarter of the SLA (Erlang C): recommend closing that many.

Each is a RaiseAlert (kind `recommend_open` / `recommend_close`, data with `recommendation_id`,
`queue_id`, `open_more` or `close`), which the supervisor accepts or rejects (DecideRecommendation).
The same recommendation is not repeated for a queue within RATE_LIMIT_MIN.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from ..config.models import SiteConfig
from ..engine.commands import RaiseAlert, RebalanceCounter
from ..engine.estimate import board, forecast_wait, service_model
from ..engine.hall import HallEngine
from .rates import WINDOW_MIN, ArrivalRates

RATE_LIMIT_MIN = 15.0  # the brief's figure: a supervisor needs a quarter hour to act on one
PERSIST_REVIEWS = 2  # "stays above the SLA": at two reviews in a row
CLOSE_HEADROOM = 0.25  # close only if the queue would still wait under a quarter of its SLA
MAX_OPEN = 10
# what supervisors read for these alert kinds (reports, the tablet): never the kind's code
KIND_NAMES = {"recommend_open": "建议增开窗口", "recommend_close": "建议暂停空闲窗口"}


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in M/M/c with offered load a = lambda x s (a < c)."""
    if c <= 0:
        return 1.0
    if a <= 0:
        return 0.0
    if a >= c:
        return 1.0
    term, total = 1.0, 1.0  # a^k / k!, summed for k < c
    for k in range(1, c):
        term *= a / k
        total += term
    term *= a / c  # a^c / c!
    top = term * c / (c - a)
    return top / (total + top)


def erlang_wait(c: float, lam: float, s: float) -> float:
    """Mean wait in queue (minutes) with c servers (rounded down), lam per minute, mean service s."""
    n = int(math.floor(c + 1e-9))
    a = lam * s
    if n <= 0 or a >= n:
        return math.inf
    return erlang_c(n, a) * s / (n - a)


def windows_needed(waiting: int, lam: float, s: float, c: float, sla: float) -> int:
    """Smallest n of extra windows that clears the backlog and serves newcomers within the SLA."""
    for n in range(0, MAX_OPEN + 1):
        cap = c + n
        if cap <= 0:
            continue
        if waiting * s / cap + (erlang_wait(cap, lam, s) if lam > 0 else 0.0) <= sla:
            return n
    return MAX_OPEN


class Recommender:
    def __init__(self, config: SiteConfig, rates: ArrivalRates):
        self.config = config
        self.rates = rates
        self.sla = {q.id: float(q.sla_min) for q in config.queues}
        self.names = {q.id: q.name for q in config.queues}
        self.idle_min = float(config.alerts.counter_idle_min)
        self.over: dict[str, int] = {}  # queue -> reviews in a row above the SLA
        self.last_sent: dict[tuple[str, str], datetime] = {}
        self.sent: list[dict[str, Any]] = []

    def _capacity(self, engine: HallEngine, q: str) -> float:
        """Counters serving q now (or about to: planned moves count), shared counters by their
        share of the work waiting in their queues."""
        total = 0.0
        for c in engine.counters.values():
            if c.status == "closed":
                continue
            qs = c.pending_queue_ids if c.pending_queue_ids is not None else c.queue_ids
            if q not in qs:
                continue
            if len(qs) == 1:
                total += 1.0
                continue
            work = {r: len(engine.waiting.get(r, ())) * engine.stats[r].mean_service_s for r in qs}
            all_work = sum(work.values())
            total += work[q] / all_work if all_work > 0 else 1.0 / len(qs)
        return total

    def _limited(self, kind: str, q: str, now: datetime) -> bool:
        last = self.last_sent.get((kind, q))
        return last is not None and now - last < timedelta(minutes=RATE_LIMIT_MIN)

    def review(self, engine: HallEngine, now: datetime, planned: list[Any]) -> list[RaiseAlert]:
        rates = self.rates.rates(engine, now)
        svc = service_model(engine)
        moving_into = {q for cmd in planned if isinstance(cmd, RebalanceCounter) for q in cmd.queue_ids}
        # closing is advised only on a full window of observed arrivals (not just after opening)
        ticketing = engine.is_ticketing_open(now) and self.rates.observed_minutes(engine, now) >= int(WINDOW_MIN)
        b = board(engine, now) if any(engine.waiting.values()) else None
        out: list[RaiseAlert] = []
        for q in engine.queues:
            waiting = len(engine.waiting.get(q, ()))
            s = svc.mean_s.get(q, 480.0) / 60.0
            lam = rates.get(q, 0.0)
            sla = self.sla[q]
            predicted = forecast_wait(engine, q, waiting, now, b).p50_s / 60.0 if waiting and b else 0.0
            self.over[q] = self.over.get(q, 0) + 1 if predicted > sla else 0
            if self.over[q] >= PERSIST_REVIEWS and q not in moving_into and not self._limited("recommend_open", q, now):
                c = self._capacity(engine, q)
                n = max(1, windows_needed(waiting, lam, s, c, sla))
                severity = "red" if predicted >= 1.5 * sla else "yellow"
                msg = (
                    f"{self.names[q]}等候{waiting}人、预计{predicted:.0f}分钟，超过时限{sla:.0f}分钟；"
                    f"潮汐窗口调配后仍不足，建议再开{n}个窗口（按近半小时每小时{lam * 60:.0f}人、"
                    f"每人约{s:.0f}分钟、现有约{c:.1f}个窗口测算）"
                )
                out.append(
                    self._alert(
                        now, "recommend_open", q, severity, msg, open_more=n, predicted_wait_min=round(predicted, 1)
                    )
                )
            if not ticketing or waiting or self._limited("recommend_close", q, now):
                continue
            # "standing idle": longer than the site's idle limit and than two of the queue's services
            idle_s = max(self.idle_min, 2 * s) * 60
            idle = [
                c
                for c in engine.counters.values()
                if c.status == "open"
                and c.current is None
                and c.queue_ids == [q]
                and c.idle_since is not None
                and (now - c.idle_since).total_seconds() >= idle_s
            ]
            if not idle:
                continue
            # only the queue's own counters are counted: tidal ones may be moved away at any time
            serving = sum(1 for c in engine.counters.values() if c.status == "open" and c.queue_ids == [q])
            close = 0
            for k in range(1, len(idle) + 1):
                if serving - k < 1 or erlang_wait(serving - k, lam, s) > CLOSE_HEADROOM * sla:
                    break
                close = k
            if close:
                msg = (
                    f"{self.names[q]}无人等候，{len(idle)}个窗口空闲已超过{idle_s / 60:.0f}分钟；"
                    f"按近半小时每小时{lam * 60:.0f}人测算，可暂停{close}个窗口，仍能在"
                    f"{CLOSE_HEADROOM * sla:.0f}分钟内接待"
                )
                out.append(
                    self._alert(
                        now,
                        "recommend_close",
                        q,
                        "info",
                        msg,
                        close=close,
                        idle_counter_ids=",".join(c.id for c in idle),
                    )
                )
        return out

    def _alert(self, now: datetime, kind: str, q: str, severity: str, message: str, **data: Any) -> RaiseAlert:
        stamp = now.strftime("%Y%m%d%H%M%S")
        rec_id = f"{'open' if kind == 'recommend_open' else 'close'}-{q}-{stamp}"
        self.last_sent[(kind, q)] = now
        payload = {"recommendation_id": rec_id, "queue_id": q, **data}
        self.sent.append({"at": now, "kind": kind, **payload})
        return RaiseAlert(f"tidal-{rec_id}", kind, severity, message, payload)
