"""PostgreSQL event store (psycopg 3): one database shared by many halls, one hash chain per site.

Used when HALL_DB_URL names a PostgreSQL server. A head row per site holds the last sequence number
and hash; every commit moves it forward only from the value this broker last saw, so a second broker
writing the same hall's log is refused instead of forking the chain.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from ..engine.events import Event
from .base import GENESIS, ChainedStore, StoredEvent, StoreError

if TYPE_CHECKING:
    import psycopg

SCHEMA = """
CREATE TABLE IF NOT EXISTS hall_heads (
    site TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS hall_events (
    site TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (site, seq)
);
CREATE TABLE IF NOT EXISTS hall_replies (
    site TEXT NOT NULL,
    request_id TEXT NOT NULL,
    reply TEXT NOT NULL,
    seq BIGINT,
    PRIMARY KEY (site, request_id)
);
"""


class PostgresEventStore(ChainedStore):
    _db: psycopg.Connection[tuple[Any, ...]]

    def __init__(self, url: str, site: str):
        try:
            import psycopg
        except ImportError as exc:  # the broker extra brings it
            raise StoreError("HALL_DB_URL names PostgreSQL but psycopg is not installed") from exc
        self._psycopg = psycopg
        self.url, self.site = url, site
        self._lock = threading.Lock()
        try:
            self._db = psycopg.connect(url, autocommit=True)
            with self._db.transaction():
                self._db.execute("SELECT pg_advisory_xact_lock(727274)")  # two brokers creating tables at once
                self._db.execute(SCHEMA)
                self._db.execute("INSERT INTO hall_heads VALUES (%s, 0, %s) ON CONFLICT DO NOTHING", (site, GENESIS))
            # the row exists: inserted just above if it was not
            self._head = cast(
                "tuple[int, str]",
                self._db.execute("SELECT seq, hash FROM hall_heads WHERE site = %s", (site,)).fetchone(),
            )
        except psycopg.Error as exc:
            raise StoreError(f"cannot open the PostgreSQL store: {exc}") from exc

    def commit(self, events: list[Event], replies: dict[str, dict[str, Any]]) -> None:
        with self._lock:
            links, head = self._links(events)
            rows = [(self.site, x.seq, x.event.at, x.event.type, x.body, x.prev_hash, x.hash) for x in links]
            try:
                with self._db.transaction(), self._db.cursor() as cur:
                    cur.execute(
                        "UPDATE hall_heads SET seq = %s, hash = %s WHERE site = %s AND seq = %s",
                        (*head, self.site, self.last_seq),
                    )
                    if cur.rowcount != 1:
                        raise StoreError(f"another broker has written to hall {self.site}'s log; refusing to fork it")
                    cur.executemany("INSERT INTO hall_events VALUES (%s, %s, %s, %s, %s, %s, %s)", rows)
                    cur.executemany(
                        "INSERT INTO hall_replies VALUES (%s, %s, %s, %s) "
                        "ON CONFLICT (site, request_id) DO UPDATE SET reply = EXCLUDED.reply, seq = EXCLUDED.seq",
                        [(self.site, rid, json.dumps(r, ensure_ascii=False), head[0]) for rid, r in replies.items()],
                    )
            except self._psycopg.Error as exc:
                raise StoreError(f"the database could not commit: {exc}") from exc
            self._head = head

    def iter_events(self, after_seq: int = 0) -> Iterator[StoredEvent]:
        # a connection of its own: a long replay must not hold the commit lock
        with self._psycopg.connect(self.url) as db, db.cursor(name="replay") as cur:
            cur.execute(
                "SELECT seq, body, prev_hash, hash FROM hall_events WHERE site = %s AND seq > %s ORDER BY seq",
                (self.site, after_seq),
            )
            for seq, body, prev, h in cur:
                yield StoredEvent(seq, Event.from_record(json.loads(body)), prev, h)

    def reply_for(self, request_id: str) -> dict[str, Any] | None:
        with self._lock:
            try:
                row = self._db.execute(
                    "SELECT reply FROM hall_replies WHERE site = %s AND request_id = %s", (self.site, request_id)
                ).fetchone()
            except self._psycopg.Error as exc:
                raise StoreError(f"the database could not be read: {exc}") from exc
        return json.loads(row[0]) if row else None
