"""The engine's explicit handler tables: `@handles(Command)` marks the method that executes a command,
`@applies("event_type")` the method that applies an event to the state (live and on replay).

`HallEngine` collects the marks of its whole class hierarchy once, at class creation, into two tables
(`command_handlers`, `event_appliers`). The tables hold method *names*, looked up on the instance, so a
mixin that extends another's handler (calling `super()`) still takes part. A command or event with no
handler, or two handlers of different names for one, is an error at import time, not a surprise at run
time; `tests/engine/test_dispatch.py` checks that every command and event type has exactly one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_HANDLES = "_engine_handles"
_APPLIES = "_engine_applies"


def handles(command_type: type) -> Callable[[F], F]:
    """Mark a method `(self, cmd, now) -> Result` as the handler of `command_type`."""

    def mark(fn: F) -> F:
        setattr(fn, _HANDLES, command_type)
        return fn

    return mark


def applies(event_type: str) -> Callable[[F], F]:
    """Mark a method `(self, at, data) -> None` as the applier of events of `event_type`."""

    def mark(fn: F) -> F:
        setattr(fn, _APPLIES, event_type)
        return fn

    return mark


def collect(cls: type) -> tuple[dict[type, str], dict[str, str]]:
    """The command and event tables of `cls`, from the marks on its methods and its bases' methods."""
    commands: dict[type, str] = {}
    events: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        for name, member in vars(klass).items():
            for attr, table in ((_HANDLES, commands), (_APPLIES, events)):
                key = getattr(member, attr, None)
                if key is None:
                    continue
                known = table.get(key)
                if known is not None and known != name:
                    raise TypeError(f"{cls.__name__}: {key!r} is handled by both {known} and {name}")
                table[key] = name
    return commands, events
