"""The five policies the simulator compares. Every one of them runs through the production engine:
`static` and `skills` and `pooled` are counter assignments a supervisor could make at opening time
(AssignCounter), `threshold` is the README's reference rule as a tick task issuing RebalanceCounter,
and `tidal` is the broker's own rebalancer task (queue_broker.tidal.task), unchanged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..config.models import SiteConfig
from ..engine import events as ev
from ..engine.commands import AssignCounter, RebalanceCounter
from ..engine.hall import HallEngine

POLICIES = ("static", "skills", "threshold", "tidal", "pooled")
EXTRA_POLICIES = ("tidal-narrowing",)  # not in the README's comparison: variants to measure a setting


class Policy:
    """What differs between policies: the config flavour, the opening assignment, the periodic task."""

    name = "static"
    tidal_config = False  # counters with more eligible than home queues are `tidal` in the SiteConfig
    switch_cost = True  # a counter whose set of queues changes is away `switch_cost_min`
    review_s: float | None = None  # how often the periodic task runs (seconds), None: no task

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

    def __init__(self, config: SiteConfig):
        super().__init__(config)
        from ..tidal.task import rebalancer_task

        self._task = rebalancer_task(config)
        self.review_s = float(config.rebalancer.review_every_s)

    def task(self, engine: HallEngine, now: datetime) -> list[Any]:
        return self._task(engine, now)


class TidalNarrowing(Tidal):
    """`tidal` with the site's `rebalancer.narrow_sets` on: what narrowing a counter's set would give."""

    name = "tidal-narrowing"

    def __init__(self, config: SiteConfig):
        config.rebalancer.narrow_sets = True
        super().__init__(config)


_CLASSES = {p.name: p for p in (Static, Skills, Threshold, Tidal, Pooled, TidalNarrowing)}


def make_policy(name: str, config: SiteConfig) -> Policy:
    try:
        return _CLASSES[name](config)
    except KeyError:
        raise ValueError(f"unknown policy {name!r}; choose from {', '.join(POLICIES + EXTRA_POLICIES)}") from None


def tidal_config_for(name: str) -> bool:
    return _CLASSES[name].tidal_config
