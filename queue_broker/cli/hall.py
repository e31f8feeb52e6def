"""The hall's engine as the operator commands read it: replayed from its store."""

from __future__ import annotations

import os

from ..config.models import SiteConfig
from ..engine.hall import HallEngine
from ..store import open_store


def replayed_engine(cfg: SiteConfig) -> HallEngine:
    store = open_store(cfg.data_dir, os.environ.get("HALL_DB_URL"), cfg.site.id)
    try:
        engine = HallEngine(cfg)
        engine.replay(row.event for row in store.iter_events())
        return engine
    finally:
        store.close()
