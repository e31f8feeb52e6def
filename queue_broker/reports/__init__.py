"""Supervision reports (seed art. 37–39): per queue, counter, operator and item — tickets, served,
no-shows, waits (mean, 90th percentile), service time, share within SLA, ratings and satisfaction,
bad-rating and complaint cases by state and overdue, monitoring alerts — with charts, as CSV, HTML,
PDF or Markdown. Always computed from the event store (replayed through the engine), never from a copy.

    python -m queue_broker report --config SITE.yaml --from 2026-11-16 --to 2026-11-22 --format html --out r.html
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any


def generate(config: Any, store: Any, start: date, end: date, fmt: str, out: Path) -> list[Path]:
    """Build the report of [start, end] from `store` and write it; the files written."""
    from .model import build_report, load_period
    from .render import write

    report = build_report(load_period(config, store, start, end))
    return write(report, fmt, out)
