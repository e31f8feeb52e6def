"""A hall with a past, made from a scenario: weeks of simulated days through the production engine, kept
as that hall's event log (`var/hall.db`) beside its site file. What the planning commands read on a real
hall (`python -m queue_broker forecast | day-plan | cross-train --config SITE`), for trying them and
for tests; a demonstration, not measurements.

    python -m queue_broker.plan make-history SCENARIO --weeks 8 --out DIR [--policy skills] [--seed 0]

Each working day of the period (official calendar) is the scenario's day with the volumes of its
`history` block (plan/history.py: weekday factor, day-to-day variation), simulated under `policy`.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from ..engine import events as ev
from ..sim.hall_day import run_day
from ..sim.scenario import Scenario, site_config
from ..store import SqliteEventStore
from ..supervision.calendar import WorkCalendar
from .history import day_factors, scaled, working_days


def make_history(
    scn: Scenario, out: Path, *, start: date, end: date, policy: str = "skills", seed: int = 0
) -> dict[str, Any]:
    cal = WorkCalendar("Asia/Shanghai")
    out.mkdir(parents=True, exist_ok=True)
    config = site_config(scn, tidal=True, reserves=bool(scn.reserve))
    site = config.model_dump(mode="json", exclude_none=True)
    site["site"]["id"] = "demo-" + "".join(ch if ch.isalnum() else "-" for ch in scn.name.lower())[:40].strip("-")
    site["data_dir"] = "var"
    (out / "site.yaml").write_text(
        "# made by python -m queue_broker.plan make-history from the scenario "
        f"{scn.name!r}: a demonstration hall, not a real one\n"
        + yaml.safe_dump(site, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    store = SqliteEventStore(str(out / "var" / "hall.db"))
    days = working_days(cal, start, end)
    tickets = 0
    try:
        for i, d in enumerate(days):
            events: list[ev.Event] = []
            today = scaled(scn, day_factors(scn, d, seed, cal))
            result = run_day(today, policy, seed * 10_000 + i, day=d, sink=events)
            tickets += len(result.tickets)
            store.commit(events, {})
    finally:
        store.close()
    return {"site": str(out / "site.yaml"), "days": len(days), "tickets": tickets, "from": str(start), "to": str(end)}


def default_period(weeks: int, end: date = date(2026, 6, 8)) -> tuple[date, date]:
    return end - timedelta(weeks=weeks), end
