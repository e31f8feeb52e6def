"""The five policies the simulator compares. Every one of them runs through the production engine:
`static` and `skills` and `pooled` are counter assignments a supervisor could make at opening time
(AssignCounter), `threshold` is the README's reference rule as a tick task issuing RebalanceCounter,
and `tidal` is the broker's own rebalancer task (queue_broker.tidal.task), unchanged.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..config.models import SiteConfig
from ..engine import events as ev
from ..engine.commands import AskReserve, AssignCounter, RebalanceCounter, ReleaseReserve
from ..engine.hall import HallEngine

POLICIES = ("static", "skills", "threshold", "tidal", "pooled")
EXTRA_POLICIES: tuple[str, ...] = ("tidal-narrowing",)  # not in the README's comparison: variants to measure a setting


class Policy:
    """What differs between policies: the config flavour, the opening assignment, the periodic task."""

    name = "static"
    tidal_config = False  # counters with more eligible than home queues are `tidal` in the SiteConfig
    switch_cost = True  # a counter whose set of queues changes is away `switch_cost_min`
    review_s: float | None = None  # how often the periodic task runs (seconds), None: no task
    uses_reserves = False  # the scenario's reserve clerks are in its SiteConfig (sim/reserves.py)
    uses_forecast = False  # the day's forecast from generated history is set before opening (plan/)
    take_mode = "tidal"  # how a reserve window calls once its clerk takes the ask

    def __init__(self, config: SiteConfig):
        self.config = config

    def setup(self, engine: HallEngine, now: datetime) -> list[Any]:
        return []

    def task(self, engine: HallEngine, now: datetime) -> list[Any]:
        return []

    def observe(self, events: list[ev.Event], engine: HallEngine) -> None:
        """Every event the day produced, after it was applied (for policies that learn)."""


class Static(Policy):
    name = "static"


class Skills(Policy):
    """Each counter serves all its eligible queues all day; the engine calls oldest-first across them."""

    name = "skills"

    def setup(self, engine: HallEngine, now: datetime) -> list[Any]:
        return [
            AssignCounter(c.id, tuple(c.eligible), "fixed", False, by="sim")
            for c in self.config.counters
            if len(c.eligible) > 1
        ]


class Pooled(Policy):
    """Every counter serves every queue from one first-come-first-served line, with no switch cost."""

    name = "pooled"
    switch_cost = False

    def setup(self, engine: HallEngine, now: datetime) -> list[Any]:
        everything = tuple(q.id for q in self.config.queues)
        return [AssignCounter(c.id, everything, "fixed", False, by="sim") for c in self.config.counters]


class Threshold(Policy):
    """The reference rule of the scenarios README, word for word:

    every 2 minutes, for each counter with more than one eligible queue that has served its current
    queue for at least 15 minutes, let W(q) = (waiting(q) + 1) × mean_service(q) / counters(q); if the
    eligible queue b with the largest W has W(b) ≥ 15 and W(b) − W(a after this counter leaves) ≥ 10,
    where a is its current queue, switch it to b when its current ticket ends (at most one counter
    moved into a queue per review). mean_service is an exponentially smoothed mean (α = 0.1) of
    completed service times, starting at the scenario's mean.
    """

    name = "threshold"
    tidal_config = True
    review_s = 120.0
    DWELL_MIN, TRIGGER_MIN, GAP_MIN, ALPHA = 15.0, 15.0, 10.0, 0.1

    def __init__(self, config: SiteConfig):
        super().__init__(config)
        self.mean_s = {q.id: q.mean_service_min * 60.0 for q in config.queues}

    def observe(self, events: list[ev.Event], engine: HallEngine) -> None:
        for e in events:
            if e.type == ev.TICKET_FINISHED:
                t = engine.tickets[e.data["ticket_id"]]
                if t.called_at is not None:
                    sample = (e.at - t.called_at).total_seconds()
                    self.mean_s[t.queue_id] += self.ALPHA * (sample - self.mean_s[t.queue_id])

    def task(self, engine: HallEngine, now: datetime) -> list[Any]:
        counters_on: dict[str, int] = {q: 0 for q in engine.queues}
        for c in engine.counters.values():
            if c.status != "closed":
                for q in c.queue_ids:
                    counters_on[q] += 1

        def w(q: str, counters: int) -> float:
            if counters <= 0:
                return float("inf")
            return (len(engine.waiting[q]) + 1) * self.mean_s[q] / 60.0 / counters

        moved_into: set[str] = set()
        out: list[Any] = []
        for cfg in self.config.counters:
            c = engine.counters[cfg.id]
            if len(cfg.eligible) < 2 or c.mode != "tidal" or c.locked or c.status == "closed":
                continue
            if c.pending_queue_ids is not None or len(c.queue_ids) != 1:
                continue
            if c.queue_since is not None and (now - c.queue_since).total_seconds() < self.DWELL_MIN * 60:
                continue
            a = c.queue_ids[0]
            b = max(cfg.eligible, key=lambda q: w(q, counters_on[q]))
            if b == a or b in moved_into:
                continue
            wb = w(b, counters_on[b])
            if wb >= self.TRIGGER_MIN and wb - w(a, counters_on[a] - 1) >= self.GAP_MIN:
                out.append(RebalanceCounter(c.id, (b,), f"threshold: W({b})={wb:.0f} min"))
                moved_into.add(b)
                counters_on[a] -= 1
                counters_on[b] += 1
        return out


class Tidal(Policy):
    """The broker's own rebalancer, exactly as `default_tasks` wires it into the service."""

    name = "tidal"
    tidal_config = True
    uses_reserves = True
    uses_forecast = True

    def __init__(self, config: SiteConfig):
        super().__init__(config)
        from ..plan.planner import planner_task
        from ..tidal.task import rebalancer_task

        self._task = rebalancer_task(config)
        self._planner = planner_task(config)  # the day's forecast and reserve windows, as the broker runs it
        self.review_s = float(config.rebalancer.review_every_s)

    def task(self, engine: HallEngine, now: datetime) -> list[Any]:
        return self._task(engine, now) + self._planner(engine, now)


