"""The announcements waiting to be played, strictly one after another.

- The one playing is not in the queue: nothing ever cuts it off.
- A new announcement whose key is already waiting (a recall of a ticket not yet announced) takes the
  waiting copy's place instead of being added: the ticket is called once, with the newest details.
- More than `max_waiting` waiting: the oldest waiting ones are dropped, with a log line each; the one
  just added never is. A hall where calls pile up like this has a speaker that is too slow or
  a template that is too long, and the screens still show every call.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable

from .announce import Announcement

log = logging.getLogger(__name__)


class PlayQueue:
    def __init__(self, max_waiting: int, on_drop: Callable[[Announcement], None] | None = None):
        self.max_waiting = max_waiting
        self._waiting: deque[Announcement] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self._on_drop = on_drop
        self.dropped = 0
        self.replaced = 0

    def put(self, item: Announcement) -> None:
        dropped: list[Announcement] = []
        with self._cond:
            for i, queued in enumerate(self._waiting):
                if queued.key == item.key:
                    self._waiting[i] = item
                    self.replaced += 1
                    log.info("%s replaces its copy still waiting to be played", _name(item))
                    replaced = queued
                    break
            else:
                replaced = None
                self._waiting.append(item)
                while len(self._waiting) > self.max_waiting:
                    dropped.append(self._waiting.popleft())
                    self.dropped += 1
            self._cond.notify_all()
        for old in [replaced, *dropped]:
            if old is not None and self._on_drop is not None:
                self._on_drop(old)
        for old in dropped:
            log.warning(
                "voice queue full (more than %d waiting): dropped %s, received %.1f s ago",
                self.max_waiting,
                _name(old),
                item.received_mono - old.received_mono,
            )

    def get(self, timeout: float | None = None) -> Announcement | None:
        """The next announcement to play, or None after `timeout` or once closed."""
        with self._cond:
            if not self._waiting and not self._closed:
                self._cond.wait(timeout)
            if self._waiting:
                return self._waiting.popleft()
            return None

    def waiting(self) -> list[Announcement]:
        with self._cond:
            return list(self._waiting)

    def close(self) -> list[Announcement]:
        with self._cond:
            self._closed = True
            left = list(self._waiting)
            self._waiting.clear()
            self._cond.notify_all()
        return left


def _name(a: Announcement) -> str:
    if a.kind == "called":
        return f"call of {a.ticket} to counter {a.counter_number}" + (f" (recall {a.recall})" if a.recall else "")
    return f"{a.kind} announcement '{a.display[:40]}'"
