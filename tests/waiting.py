"""The one way tests wait: for a condition, never for a fixed time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_for(
    predicate: Callable[[], Any],
    timeout: float = 5.0,
    what: str = "condition",
    *,
    step: float = 0.02,
    describe: Callable[[], str] | None = None,
    error: type[AssertionError] = AssertionError,
) -> Any:
    """Call `predicate()` until it returns something true, and return that. After `timeout` seconds,
    raise `error` naming `what` (and `describe()`: what was seen instead)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            seen = f"; {describe()}" if describe is not None else ""
            raise error(f"timed out after {timeout} s waiting for {what}{seen}")
        time.sleep(step)
