"""A circuit breaker: after `failures` consecutive failures a department is not asked for `reset_s`
seconds (citizens get "service down" at once instead of waiting out a timeout each); then one trial
request is let through, and its result closes the breaker or opens it again. Pure: time is passed in.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


class CircuitBreaker:
    def __init__(self, failures: int, reset_s: float, clock: Callable[[], float] = time.monotonic):
        self.failures = failures
        self.reset_s = reset_s
        self.clock = clock
        self.state = CLOSED
        self.consecutive = 0
        self.opened_at = 0.0
        self._trial_out = False
        self._lock = threading.Lock()

    def allow(self) -> bool:
        """May a request go out now? In half-open state only one (the trial) at a time."""
        with self._lock:
            if self.state == OPEN and self.clock() - self.opened_at >= self.reset_s:
                self.state, self._trial_out = HALF_OPEN, False
            if self.state == CLOSED:
                return True
            if self.state == HALF_OPEN and not self._trial_out:
                self._trial_out = True
                return True
            return False

    def retry_in(self) -> float:
        with self._lock:
            return max(0.0, self.opened_at + self.reset_s - self.clock()) if self.state == OPEN else 0.0

    def succeeded(self) -> None:
        with self._lock:
            self.state, self.consecutive, self._trial_out = CLOSED, 0, False

    def failed(self) -> None:
        with self._lock:
            self.consecutive += 1
            if self.state == HALF_OPEN or self.consecutive >= self.failures:
                self.state, self.opened_at, self._trial_out = OPEN, self.clock(), False
