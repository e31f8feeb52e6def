"""Periodic tasks the broker runs on its engine thread (rebalancer, monitoring)."""

from __future__ import annotations

from ..config.models import SiteConfig
from .runner import TickTask


def default_tasks(config: SiteConfig) -> list[TickTask]:
    tasks: list[TickTask] = []
    try:
        from ..tidal.task import rebalancer_task
    except ImportError:  # the rebalancer lands with the tidal-windows work
        rebalancer_task = None
    if rebalancer_task is not None and config.rebalancer.enabled:
        tasks.append(rebalancer_task(config))
    return tasks
