"""Which options model each kind and backend of device takes, in one table, for `check-config`.

Each device package validates its own `options` when its node opens the device (`open_printer`,
`open_scanner`, ...); this table lets the hall's configuration check do the same for every node at
once, before any board starts, with the site file's line numbers (queue_broker/config/boards.py). The
packages are imported only when asked for: a kind whose package cannot be imported here (the `devices`
extra is not installed where the check runs) raises ImportError, which the check reports as unchecked.
"""

from __future__ import annotations

import importlib
from typing import Any

from pydantic import BaseModel

# kind -> the module whose BACKENDS table (backend name -> options model) checks its options; imported
# only when asked for
BACKEND_MODULES: dict[str, str] = {
    "printer": "devices.printer.config",
    "idcard": "devices.idcard.config",
    "scanner": "devices.scanner.backends",
    "camera": "devices.camera.options",
    "keypad": "devices.keypad.backends",
    "rating_pad": "devices.keypad.backends",
    "led": "devices.led.config",
    "a4printer": "devices.a4printer.config",
    "tactile_keypad": "devices.tactile.backends",
    "audio_jack": "devices.jack.backends",
}
KINDS = tuple(BACKEND_MODULES)

# option fields that name a device file on the board (a serial port, an input device, a camera, a
# printer's character device): an absolute path, and no two devices of one board on the same one
PATH_FIELDS = ("port", "path", "device")


def option_models(kind: str) -> dict[str, type[BaseModel]]:
    """backend name -> options model for devices of `kind` (ImportError: its package is missing here)."""
    if kind not in BACKEND_MODULES:
        raise ValueError(f"unknown device kind {kind!r}")
    return dict(importlib.import_module(BACKEND_MODULES[kind]).BACKENDS)


def option_problems(kind: str, options: BaseModel) -> list[tuple[tuple[str | int, ...], str]]:
    """Checks beyond the model's own, as (place inside `options`, reason): a keypad key mapped to an
    action its kind does not have."""
    if kind in ("keypad", "rating_pad"):
        from .keypad.keymaps import unknown_actions

        keys: dict[str, Any] = getattr(options, "keys", None) or {}
        return [(("keys", key), reason) for key, reason in unknown_actions(kind, keys)]
    return []
