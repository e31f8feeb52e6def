"""Periodic tasks the broker runs on its engine thread (rebalancer, monitoring)."""

from __future__ import annotations

from datetime import datetime

from ..config.models import SiteConfig
from ..engine.come_now import come_now_task
from ..engine.commands import ExpireHolds, ExpireTickets
from ..engine.hall import HallEngine
from ..engine.housekeeping import CompactEnded
from ..supervision import supervision_tasks
from ..tidal.task import rebalancer_task  # no guard: a broken import must stop the broker, not turn tidal windows off
from .runner import TickTask


def expire_previous_days(engine: HallEngine, now: datetime) -> list:
    """At the first tick of a new local day, cancel what is left of earlier days."""
    today = engine.local_day(now)
    if engine.stale_ticket_count(today):
        return [ExpireTickets(today.isoformat())]
    return []


def expire_holds(engine: HallEngine, now: datetime) -> list:
    """Holds (挂起) past the site's limit end: the citizen did not come back in time."""
    return [ExpireHolds()] if engine.holds_due(now) else []


def default_tasks(config: SiteConfig) -> list[TickTask]:
    tasks: list[TickTask] = [
        expire_previous_days,
        expire_holds,
        CompactEnded(),
    ]  # ended tickets kept compact: flat memory
    tasks.append(come_now_task)  # the gateway's "come now" notices (engine/come_now.py)
    tasks.extend(supervision_tasks(config))  # monitoring rules, default-satisfied ratings
    if config.rebalancer.enabled:
        tasks.append(rebalancer_task(config))
    from ..plan.planner import planner_task  # the day's forecast, reserve windows (docs/planning.md)

    tasks.append(planner_task(config))
    return tasks
