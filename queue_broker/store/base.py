"""The store interface and the hash chain that makes the event log tamper-evident."""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

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
