"""Keypad backends (kinds `keypad` and `rating_pad`): `evdev` and `simulator`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from evdev import InputEvent
from pydantic import Field

from ..evdev_source import EvdevMatch, EvdevReader, InputDevice, KeyMapOptions, SimulatedReader, by_code, kind_options
from ..health import HealthReporter
from ..serialport import DeviceOptionsError
from .decoder import DEFAULT_DEBOUNCE_S, KeypadDecoder
from .keymaps import ACTIONS_BY_KIND, DEFAULT_KEYS_BY_KIND, unknown_actions

log = logging.getLogger(__name__)


class KeypadOptions(KeyMapOptions):  # `keys`: key name → action (checked per kind by open_keypad)
    debounce_ms: int = Field(default=int(DEFAULT_DEBOUNCE_S * 1000), ge=0, le=5000)


class SimulatorKeypadOptions(KeypadOptions):
    pass


class EvdevKeypadOptions(KeypadOptions, EvdevMatch):
    pass


BACKENDS: dict[str, type[KeypadOptions]] = {"evdev": EvdevKeypadOptions, "simulator": SimulatorKeypadOptions}


class Keypad(InputDevice):
    """What the counter terminal holds: `start()`, `stop()`; actions arrive through `on_action`:
    `Keypad(device_id, kind, health, on_action, options: KeypadOptions, **source_kwargs)`."""

    decoder: KeypadDecoder

    def __init__(self, device_id: str, kind: str, *args: Any, **kwargs: Any):
        self.kind = kind  # keypad or rating_pad: its default key map and its actions
        super().__init__(device_id, *args, **kwargs)

    def make_decoder(self, options: KeypadOptions) -> KeypadDecoder:
        self.key_names = options.keys or DEFAULT_KEYS_BY_KIND[self.kind]
        return KeypadDecoder(by_code(self.key_names), options.debounce_ms / 1000)

    def _handle(self, event: InputEvent) -> None:
        action = self.decoder.feed(event)
        if action is None:
            return
        log.info("%s %s: %s", self.kind, self.device_id, action)
        self._deliver(action)


class EvdevKeypad(EvdevReader, Keypad):
    """Reads the keypad's input device (EvdevKeypadOptions) on a thread (see `EvdevSource`); `on_action`
    runs on it."""


class SimulatedKeypad(SimulatedReader, Keypad):
    """No hardware: `press("KEY_F1")` sends a key tap through the same decoder (debounce included).
    `on_action` runs on the caller's thread, before `press` returns."""

    @property
    def ready_message(self) -> str:  # type: ignore[override]
        return f"simulated {self.kind}"

    @property
    def what(self) -> str:  # type: ignore[override]
        return self.kind


def open_keypad(cfg: Any, health: HealthReporter, on_action: Callable[[str], None]) -> Keypad:
    """Build the keypad a `DeviceConfig` (kind `keypad` or `rating_pad`) describes; then `.start()`."""
    options = kind_options(cfg, ACTIONS_BY_KIND, "a keypad or rating_pad", BACKENDS)
    for _key, reason in unknown_actions(cfg.kind, options.keys or {}):
        raise DeviceOptionsError(f"device {cfg.id!r} (kind {cfg.kind}): {reason}")
    if isinstance(options, EvdevKeypadOptions):
        return EvdevKeypad(cfg.id, cfg.kind, health, on_action, options)
    return SimulatedKeypad(cfg.id, cfg.kind, health, on_action, options)
