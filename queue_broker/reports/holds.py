"""Holds (挂起) in a report: per queue and for the hall, how many citizens stepped aside with a paper
missing, how many came back and were served, how many holds ran out or were released, and the time on
hold. That time is in neither the waits (issue → first call) nor the service times (counter time,
`engine.records.counter_seconds`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..engine.records import CALLED, DONE, HELD, HOLD_EXPIRED, NO_SHOW, SERVING


def hold_row(key: str, name: str, tickets: Iterable[Any]) -> dict[str, Any]:
    held = [t for t in tickets if t.holds]
    seconds = [t.held_s for t in held]
    return {
        "key": key,
        "name": name,
        "tickets": len(held),  # tickets put on hold at least once
        "holds": sum(t.holds for t in held),
        "resumed": sum(1 for t in held if t.state in (DONE, CALLED, SERVING, NO_SHOW)),
        "served": sum(1 for t in held if t.state == DONE),
        "expired": sum(1 for t in held if t.state == HOLD_EXPIRED and t.outcome != "released"),
        "released": sum(1 for t in held if t.state == HOLD_EXPIRED and t.outcome == "released"),
        "on_hold": sum(1 for t in held if t.state == HELD),
        "total_hold_s": sum(seconds),
        "mean_hold_s": sum(seconds) / len(seconds) if seconds else None,
    }


def hold_rows(tickets: list[Any], engine: Any) -> list[dict[str, Any]]:
    """The hall first, then each queue with any hold, in the site's queue order."""
    rows = [hold_row(engine.config.site.id, "全厅", tickets)]
    for queue_id, queue in engine.queues.items():
        mine = [t for t in tickets if t.queue_id == queue_id and t.holds]
        if mine:
            rows.append(hold_row(queue_id, queue.name, mine))
    return rows
