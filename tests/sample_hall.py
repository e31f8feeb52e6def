"""The sample hall (examples/neixiang) as tests and benchmarks change it: read, opened at every hour of
every day (so a run at night or on a Sunday finds it open), written back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from queue_broker.engine.hours import WEEKDAYS

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "neixiang"


def sample_site() -> dict[str, Any]:
    """The sample's site.yaml as data (its services file stays beside it, named relative)."""
    return yaml.safe_load((SAMPLE / "site.yaml").read_text(encoding="utf-8"))


def open_around_the_clock(raw: dict[str, Any]) -> dict[str, Any]:
    """Every day 00:00–24:00, tickets until the last minute, no holidays."""
    raw["site"]["opening_hours"] = {day: [{"start": "00:00", "end": "24:00"}] for day in WEEKDAYS}
    raw["site"]["ticketing_closes_before_min"] = 0
    raw["site"]["holidays"] = []
    return raw


def write_site_yaml(raw: dict[str, Any], path: Path) -> Path:
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
