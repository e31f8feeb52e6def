"""The injected clock every test hands the broker: time moves only when the test says so."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta


class Clock:
    def __init__(self, start: datetime):
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def advance(self, **kw) -> None:
        with self._lock:
            self.now += timedelta(**kw)

    def set(self, when: datetime) -> None:
        with self._lock:
            self.now = when
