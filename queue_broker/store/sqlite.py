"""SQLite (WAL, synchronous=FULL) event store: a commit returns only once the events are on disk."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from ..engine.events import Event
from .base import GENESIS, ChainedStore, StoredEvent, StoreError

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS replies (
    request_id TEXT PRIMARY KEY,
    reply TEXT NOT NULL,
    seq INTEGER
);
CREATE INDEX IF NOT EXISTS events_type ON events(type);
"""


# a log that survives a power cut: WAL, every commit synced, waiting a while for another writer
DURABLE = ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=5000")


def open_sqlite(path: str | os.PathLike[str], schema: str, pragmas: Iterable[str] = DURABLE) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), usable from any thread behind the
    owner's lock, with `pragmas` set and `schema` applied."""
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    for pragma in pragmas:
        db.execute(f"PRAGMA {pragma}")
    db.executescript(schema)
    return db


class SqliteEventStore(ChainedStore):
    _db: sqlite3.Connection

    def __init__(self, path: str):
        self.path = path
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self._lock = threading.Lock()
        try:
            self._db = open_sqlite(path, SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from exc
        row = self._db.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        self._head = (row[0], row[1]) if row else (0, GENESIS)

    def commit(self, events: list[Event], replies: dict[str, dict[str, Any]]) -> None:
        with self._lock:
            links, head = self._links(events)
            rows = [(x.seq, x.event.at.isoformat(), x.event.type, x.body, x.prev_hash, x.hash) for x in links]
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany("INSERT INTO events VALUES (?,?,?,?,?,?)", rows)
                self._db.executemany(
                    "INSERT OR REPLACE INTO replies VALUES (?,?,?)",
                    [(rid, json.dumps(r, ensure_ascii=False), head[0]) for rid, r in replies.items()],
                )
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                try:
                    self._db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
                raise StoreError(f"the database could not commit: {exc}") from exc
            self._head = head

    def iter_events(self, after_seq: int = 0) -> Iterator[StoredEvent]:
        # a cursor of its own, so a long replay does not hold the commit lock
        db = sqlite3.connect(self.path)
        try:
            for seq, _at, _type, body, prev, h in db.execute(
                "SELECT seq, at, type, body, prev_hash, hash FROM events WHERE seq > ? ORDER BY seq", (after_seq,)
            ):
                yield StoredEvent(seq, Event.from_record(json.loads(body)), prev, h)
        finally:
            db.close()

    def reply_for(self, request_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT reply FROM replies WHERE request_id = ?", (request_id,)).fetchone()
        return json.loads(row[0]) if row else None
