"""What the planning tests share: the planning hall (tests/fixtures/planning-site.yaml) and its morning."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from queue_broker.config.loader import load_site_config
from queue_broker.engine.hall import HallEngine
from tests.conftest import ROOT

PLANNING_SITE = ROOT / "tests" / "fixtures" / "planning-site.yaml"
TZ = ZoneInfo("Asia/Shanghai")
NINE = datetime(2026, 6, 10, 9, 0, tzinfo=TZ)  # a Wednesday morning, the one the tests plan


def planning_engine() -> HallEngine:
    """A fresh engine of the planning hall, nothing done yet."""
    return HallEngine(load_site_config(PLANNING_SITE, env={}))
