"""The kiosk's wall clock, which a demo or a test may start at another time (KIOSK_CLOCK=ISO time)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class KioskClock:
    """Real time, or time running on from a chosen start (`set`), always timezone-aware."""

    def __init__(self, start: str | datetime | None = None):
        self._lock = threading.Lock()
        self._base: datetime | None = None
        self._mono = 0.0
        if start:
            self.set(start)

    def set(self, start: str | datetime) -> None:
        when = datetime.fromisoformat(start) if isinstance(start, str) else start
        if when.tzinfo is None:
            raise ValueError("KIOSK_CLOCK needs a UTC offset, e.g. 2026-11-27T22:00:00+08:00")
        with self._lock:
            self._base, self._mono = when, time.monotonic()

    def __call__(self) -> datetime:
        with self._lock:
            if self._base is None:
                return datetime.now(UTC)
            return self._base + timedelta(seconds=time.monotonic() - self._mono)
