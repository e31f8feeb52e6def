"""Keypad backends (kinds `keypad` and `rating_pad`): `evdev` and `simulator`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from evdev import InputEvent
from pydantic import Field, field_validator

from ..evdev_source import (
    EvdevMatch,
    EvdevReader,
    SimulatedReader,
    StrictOptions,
    key_code,
    key_tap,
    kind_options,
)
from ..health import HealthReporter
from ..serialport import DeviceOptionsError
from .decoder import DEFAULT_DEBOUNCE_S, KeypadDecoder
from .keymaps import ACTIONS_BY_KIND, DEFAULT_KEYS_BY_KIND, unknown_actions

log = logging.getLogger(__name__)


class KeypadOptions(StrictOptions):
    keys: dict[str, str] | None = None  # key name → action; None: the kind's default map
    debounce_ms: int = Field(default=int(DEFAULT_DEBOUNCE_S * 1000), ge=0, le=5000)

    @field_validator("keys")
    @classmethod
    def _key_names(cls, keys: dict[str, str] | None) -> dict[str, str] | None:
        if keys is not None:
            if not keys:
                raise ValueError("an empty key map: leave `keys` out to use the default map")
            for name in keys:
                key_code(name)  # ValueError names the unknown key
        return keys


class SimulatorKeypadOptions(KeypadOptions):
    pass


class EvdevKeypadOptions(KeypadOptions, EvdevMatch):
    pass


BACKENDS: dict[str, type[KeypadOptions]] = {"evdev": EvdevKeypadOptions, "simulator": SimulatorKeypadOptions}


class Keypad:
    """What the counter terminal holds: `start()`, `stop()`; actions arrive through `on_action`."""

    def __init__(
        self,
        device_id: str,
        kind: str,
        health: HealthReporter,
        on_action: Callable[[str], None],
        options: KeypadOptions,
    ):
        self.device_id = device_id
        self.kind = kind
        self._health = health
        self._on_action = on_action
        self.key_names = options.keys or DEFAULT_KEYS_BY_KIND[kind]
        self.decoder = KeypadDecoder({key_code(k): a for k, a in self.key_names.items()}, options.debounce_ms / 1000)

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def _report(self, state: str, message: str) -> None:
        self._health.report(self.device_id, self.kind, state, message)

    def _handle(self, event: InputEvent) -> None:
        action = self.decoder.feed(event)
        if action is None:
            return
        log.info("%s %s: %s", self.kind, self.device_id, action)
        try:
            self._on_action(action)
        except Exception:  # the terminal's handler; the keypad itself is fine
            log.exception("%s %s: on_action failed", self.kind, self.device_id)


class EvdevKeypad(EvdevReader, Keypad):
    """Reads the keypad's input device on a thread (see `EvdevSource`); `on_action` runs on it."""

    def __init__(
        self,
        device_id: str,
        kind: str,
        health: HealthReporter,
        on_action: Callable[[str], None],
        options: EvdevKeypadOptions,
        **source_kwargs: Any,
    ):
        super().__init__(device_id, kind, health, on_action, options)
        self.read_with(
            options,
            self._handle,
            self._report,
            wanted_keys=self.decoder.keymap.keys(),
            name=f"{kind}-{device_id}",
            **source_kwargs,
        )


class SimulatedKeypad(SimulatedReader, Keypad):
    """No hardware: `press("KEY_F1")` sends a key tap through the same decoder (debounce included).
    `on_action` runs on the caller's thread, before `press` returns."""

    @property
    def ready_message(self) -> str:  # type: ignore[override]
        return f"simulated {self.kind}"

    @property
    def what(self) -> str:  # type: ignore[override]
        return self.kind

    def press(self, key_name: str, t: float | None = None) -> None:
        self.feed(key_tap(key_code(key_name), t))


def open_keypad(cfg: Any, health: HealthReporter, on_action: Callable[[str], None]) -> Keypad:
    """Build the keypad a `DeviceConfig` (kind `keypad` or `rating_pad`) describes; then `.start()`."""
    options = kind_options(cfg, ACTIONS_BY_KIND, "a keypad or rating_pad", BACKENDS)
    for _key, reason in unknown_actions(cfg.kind, options.keys or {}):
        raise DeviceOptionsError(f"device {cfg.id!r} (kind {cfg.kind}): {reason}")
    if isinstance(options, EvdevKeypadOptions):
        return EvdevKeypad(cfg.id, cfg.kind, health, on_action, options)
    return SimulatedKeypad(cfg.id, cfg.kind, health, on_action, options)
