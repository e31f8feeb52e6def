"""Counter caller keypads and citizen rating pads (USB keypads read through evdev, or a simulator).

    pad = open_keypad(device_cfg, health, on_action=lambda action: ...)   # kind keypad or rating_pad
    pad.start(); ...; pad.stop()

Counter keypads give counter actions ("call-next", "recall", …); rating pads give "rate:5" … "rate:1".
The simulator has `.press(key_name)`. See docs/devices-scanner-keypad-camera.md.
"""

from .backends import (
    EvdevKeypad,
    EvdevKeypadOptions,
    Keypad,
    SimulatedKeypad,
    SimulatorKeypadOptions,
    open_keypad,
)
from .decoder import KeypadDecoder
from .keymaps import (
    COUNTER_KEY_ACTIONS,
    DEFAULT_COUNTER_KEYS,
    DEFAULT_RATING_KEYS,
    RATING_ACTIONS,
    rating_level,
)

__all__ = [
    "COUNTER_KEY_ACTIONS",
    "DEFAULT_COUNTER_KEYS",
    "DEFAULT_RATING_KEYS",
    "EvdevKeypad",
    "EvdevKeypadOptions",
    "Keypad",
    "KeypadDecoder",
    "RATING_ACTIONS",
    "SimulatedKeypad",
    "SimulatorKeypadOptions",
    "open_keypad",
    "rating_level",
]
