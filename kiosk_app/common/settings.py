"""The settings every face reads from its node's `screen:` mapping in the site YAML: the window and the
panel it is on (touch targets and text are sized in millimetres from the diagonal), the broker link's
timings. Each face's settings model (kiosk/settings.py, counter/settings.py, ...) adds its own keys and
defaults; every key is optional and an unknown key is refused with its name, like the rest of the site
file."""

from __future__ import annotations

import math
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from queue_broker.config.models import NodeEntry


class ScreenSettings(BaseModel):
    """The `screen:` mapping of a node in the site YAML; every key optional, unknown keys refused."""

    model_config = ConfigDict(extra="forbid")

    width: int = Field(default=1280, ge=320, le=7680)
    height: int = Field(default=800, ge=240, le=7680)
    diagonal_in: float = Field(default=10.1, gt=3, le=120)
    fullscreen: bool = False
    display_name: str | None = None
    request_timeout_s: float = Field(default=5.0, gt=0, le=60)
    reconnect_max_s: int = Field(default=10, ge=1, le=300)
    server_silent_after_s: float = Field(default=35.0, gt=0)  # no state/queues this long: broker down

    @property
    def px_per_mm(self) -> float:
        return math.hypot(self.width, self.height) / (self.diagonal_in * 25.4)


class SettingsError(ValueError):
    pass


S = TypeVar("S", bound=ScreenSettings)


def load_settings(model: type[S], node: NodeEntry, size: tuple[int, int] | None = None) -> S:
    """The node's `screen:` mapping as `model`; with `size`, another window on the same panel (same
    pixel density, other size, e.g. portrait)."""
    try:
        settings = model.model_validate(node.screen or {})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'screen'}: {e['msg']}" for e in exc.errors())
        raise SettingsError(f"node {node.id}: screen: {problems}") from None
    if size:
        ppm = settings.px_per_mm
        settings.width, settings.height = size
        settings.diagonal_in = math.hypot(*size) / (ppm * 25.4)
    return settings