class TidalNarrowing(Tidal):
    """`tidal` with the site's `rebalancer.narrow_sets` on: what narrowing a counter's set would give."""

    name = "tidal-narrowing"

    def __init__(self, config: SiteConfig):
        config.rebalancer.narrow_sets = True
        super().__init__(config)


class ReactiveReserve(Skills):
    """The scenarios README's reference rule for reserves (sim/reserves.py's docstring says it in words)."""

    name = "reactive-reserve"
    uses_reserves = True
    take_mode = "fixed"  # the reserve window calls the longest wait first
    review_s = 120.0
    TRIGGER_MIN, QUIET_MIN = 15.0, 10.0

    def __init__(self, config: SiteConfig):
        super().__init__(config)
        self.order = [r.id for r in config.reserves]
        self.eligible = {r.id: list(r.eligible) for r in config.reserves}
        self.quiet_since: dict[str, datetime | None] = {}

    def observe(self, events: list[ev.Event], engine: HallEngine) -> None:
        # "no eligible ticket waiting" is followed continuously, not only at the reviews
        for rid, rec in engine.reserves.items():
            if rec.state != "open":
                self.quiet_since.pop(rid, None)
                continue
            busy = any(engine.waiting[q] for q in self.eligible[rid])
            if busy:
                self.quiet_since[rid] = None
            elif self.quiet_since.get(rid) is None and events:
                self.quiet_since[rid] = events[-1].at

    def task(self, engine: HallEngine, now: datetime) -> list[Any]:
        out: list[Any] = []
        for rid in self.order:
            rec = engine.reserves[rid]
            since = self.quiet_since.get(rid)
            if rec.state == "open" and since is not None and now - since >= timedelta(minutes=self.QUIET_MIN):
                out.append(ReleaseReserve(rid, f"{self.QUIET_MIN:g}分钟无人等候", by="reactive-reserve"))
        closed = {rid for rid in self.order if not engine.reserves[rid].active}
        for q in engine.queues:
            ids = engine.waiting[q]
            if not ids:
                continue
            longest = max((now - engine.tickets[t].issued_at).total_seconds() for t in ids) / 60.0
            if longest < self.TRIGGER_MIN:
                continue
            opening = next((r for r in self.order if r in closed and q in self.eligible[r]), None)
            if opening is not None:
                closed.discard(opening)
                out.append(AskReserve(opening, f"{q}最长等候{longest:.0f}分钟", (q,), by="reactive-reserve"))
        return out


_CLASSES = {p.name: p for p in (Static, Skills, Threshold, Tidal, Pooled, TidalNarrowing, ReactiveReserve)}
RESERVE_POLICIES = (ReactiveReserve.name,)  # the README's reference rule for scenarios with reserves
EXTRA_POLICIES = EXTRA_POLICIES + RESERVE_POLICIES


def make_policy(name: str, config: SiteConfig) -> Policy:
    try:
        return _CLASSES[name](config)
    except KeyError:
        raise ValueError(f"unknown policy {name!r}; choose from {', '.join(POLICIES + EXTRA_POLICIES)}") from None


def tidal_config_for(name: str) -> bool:
    return _CLASSES[name].tidal_config


def uses_reserves(name: str) -> bool:
    return _CLASSES[name].uses_reserves
