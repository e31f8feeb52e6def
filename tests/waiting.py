"""The one way tests wait: for a condition (`wait_for`), never for a fixed time; and, where only time
can tell that nothing more comes, a bounded quiet period that checks all along (`stays`)."""

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


def stays(
    predicate: Callable[[], Any],
    seconds: float,
    what: str = "condition",
    *,
    step: float = 0.02,
    describe: Callable[[], str] | None = None,
    error: type[AssertionError] = AssertionError,
) -> None:
    """A bounded quiet period, for what no condition can show sooner ("nothing more arrives", "a
    timeout has not fired"): `predicate()` must hold for all of `seconds`, checked every `step`; the
    first time it does not, raise `error` naming `what`. Every call says why it waits in a comment."""
    deadline = time.monotonic() + seconds
    while True:
        if not predicate():
            seen = f"; {describe()}" if describe is not None else ""
            raise error(f"no longer {what}{seen}")
        if time.monotonic() > deadline:
            return
        time.sleep(step)


def settled(value: Callable[[], Any], quiet: float, timeout: float = 10.0, what: str = "value") -> Any:
    """`value()` once it has not changed for `quiet` seconds (what was in flight has arrived): a bounded
    quiet period too, for counting from a point where nothing more is on its way."""
    last, since = value(), time.monotonic()
    deadline = since + timeout
    while time.monotonic() - since < quiet:
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not settle within {timeout} s (last {last!r})")
        time.sleep(0.02)
        now = value()
        if now != last:
            last, since = now, time.monotonic()
    return last
