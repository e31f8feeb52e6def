"""Durable event store behind a small interface, so PostgreSQL can join SQLite without the engine knowing."""

from .base import AuditReport, EventStore, StoredEvent, StoreError
from .sqlite import SqliteEventStore

__all__ = ["AuditReport", "EventStore", "SqliteEventStore", "StoreError", "StoredEvent", "open_store"]


def open_store(data_dir: str, db_url: str | None = None) -> EventStore:
    """SQLite in the data folder unless HALL_DB_URL names another store."""
    if db_url and db_url.startswith(("postgres://", "postgresql://")):
        from .postgres import PostgresEventStore  # optional: needs psycopg

        return PostgresEventStore(db_url)
    import os

    return SqliteEventStore(os.path.join(data_dir, "hall.db"))
