"""Reserve clerks in the simulated hall (scenario `reserve[]`, docs/planning.md).

A reserve is a back-office clerk with a window of their own in the SiteConfig (counter id = the
reserve's id, closed until asked). What the world does: `ready_min` after an ask (`reserve_asked`,
made by a policy's task through the engine) the clerk logs in at that window and takes the ask
(`OpenCounter`, `TakeReserve`), unless it was withdrawn meanwhile; from then on the window calls like
any other counter. The engine closes it when it is released and free (engine/planning.py). Only the
policies that use reserves (`tidal` and `reactive-reserve`) see them in their SiteConfig; for the
others the hall is exactly the scenario's.

`reactive-reserve` (sim/policies.py, `ReactiveReserve`) is the scenarios README's reference rule: as `skills` for the counters; every
2 minutes, for each queue (in file order) whose longest current wait is at least 15 minutes, ask the
first closed reserve (in file order) eligible for it; the window serves its eligible queues longest
wait first; an open reserve is released after 10 minutes with no eligible ticket waiting (it closes
after its current citizen). A closed reserve can be asked again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # scenario.py imports this module when it builds a hall with reserves
    from .scenario import Scenario


def reserve_counters(scn: Scenario, first_number: int) -> list[dict[str, Any]]:
    """The reserves' own windows for the SiteConfig (fixed until taken: the rebalancer leaves them)."""
    return [
        {
            "id": r.id,
            "number": first_number + i,
            "name": f"{first_number + i}号窗口（后台{r.id}）",
            "home": [r.eligible[0]],
            "eligible": list(r.eligible),
            "tidal": False,
        }
        for i, r in enumerate(scn.reserve)
    ]


def reserve_entries(scn: Scenario) -> list[dict[str, Any]]:
    return [
        {"id": r.id, "name": f"后台{r.id}", "eligible": list(r.eligible), "ready_min": r.ready_min, "counters": [r.id]}
        for r in scn.reserve
    ]
