"""The event store on SQLite and on PostgreSQL: durable commits, replies for retries, a hash chain
that shows tampering, refusal without change when the database cannot write."""

from __future__ import annotations

import itertools
import os
import sqlite3
from datetime import UTC, datetime

import pytest

from queue_broker.engine.events import Event
from queue_broker.store import SqliteEventStore, StoreError, open_store
from queue_broker.store.sqlite import open_sqlite

_sites = itertools.count()


def events(n: int, start: int = 0) -> list[Event]:
    return [
        Event("notice_posted", datetime(2026, 11, 27, 1, 0, i % 60, tzinfo=UTC), {"text": f"n{start + i}"})
        for i in range(n)
    ]


class Backend:
    """Opens the same store again (a restart) and edits its rows behind its back (tampering)."""

    def __init__(self, kind: str, tmp_path, pg_url: str | None):
        self.kind, self.tmp, self.pg_url = kind, tmp_path, pg_url
        self.site = f"site-{os.getpid()}-{next(_sites)}"

    def open(self):
        if self.kind == "sqlite":
            return SqliteEventStore(str(self.tmp / "hall.db"))
        return open_store(str(self.tmp), self.pg_url, self.site)

    def tamper(self, action: str, seq: int) -> None:
        sql = {
            "alter": "UPDATE {t} SET body = replace(body, 'n2', 'n9') WHERE seq = {s}",
            "remove": "DELETE FROM {t} WHERE seq = {s}",
            "relink": "UPDATE {t} SET prev_hash = 'x' WHERE seq = {s}",
        }[action]
        if self.kind == "sqlite":
            db = sqlite3.connect(self.tmp / "hall.db")
            db.execute(sql.format(t="events", s=seq))
            db.commit()
            db.close()
        else:
            import psycopg

            with psycopg.connect(self.pg_url, autocommit=True) as db:
                db.execute(sql.format(t="hall_events", s=seq) + " AND site = %s", (self.site,))

    def make_read_only(self, store) -> None:
        if self.kind == "sqlite":
            store._db.execute("PRAGMA query_only = ON")  # as a full disk or a read-only file would
        else:
            store._db.execute("SET default_transaction_read_only = on")

    def make_writable(self, store) -> None:
        if self.kind == "sqlite":
            store._db.execute("PRAGMA query_only = OFF")
        else:
            store._db.execute("SET default_transaction_read_only = off")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request, tmp_path):
    pg = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    return Backend(request.param, tmp_path, pg)


def test_commit_reopen_and_replies(backend):
    store = backend.open()
    store.commit(events(3), {"r1": {"ok": True, "x": 1}})
    store.close()
    again = backend.open()
    assert [r.event.data["text"] for r in again.iter_events()] == ["n0", "n1", "n2"]
    assert again.reply_for("r1") == {"ok": True, "x": 1} and again.reply_for("nope") is None
    again.commit(events(2, 3), {})
    assert again.audit().ok and again.audit().events == 5
    assert [r.seq for r in again.iter_events(after_seq=3)] == [4, 5]
    again.close()


@pytest.mark.parametrize(
    ("action", "seq", "words"),
    [
        ("alter", 3, "event 3 was altered"),
        ("remove", 2, "event 2 is missing"),
        ("relink", 4, "event 4 does not follow"),
    ],
)
def test_audit_detects_alteration_and_removal(backend, action, seq, words):
    store = backend.open()
    store.commit(events(5), {})
    store.close()
    backend.tamper(action, seq)
    report = backend.open().audit()
    assert not report.ok and words in report.problem


def test_a_store_that_cannot_write_raises_and_changes_nothing(backend):
    store = backend.open()
    store.commit(events(2), {})
    backend.make_read_only(store)
    with pytest.raises(StoreError) as err:
        store.commit(events(1, 2), {"r": {"ok": True}})
    assert "could not commit" in str(err.value)
    backend.make_writable(store)
    assert store.reply_for("r") is None and store.audit().events == 2
    store.commit(events(1, 2), {})  # recovers when the store can write again
    assert store.audit().ok and store.audit().events == 3
    store.close()


def test_sqlite_full_disk_is_a_store_error(tmp_path):
    store = SqliteEventStore(str(tmp_path / "hall.db"))
    store.commit(events(1), {})
    page_count = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {page_count}")  # SQLite's own 'database or disk is full'
    with pytest.raises(StoreError) as err:
        store.commit([Event("notice_posted", datetime.now(UTC), {"text": "x" * 20000})], {})
    assert "full" in str(err.value)
    store._db.execute("PRAGMA max_page_count = 1073741823")
    store.commit(events(1, 1), {})
    assert store.audit().ok and store.audit().events == 2


@pytest.mark.postgres
def test_postgres_refuses_a_second_writer_of_the_same_hall(tmp_path, pg_url):
    site = f"site-{os.getpid()}-dual"
    first = open_store(str(tmp_path), pg_url, site)
    second = open_store(str(tmp_path), pg_url, site)
    first.commit(events(1), {})
    with pytest.raises(StoreError) as err:
        second.commit(events(1), {})
    assert "another broker" in str(err.value)
    assert first.audit().ok and first.audit().events == 1
    other_hall = open_store(str(tmp_path), pg_url, site + "-b")  # many halls share the database
    other_hall.commit(events(2), {})
    assert other_hall.audit().events == 2 and first.audit().events == 1
    for s in (first, second, other_hall):
        s.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions, so a read-only file cannot be made")
def test_read_only_database_file(tmp_path):
    path = tmp_path / "hall.db"
    store = SqliteEventStore(str(path))
    store.commit(events(1), {})
    store.close()
    os.chmod(path, 0o444)
    with pytest.raises(StoreError):
        SqliteEventStore(str(path)).commit(events(1, 1), {"r": {"ok": True}})


def test_open_sqlite_applies_the_schema_and_only_the_pragmas_it_is_given(tmp_path):
    durable = open_sqlite(tmp_path / "log.db", "CREATE TABLE IF NOT EXISTS t (x INTEGER);")
    assert durable.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert durable.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL: a commit survives a power cut
    assert durable.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    durable.execute("INSERT INTO t VALUES (1)")  # autocommit: visible to another connection at once
    other = open_sqlite(tmp_path / "log.db", "CREATE TABLE IF NOT EXISTS t (x INTEGER);")
    assert other.execute("SELECT x FROM t").fetchall() == [(1,)]
    erasing = open_sqlite(tmp_path / "notices.db", "CREATE TABLE n (x TEXT);", ("secure_delete=ON",))
    assert erasing.execute("PRAGMA secure_delete").fetchone()[0] == 1
    assert erasing.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    for db in (durable, other, erasing):
        db.close()
