"""The store interface and the hash chain that makes the event log tamper-evident."""

from __future__ import annotations

import hashlib
import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from ..engine.events import Event

GENESIS = "0" * 64


class StoreError(RuntimeError):
    """The store could not commit (disk full, read-only file, lost connection). Nothing was changed."""


@dataclass(frozen=True)
class StoredEvent:
    seq: int
    event: Event
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class AuditReport:
    ok: bool
    events: int
    last_hash: str
    problem: str = ""


def canonical(event: Event) -> str:
    return json.dumps(event.to_record(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def chain_hash(prev_hash: str, seq: int, body: str) -> str:
    return hashlib.sha256(f"{prev_hash}|{seq}|{body}".encode()).hexdigest()


class EventStore(ABC):
    """Append-only events with a hash chain, plus the reply stored for every request id."""

    @abstractmethod
    def commit(self, events: list[Event], replies: dict[str, dict[str, Any]]) -> None:
        """Append events and store replies in ONE transaction; raise StoreError and change nothing on failure."""

    @abstractmethod
    def iter_events(self, after_seq: int = 0) -> Iterator[StoredEvent]: ...

    @abstractmethod
    def reply_for(self, request_id: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def close(self) -> None: ...

    def audit(self) -> AuditReport:
        """Walk the chain: every row's hash must follow from its content and the previous hash."""
        prev, n, expected_seq = GENESIS, 0, None
        for row in self.iter_events():
            if expected_seq is not None and row.seq != expected_seq:
                return AuditReport(False, n, prev, f"event {expected_seq} is missing (next is {row.seq})")
            if row.prev_hash != prev:
                return AuditReport(False, n, prev, f"event {row.seq} does not follow from event {row.seq - 1}")
            if chain_hash(prev, row.seq, canonical(row.event)) != row.hash:
                return AuditReport(False, n, prev, f"event {row.seq} was altered")
            prev, n, expected_seq = row.hash, n + 1, row.seq + 1
        return AuditReport(True, n, prev)


@dataclass(frozen=True)
class ChainLink:
    """An event about to be appended: its place in the chain and the text its hash covers."""

    seq: int
    event: Event
    body: str
    prev_hash: str
    hash: str


class _Connection(Protocol):
    def close(self) -> None: ...


class ChainedStore(EventStore):
    """A store that links the chain itself from its head, the last (sequence number, hash) it wrote or
    read, over one connection `_db` that `_lock` guards."""

    _lock: threading.Lock
    _db: _Connection
    _head: tuple[int, str]

    @property
    def last_seq(self) -> int:
        return self._head[0]

    def _links(self, events: list[Event]) -> tuple[list[ChainLink], tuple[int, str]]:
        """The events as the next links after the head, and the head they lead to (the store moves its
        head there once they are committed)."""
        seq, prev = self._head
        links = []
        for e in events:
            seq += 1
            body = canonical(e)
            h = chain_hash(prev, seq, body)
            links.append(ChainLink(seq, e, body, prev, h))
            prev = h
        return links, (seq, prev)

    def close(self) -> None:
        with self._lock:
            self._db.close()
