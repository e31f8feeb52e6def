"""The kiosk's headphone jack (issue 23 item 1): plugging headphones in starts the blind mode.

    jack = open_jack(device_cfg, health, on_change=lambda event: ...)   # JackEvent(plugged, at, initial)
    jack.start(); ...; jack.stop()

Linux reports the jack as a switch (EV_SW, SW_HEADPHONE_INSERT) of an input device of the sound card;
a bouncing plug gives one event (`JackDebouncer`). Backends `evdev` and `simulator` (`plug()`,
`unplug()`, `bounce()`). See docs/devices-scanner-keypad-camera.md.
"""

from .backends import (
    EvdevJack,
    EvdevJackOptions,
    HeadphoneJack,
    JackEvent,
    SimulatedJack,
    open_jack,
    read_switch,
)
from .debounce import JackDebouncer

__all__ = [
    "EvdevJack",
    "EvdevJackOptions",
    "HeadphoneJack",
    "JackDebouncer",
    "JackEvent",
    "SimulatedJack",
    "open_jack",
    "read_switch",
]
