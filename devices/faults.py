"""The faults a simulator is told to make (`inject`), one per reply, in order: the ID-card reader's, the LED
line's and the department simulator's. Shared by the simulator thread and the test that injects."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable


class FaultQueue:
    """Faults by name, checked against `known` when injected; `take()` gives the next one, or None."""

    def __init__(self, known: Iterable[str]):
        self.known = tuple(known)
        self._queue: deque[str] = deque()
        self._lock = threading.Lock()

    def inject(self, *faults: str) -> None:
        for fault in faults:
            if fault not in self.known:
                raise ValueError(f"unknown fault {fault!r}; known: {', '.join(self.known)}")
        with self._lock:
            self._queue.extend(faults)

    def take(self) -> str | None:
        with self._lock:
            return self._queue.popleft() if self._queue else None
