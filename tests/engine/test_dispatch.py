"""The engine's handler tables are explicit and complete: every command class has exactly one handler,
every event type exactly one applier, and two handlers of one command are refused at class creation."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from queue_broker.engine import commands, events
from queue_broker.engine.dispatch import collect, handles
from queue_broker.engine.hall import HallEngine

# Value objects carried inside commands, not commands themselves.
NOT_COMMANDS = {commands.HolderInfo}


def test_every_command_class_has_a_handler():
    classes = {
        c
        for _, c in inspect.getmembers(commands, inspect.isclass)
        if dataclasses.is_dataclass(c) and c.__module__ == commands.__name__ and c not in NOT_COMMANDS
    }
    assert classes, "no command classes found"
    assert classes == set(HallEngine.command_handlers), "commands without a handler, or handlers of unknown types"
    for name in HallEngine.command_handlers.values():
        assert callable(getattr(HallEngine, name))


def test_every_event_type_has_an_applier():
    types = {v for k, v in vars(events).items() if k.isupper() and isinstance(v, str)}
    assert types and types == set(HallEngine.event_appliers)


def test_two_handlers_of_different_names_for_one_command_are_refused():
    class Twice:
        @handles(commands.PostNotice)
        def one(self, cmd, now): ...

        @handles(commands.PostNotice)
        def other(self, cmd, now): ...

    with pytest.raises(TypeError, match="handled by both"):
        collect(Twice)
