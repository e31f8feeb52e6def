"""The play queue on its own: recalls replace a waiting copy, overflow drops the oldest waiting."""

from __future__ import annotations

import logging
import threading
import time

from voice.announce import Announcement
from voice.playqueue import PlayQueue


def ann(number: str, recall: int = 0) -> Announcement:
    return Announcement(
        kind="called",
        key=f"called:t-{number}",
        items=[],
        spoken=[number],
        display=number,
        ticket=number,
        ticket_id=f"t-{number}",
        counter_number=1,
        recall=recall,
    )


def test_recall_replaces_waiting_copy_in_place():
    q = PlayQueue(max_waiting=8)
    for n in ("A001", "A002", "A003"):
        q.put(ann(n))
    q.put(ann("A002", recall=1))
    assert [(a.ticket, a.recall) for a in q.waiting()] == [("A001", 0), ("A002", 1), ("A003", 0)]
    assert q.replaced == 1


def test_recall_of_the_playing_ticket_is_queued():
    q = PlayQueue(max_waiting=8)
    q.put(ann("A001"))
    playing = q.get(0)
    q.put(ann("A001", recall=1))  # the counter pressed recall while it was being announced
    assert playing.ticket == "A001" and [a.recall for a in q.waiting()] == [1]


def test_overflow_drops_oldest_waiting_never_newest(caplog):
    dropped: list[str] = []
    q = PlayQueue(max_waiting=3, on_drop=lambda a: dropped.append(a.ticket))
    q.put(ann("A001"))
    playing = q.get(0)
    with caplog.at_level(logging.WARNING, logger="voice.playqueue"):
        for i in range(2, 8):
            q.put(ann(f"A00{i}"))
    assert playing.ticket == "A001"  # playing: untouched
    assert [a.ticket for a in q.waiting()] == ["A005", "A006", "A007"]
    assert dropped == ["A002", "A003", "A004"]
    assert sum("dropped call of" in r.message for r in caplog.records) == 3


def test_get_waits_for_put_and_close_releases():
    q = PlayQueue(max_waiting=2)
    threading.Timer(0.1, lambda: q.put(ann("A001"))).start()
    started = time.monotonic()
    assert q.get(2).ticket == "A001"
    assert 0.05 < time.monotonic() - started < 1.5
    threading.Timer(0.1, q.close).start()
    assert q.get(5) is None
