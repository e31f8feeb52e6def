"""The platform outbox: what must reach the provincial platforms, kept on disk until they acknowledge it
(SQLite, WAL, synchronous=FULL, in the hall's data folder: `platform-outbox.db`).

A record is `(kind, key)` — `rating` / eval_id, `notice` / case_no — with its payload and a revision (a hash
of the payload). Putting the same content again changes nothing; new content (a rectification moved on)
is a new revision, pending again. An acknowledgement names the revision that was sent: acknowledging it
twice, or acknowledging an older revision after the content changed, never marks newer content as sent.
Sending is retried with exponential back-off. Nothing here speaks HTTP (`uplink.py` does).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..store.sqlite import open_sqlite

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    revision TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,              -- pending | acked
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try_at TEXT NOT NULL,
    last_error TEXT,
    sent_revisions INTEGER NOT NULL DEFAULT 0,
    acked_revision TEXT,
    acked_at TEXT,
    PRIMARY KEY (kind, key)
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(state, next_try_at);
CREATE TABLE IF NOT EXISTS marks (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def revision_of(payload: dict[str, Any]) -> str:
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Pending:
    kind: str
    key: str
    revision: str
    payload: dict[str, Any]
    attempts: int
    next_try_at: str
    last_error: str | None
    created_at: str


class PlatformOutbox:
    def __init__(self, path: str):
        self.path = path
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self._lock = threading.Lock()
        self._db = open_sqlite(path, SCHEMA)  # the event log's durable settings

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ------------------------------------------------------------ writing
    def put(self, kind: str, key: str, payload: dict[str, Any], now: datetime) -> bool:
        """Keep `payload` to send; True when it is new content (pending now)."""
        rev = revision_of(payload)
        stamp = now.isoformat()
        with self._lock:
            row = self._db.execute(
                "SELECT revision, acked_revision FROM outbox WHERE kind=? AND key=?", (kind, key)
            ).fetchone()
            if row is not None and rev in (row[0], row[1]):
                return False
            body = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
            if row is None:
                self._db.execute(
                    "INSERT INTO outbox (kind, key, revision, payload, state, created_at, updated_at, next_try_at) "
                    "VALUES (?,?,?,?, 'pending', ?,?,?)",
                    (kind, key, rev, body, stamp, stamp, stamp),
                )
            else:
                self._db.execute(
                    "UPDATE outbox SET revision=?, payload=?, state='pending', updated_at=?, attempts=0, "
                    "next_try_at=?, last_error=NULL WHERE kind=? AND key=?",
                    (rev, body, stamp, stamp, kind, key),
                )
            return True

    def acked(self, kind: str, key: str, revision: str, now: datetime) -> bool:
        """The platform acknowledged `revision` of (kind, key); True when that is the content to send."""
        with self._lock:
            cur = self._db.execute(
                "UPDATE outbox SET state='acked', acked_revision=?, acked_at=?, last_error=NULL, "
                "sent_revisions=sent_revisions+1 WHERE kind=? AND key=? AND revision=? AND state='pending'",
                (revision, now.isoformat(), kind, key, revision),
            )
            return cur.rowcount == 1

    def failed(self, items: list[Pending], error: str, now: datetime, base_s: float, max_s: float) -> None:
        """A try that did not get an acknowledgement: the next one after an exponential back-off."""
        with self._lock:
            for p in items:
                wait = min(max_s, base_s * 2 ** min(p.attempts, 20))
                self._db.execute(
                    "UPDATE outbox SET attempts=attempts+1, last_error=?, next_try_at=? "
                    "WHERE kind=? AND key=? AND revision=? AND state='pending'",
                    (error[:500], (now + timedelta(seconds=wait)).isoformat(), p.kind, p.key, p.revision),
                )

    def retry_now(self, now: datetime) -> int:
        with self._lock:
            return self._db.execute(
                "UPDATE outbox SET next_try_at=? WHERE state='pending'", (now.isoformat(),)
            ).rowcount

    def set_mark(self, name: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO marks VALUES (?, ?)", (name, value))

    # ------------------------------------------------------------ reading
    def mark(self, name: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM marks WHERE name=?", (name,)).fetchone()
        return row[0] if row else None

    def due(self, kind: str, now: datetime, limit: int) -> list[Pending]:
        with self._lock:
            rows = self._db.execute(
                "SELECT kind, key, revision, payload, attempts, next_try_at, last_error, created_at FROM outbox "
                "WHERE kind=? AND state='pending' AND next_try_at<=? ORDER BY created_at, key LIMIT ?",
                (kind, now.isoformat(), limit),
            ).fetchall()
        return [Pending(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], r[7]) for r in rows]

    def pending(self, kind: str | None = None, limit: int = 50) -> list[Pending]:
        sql = (
            "SELECT kind, key, revision, payload, attempts, next_try_at, last_error, created_at FROM outbox "
            "WHERE state='pending'" + (" AND kind=?" if kind else "") + " ORDER BY created_at, key LIMIT ?"
        )
        with self._lock:
            rows = self._db.execute(sql, (kind, limit) if kind else (limit,)).fetchall()
        return [Pending(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], r[7]) for r in rows]

    def payload(self, kind: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT payload FROM outbox WHERE kind=? AND key=?", (kind, key)).fetchone()
        return json.loads(row[0]) if row else None

    def summary(self, kind: str) -> dict[str, Any]:
        """Counts for state/platform and `ratings status`."""
        with self._lock:
            pending, oldest, next_try = self._db.execute(
                "SELECT COUNT(*), MIN(created_at), MIN(next_try_at) FROM outbox WHERE kind=? AND state='pending'",
                (kind,),
            ).fetchone()
            acked, last_ack = self._db.execute(
                "SELECT COUNT(*), MAX(acked_at) FROM outbox WHERE kind=? AND state='acked'", (kind,)
            ).fetchone()
            err = self._db.execute(
                "SELECT last_error FROM outbox WHERE kind=? AND state='pending' AND last_error IS NOT NULL "
                "ORDER BY next_try_at DESC LIMIT 1",
                (kind,),
            ).fetchone()
        return {
            "pending": pending,
            "acked": acked,
            "oldest_pending_at": oldest,
            "next_try_at": next_try,
            "last_ack_at": last_ack,
            "last_error": err[0] if err else None,
        }
