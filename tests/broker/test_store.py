"""The SQLite event store: durable commits, replies for retries, a hash chain that shows tampering."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime

import pytest

from queue_broker.engine.events import Event
from queue_broker.store import SqliteEventStore, StoreError


def events(n: int, start: int = 0) -> list[Event]:
    return [Event("notice_posted", datetime(2026, 11, 27, 1, 0, i % 60, tzinfo=UTC), {"text": f"n{start + i}"})
            for i in range(n)]


def test_commit_reopen_and_replies(tmp_path):
    path = str(tmp_path / "hall.db")
    store = SqliteEventStore(path)
    store.commit(events(3), {"r1": {"ok": True, "x": 1}})
    store.close()
    again = SqliteEventStore(path)
    assert [r.event.data["text"] for r in again.iter_events()] == ["n0", "n1", "n2"]
    assert again.reply_for("r1") == {"ok": True, "x": 1} and again.reply_for("nope") is None
    again.commit(events(2, 3), {})
    assert again.audit().ok and again.audit().events == 5
    again.close()


@pytest.mark.parametrize(("sql", "words"), [
    ("UPDATE events SET body = replace(body, 'n2', 'n9') WHERE seq = 3", "event 3 was altered"),
    ("DELETE FROM events WHERE seq = 2", "event 2 is missing"),
    ("UPDATE events SET prev_hash = 'x' WHERE seq = 4", "event 4 does not follow"),
])
def test_audit_detects_alteration_and_removal(tmp_path, sql, words):
    path = str(tmp_path / "hall.db")
    store = SqliteEventStore(path)
    store.commit(events(5), {})
    store.close()
    db = sqlite3.connect(path)
    db.execute(sql)
    db.commit()
    db.close()
    report = SqliteEventStore(path).audit()
    assert not report.ok and words in report.problem


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions, so a read-only file cannot be made")
def test_read_only_database_raises_store_error_and_changes_nothing(tmp_path):
    path = tmp_path / "hall.db"
    store = SqliteEventStore(str(path))
    store.commit(events(1), {})
    store.close()
    os.chmod(path, 0o444)
    ro = SqliteEventStore(str(path))
    with pytest.raises(StoreError):
        ro.commit(events(1, 1), {"r": {"ok": True}})
    assert ro.reply_for("r") is None


def test_query_only_database_raises_store_error_and_changes_nothing(tmp_path):
    # the same failure as a read-only file, made in a way that works as root too
    store = SqliteEventStore(str(tmp_path / "hall.db"))
    store.commit(events(2), {})
    store._db.execute("PRAGMA query_only = ON")
    with pytest.raises(StoreError) as err:
        store.commit(events(1, 2), {"r": {"ok": True}})
    assert "could not commit" in str(err.value)
    store._db.execute("PRAGMA query_only = OFF")
    assert store.reply_for("r") is None and store.audit().events == 2
    store.commit(events(1, 2), {})  # recovers when the store can write again
    assert store.audit().ok and store.audit().events == 3
