"""The tactile 12-key keypad (无障碍键盘) a blind citizen uses at the kiosk (issue 23 item 1).

    pad = open_tactile_keypad(device_cfg, health, on_key=lambda key: ...)   # "0"…"9", "*", "#", "up", …
    pad.start(); ...; pad.stop()

Backends `evdev` (a USB keypad, read and grabbed through evdev) and `simulator` (`.press(key_name)`,
`.feed(events)`). Junk (unknown keys, a stuck key) is refused: no key comes out, and a burst of it
turns the health `degraded` with a plain sentence. See docs/devices-scanner-keypad-camera.md.
"""

from .backends import (
    EvdevTactileKeypad,
    EvdevTactileOptions,
    SimulatedTactileKeypad,
    TactileKeypad,
    open_tactile_keypad,
)
from .decoder import TactileDecoder, Verdict
from .keymap import DEFAULT_TACTILE_KEYS, DIGITS, KEYS

__all__ = [
    "DEFAULT_TACTILE_KEYS",
    "DIGITS",
    "KEYS",
    "EvdevTactileKeypad",
    "EvdevTactileOptions",
    "SimulatedTactileKeypad",
    "TactileDecoder",
    "TactileKeypad",
    "Verdict",
    "open_tactile_keypad",
]
