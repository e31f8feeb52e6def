"""The broker's periodic tidal task: `rebalancer_task(config)` is a TickTask `(engine, now) -> commands`.

`queue_broker.service.tasks.default_tasks` puts it on the engine thread, where the service calls it
every tick (about a second); it does its work every `rebalancer.review_every_s` and returns
RebalanceCounter commands (the moves, each with the reason a supervisor reads) followed by RaiseAlert
commands (window recommendations). The engine refuses moves of locked or fixed counters; the task
does not propose them in the first place.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from ..config.models import SiteConfig
from ..engine.commands import RebalanceCounter
from ..engine.hall import HallEngine
from .rebalancer import Rebalancer
from .recommend import Recommender

log = logging.getLogger("queue_broker.tidal")


class TidalTask:
    def __init__(self, config: SiteConfig, *, recommend: bool = True):
        self.config = config
        self.rebalancer = Rebalancer(config)
        self.recommender = Recommender(config, self.rebalancer.rates) if recommend else None
        self.every_s = float(config.rebalancer.review_every_s)
        self._last: datetime | None = None
        self.__name__ = "tidal_rebalancer"

    def __call__(self, engine: HallEngine, now: datetime) -> list[Any]:
        if self._last is not None and 0 <= (now - self._last).total_seconds() < self.every_s - 0.5:
            return []
        self._last = now
        commands: list[Any] = []
        for move in self.rebalancer.review(engine, now):
            log.info("rebalance %s -> %s: %s", move.counter_id, ",".join(move.to_queue_ids), move.reason)
            commands.append(RebalanceCounter(move.counter_id, move.to_queue_ids, move.reason))
        if self.recommender is not None:
            self.rebalancer.rates.update(engine, now)
            commands.extend(self.recommender.review(engine, now, commands))
        return commands


def rebalancer_task(config: SiteConfig) -> TidalTask:
    return TidalTask(config)
