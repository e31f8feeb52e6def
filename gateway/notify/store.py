"""Where the gateway keeps a phone number or an openid: one SQLite row per ticket (or appointment) that
asked for a notice, deleted when the ticket or appointment ends. `secure_delete` overwrites a deleted
row's bytes and the rollback journal (not a WAL) is removed after each commit, so an erased number is
gone from the file, not just unlinked from an index (tests/gateway/test_privacy.py reads the bytes).

At most one notice per ticket: the row's `kind` is set once (`come_now`, or `called` when the call
came first) and never again.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from queue_broker.store.sqlite import open_sqlite

SCHEMA = """
CREATE TABLE IF NOT EXISTS notices (
    ticket_id TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    channel TEXT NOT NULL,
    address TEXT,
    travel_min INTEGER NOT NULL,
    created_at REAL NOT NULL,
    kind TEXT,
    text TEXT,
    state TEXT NOT NULL DEFAULT 'waiting',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try REAL
);
CREATE TABLE IF NOT EXISTS appointment_contacts (
    code TEXT PRIMARY KEY,
    partner TEXT NOT NULL,
    address TEXT NOT NULL,
    created_at REAL NOT NULL
);
"""


@dataclass
class NoticeRow:
    ticket_id: str
    token: str
    channel: str
    address: str | None
    travel_min: int
    kind: str | None
    text: str | None
    state: str
    attempts: int
    next_try: float | None


class NoticeStore:
    def __init__(self, folder: str | os.PathLike[str]):
        Path(folder).mkdir(parents=True, exist_ok=True)
        self.path = Path(folder) / "notices.sqlite"
        if not self.path.exists():  # 0600 from the first byte: it holds phone numbers
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        self._db = open_sqlite(self.path, SCHEMA, ("secure_delete = ON", "journal_mode = DELETE", "synchronous = FULL"))
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ------------------------------------------------------------ tickets
    def register(self, ticket_id: str, token: str, channel: str, address: str | None, travel_min: int) -> None:
        """Ask for a notice (again: a new address or travel time replaces the old while none was sent)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO notices (ticket_id, token, channel, address, travel_min, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(ticket_id) DO UPDATE SET "
                "channel = excluded.channel, address = excluded.address, travel_min = excluded.travel_min "
                "WHERE notices.kind IS NULL",
                (ticket_id, token, channel, address, travel_min, time.time()),
            )

    def get(self, ticket_id: str) -> NoticeRow | None:
        with self._lock:
            row = self._db.execute(
                "SELECT ticket_id, token, channel, address, travel_min, kind, text, state, attempts, next_try "
                "FROM notices WHERE ticket_id = ?",
                (ticket_id,),
            ).fetchone()
        return NoticeRow(*row) if row else None

    def claim(self, ticket_id: str, kind: str, text: str) -> bool:
        """Mark the ticket's one notice as `kind` to send; False when one was already chosen."""
        with self._lock:
            cur = self._db.execute(
                "UPDATE notices SET kind = ?, text = ?, state = 'due', next_try = ? "
                "WHERE ticket_id = ? AND kind IS NULL",
                (kind, text, time.time(), ticket_id),
            )
        return cur.rowcount == 1

    def due(self, now: float, limit: int = 20) -> list[NoticeRow]:
        with self._lock:
            rows = self._db.execute(
                "SELECT ticket_id, token, channel, address, travel_min, kind, text, state, attempts, next_try "
                "FROM notices WHERE state = 'due' AND next_try <= ? ORDER BY next_try LIMIT ?",
                (now, limit),
            ).fetchall()
        return [NoticeRow(*r) for r in rows]

    def sent(self, ticket_id: str) -> None:
        with self._lock:
            self._db.execute("UPDATE notices SET state = 'sent', next_try = NULL WHERE ticket_id = ?", (ticket_id,))

    def failed_attempt(self, ticket_id: str, next_try: float | None) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE notices SET attempts = attempts + 1, next_try = ?, state = ? WHERE ticket_id = ?",
                (next_try, "due" if next_try is not None else "failed", ticket_id),
            )

    def erase(self, ticket_id: str) -> bool:
        """The ticket ended: its address goes."""
        with self._lock:
            cur = self._db.execute("DELETE FROM notices WHERE ticket_id = ?", (ticket_id,))
        return cur.rowcount == 1

    def tickets(self) -> list[tuple[str, str]]:
        """(ticket id, token) of every ticket with a row, for the sweep that erases ended ones."""
        with self._lock:
            return list(self._db.execute("SELECT ticket_id, token FROM notices"))

    # ------------------------------------------------------------ appointments
    def keep_appointment_contact(self, code: str, partner: str, address: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO appointment_contacts (code, partner, address, created_at) VALUES (?, ?, ?, ?)",
                (code, partner, address, time.time()),
            )

    def appointment_contacts(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._db.execute("SELECT code, partner FROM appointment_contacts"))

    def erase_appointment(self, code: str) -> bool:
        with self._lock:
            cur = self._db.execute("DELETE FROM appointment_contacts WHERE code = ?", (code,))
        return cur.rowcount == 1
