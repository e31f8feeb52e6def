"""I need help (帮办代办): the kiosk tells the floor staff, by name, and the citizen waits here.

The request goes out as this kiosk's retained device health `node/{node}/device/help` (kind `help`,
state `degraded`, e.g. "1号自助机需要帮办代办（ground区）"), which the supervisor tablet reads
with `node/#`; cancelling it (or the timeout) publishes state `ready`. Protocol v1 has no
kiosk-to-alert command, see docs/kiosk.md."""

from __future__ import annotations

from .base import KioskScreen, load_kv

load_kv(__file__)


class HelpScreen(KioskScreen):
    pass


SCREEN = HelpScreen
