"""Durable event store behind a small interface, so PostgreSQL can join SQLite without the engine knowing."""

import os

from .base import AuditReport, EventStore, StoredEvent, StoreError
from .sqlite import SqliteEventStore

__all__ = ["AuditReport", "EventStore", "SqliteEventStore", "StoreError", "StoredEvent", "open_store"]


def open_store(data_dir: str, db_url: str | None = None, site: str = "") -> EventStore:
    """SQLite in the data folder unless HALL_DB_URL names a PostgreSQL server (shared by many halls,
    one log per site)."""
    if db_url:
        if not db_url.startswith(("postgres://", "postgresql://")):
            raise StoreError("HALL_DB_URL must be a postgresql:// URL")
        from .postgres import PostgresEventStore  # optional: needs psycopg

        return PostgresEventStore(db_url, site)
    return SqliteEventStore(os.path.join(data_dir, "hall.db"))
