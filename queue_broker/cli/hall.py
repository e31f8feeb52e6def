"""Where the operator commands (status, tickets, export, audit verify, report) find a hall's events: the
data folder its site file names (`data_dir`, taken from the file's own folder; HALL_DATA_DIR overrides),
the folder `python -m queue_broker run --config SITE` and `python -m provisioning up SITE` keep it in; or,
with HALL_DB_URL, the hall's log in a shared PostgreSQL database.

A folder without a hall is said to be one, with what to do: it is never read as an empty hall (all
zeros) and no empty `hall.db` is left behind.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..config.models import SiteConfig
from ..engine.hall import HallEngine
from ..store import EventStore, SqliteEventStore, open_store


class NoHall(Exception):
    """The command was pointed at a place that holds no hall; the message says where and what to do."""


def site_file(cfg: SiteConfig) -> str:
    return getattr(cfg, "_source_path", None) or "the site file"


def hall_store(cfg: SiteConfig) -> EventStore:
    """The hall's event store, opened for reading; NoHall when there is none."""
    url = os.environ.get("HALL_DB_URL")
    if url:
        store = open_store(cfg.data_dir, url, cfg.site.id)
        if store.last_seq == 0:  # type: ignore[attr-defined]
            store.close()
            raise NoHall(
                f"the PostgreSQL database that HALL_DB_URL names holds no events of hall {cfg.site.id!r}: "
                f"is this the hall's database, and has its queue broker run yet?"
            )
        return store
    db = Path(cfg.data_dir) / "hall.db"
    if not db.is_file():
        raise NoHall(no_hall_here(cfg, db))
    return SqliteEventStore(str(db))


def no_hall_here(cfg: SiteConfig, db: Path) -> str:
    source = site_file(cfg)
    how = "HALL_DATA_DIR" if os.environ.get("HALL_DATA_DIR") else f"data_dir in {source}"
    lines = [
        f"no hall in {db.parent}: there is no {db.name} ({how}).",
        f"The queue broker keeps its events there once it has run: `python -m provisioning up "
        f"{Path(source).parent}` or `python -m queue_broker run --config {source}`.",
    ]
    older = sorted(Path(source).parent.glob("var/up/var/*/hall.db"))  # `up` before it used data_dir
    if older:
        lines.append(f"An earlier `up` left a hall in {older[0].parent}: HALL_DATA_DIR={older[0].parent} reads it.")
    return "\n".join(lines)


def replayed_engine(cfg: SiteConfig) -> HallEngine:
    """The hall's engine replayed from its store; NoHall when the data folder holds no hall (said, not
    shown as zeros)."""
    store = hall_store(cfg)
    try:
        engine = HallEngine(cfg)
        engine.replay(row.event for row in store.iter_events())
        return engine
    finally:
        store.close()
