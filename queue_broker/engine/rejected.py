"""What every engine command returns, and how it refuses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .events import Event


class Rejected(Exception):
    """A command that is not allowed now. `code` is a protocol error code; `str()` a sentence."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Result:
    events: list[Event]
    reply: dict[str, Any] = field(default_factory=dict)
