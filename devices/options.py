"""Which options model each kind and backend of device takes, in one table, for `check-config`.

Each device package validates its own `options` when its node opens the device (`open_printer`,
`open_scanner`, ...); this table lets the hall's configuration check do the same for every node at
once, before any board starts, with the site file's line numbers (queue_broker/config/boards.py). The
packages are imported only when asked for: a kind whose package cannot be imported here (the `devices`
extra is not installed where the check runs) raises ImportError, which the check reports as unchecked.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

KINDS = (
    "printer",
    "idcard",
    "scanner",
    "camera",
    "keypad",
    "rating_pad",
    "led",
    "a4printer",
    "tactile_keypad",
    "audio_jack",
)

# option fields that name a device file on the board (a serial port, an input device, a camera, a
# printer's character device): an absolute path, and no two devices of one board on the same one
PATH_FIELDS = ("port", "path", "device")


def option_models(kind: str) -> dict[str, type[BaseModel]]:
    """backend name -> options model for devices of `kind` (ImportError: its package is missing here)."""
    if kind == "printer":
        from .printer.config import BACKENDS as printers

        return dict(printers)
    if kind == "idcard":
        from .idcard.config import BACKENDS as readers

        return dict(readers)
    if kind == "tactile_keypad":
        from .tactile.backends import EvdevTactileOptions, SimulatorTactileOptions

        return {"evdev": EvdevTactileOptions, "simulator": SimulatorTactileOptions}
    if kind == "audio_jack":
        from .jack.backends import EvdevJackOptions, SimulatorJackOptions

        return {"evdev": EvdevJackOptions, "simulator": SimulatorJackOptions}
    if kind == "a4printer":
        from .a4printer.config import BACKENDS as a4printers

        return dict(a4printers)
    if kind == "led":
        from .led.config import BACKENDS as leds

        return dict(leds)
    if kind == "camera":
        from .camera.options import OPTIONS_BY_BACKEND

        return dict(OPTIONS_BY_BACKEND)
    if kind == "scanner":
        from .scanner.backends import EvdevScannerOptions, SimulatorScannerOptions

        return {"evdev": EvdevScannerOptions, "simulator": SimulatorScannerOptions}
    if kind in ("keypad", "rating_pad"):
        from .keypad.backends import EvdevKeypadOptions, SimulatorKeypadOptions

        return {"evdev": EvdevKeypadOptions, "simulator": SimulatorKeypadOptions}
    raise ValueError(f"unknown device kind {kind!r}")


def option_problems(kind: str, options: BaseModel) -> list[tuple[tuple[str | int, ...], str]]:
    """Checks beyond the model's own, as (place inside `options`, reason): a keypad key mapped to an
    action its kind does not have."""
    if kind in ("keypad", "rating_pad"):
        from .keypad.keymaps import unknown_actions

        keys: dict[str, Any] = getattr(options, "keys", None) or {}
        return [(("keys", key), reason) for key, reason in unknown_actions(kind, keys)]
    return []
