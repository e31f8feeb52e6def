"""Small hall-day scenarios for the simulator, planning and tidal tests: their parts as the dicts that
`Scenario.model_validate` reads (and a scenario file holds)."""

from __future__ import annotations

from typing import Any


def two_hour_morning(**extra: Any) -> dict[str, Any]:
    """A day open 09:00 to 11:00 in four half-hour slots, with `extra` keys (an opening burst)."""
    slots = ["09:00", "09:30", "10:00", "10:30"]
    return {"opens": "09:00", "ticketing_closes": "11:00", "slot_minutes": 30, "slots": slots, **extra}


def scenario_queue(
    queue_id: str,
    name: str,
    tickets_per_day: int,
    mean: float,
    cv: float = 0.5,
    arrival_share: list[float] | None = None,
) -> dict[str, Any]:
    """A queue: its tickets a day, its service minutes (mean and coefficient of variation) and the share
    of its arrivals in each slot (even over four slots unless given)."""
    return {
        "id": queue_id,
        "name": name,
        "tickets_per_day": tickets_per_day,
        "service_min": {"mean": mean, "cv": cv},
        "arrival_share": [0.25] * 4 if arrival_share is None else arrival_share,
    }


def home_counters(*counter_ids: str) -> list[dict[str, Any]]:
    """Counters that serve only their home queue, the one their id starts with (`A1` serves `A`)."""
    return [{"id": counter_id, "home": [counter_id[0]]} for counter_id in counter_ids]
