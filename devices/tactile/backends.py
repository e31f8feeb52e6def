"""Tactile keypad backends (kind `tactile_keypad`): `evdev` and `simulator`, one decoder for both."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from evdev import InputEvent
from pydantic import Field

from ..evdev_source import EvdevMatch, EvdevReader, InputDevice, KeyMapOptions, SimulatedReader, by_code, kind_options
from ..health import Reports
from .decoder import TactileDecoder
from .keymap import DEFAULT_TACTILE_KEYS, KEYS

log = logging.getLogger(__name__)
KIND = "tactile_keypad"
JUNK_MESSAGE = "无障碍键盘发送了无法识别的按键，已忽略（请检查键盘连接或按键是否卡住）"


class TactileOptions(KeyMapOptions):  # `keys`: Linux key name → key ("0"…"9", "*", "#", "up", "confirm", …)
    debounce_ms: int = Field(default=40, ge=0, le=500)
    junk_burst: int = Field(default=10, ge=1, le=1000)
    junk_window_s: float = Field(default=10.0, gt=0, le=600)
    quiet_s: float = Field(default=30.0, gt=0, le=3600)

    @classmethod
    def check_meaning(cls, name: str, meaning: str) -> None:
        if meaning not in KEYS:
            raise ValueError(f"{name} maps to {meaning!r}, which is not a keypad key ({', '.join(KEYS)})")


class SimulatorTactileOptions(TactileOptions):
    pass


class EvdevTactileOptions(TactileOptions, EvdevMatch):
    pass


BACKENDS: dict[str, type[TactileOptions]] = {"evdev": EvdevTactileOptions, "simulator": SimulatorTactileOptions}


class TactileKeypad(InputDevice):
    """`start()`, `stop()`; keys arrive through `on_key(key)` on the device's thread:
    `TactileKeypad(device_id, health, on_key, options: TactileOptions, **source_kwargs)`."""

    kind = KIND
    decoder: TactileDecoder
    _ready_message = "无障碍键盘就绪"  # said again when a flood of junk keys ends
    _flooding = False

    def make_decoder(self, options: TactileOptions) -> TactileDecoder:
        self.key_names = options.keys or DEFAULT_TACTILE_KEYS
        return TactileDecoder(
            by_code(self.key_names),
            options.debounce_ms / 1000,
            options.junk_burst,
            options.junk_window_s,
            options.quiet_s,
        )

    def _report(self, state: str, message: str) -> None:
        if state == "ready":
            self._ready_message = message
        super()._report(state, message)

    def _handle(self, event: InputEvent) -> None:
        verdict = self.decoder.feed(event)
        now = event.timestamp()
        flooding = self.decoder.flooding(now)
        if verdict.junk is not None:
            if (
                self.decoder.junk == 1 or self.decoder.junk % 100 == 0
            ):  # a budget: a stuck key repeats 30 times a second
                log.warning(
                    "tactile keypad %s: refused %d junk events (%s)", self.device_id, self.decoder.junk, verdict.junk
                )
            if flooding and not self._flooding:
                self._flooding = True
                self._report("degraded", JUNK_MESSAGE)
            return
        if self._flooding and not flooding:
            self._flooding = False
            self._report("ready", self._ready_message)
        if verdict.key is None:
            return
        self._deliver(verdict.key)


class EvdevTactileKeypad(EvdevReader, TactileKeypad):
    """Reads the keypad's input device (EvdevTactileOptions) on a thread; `on_key` runs on it."""


class SimulatedTactileKeypad(SimulatedReader, TactileKeypad):
    """No hardware: `press("KEY_KP5")` sends a key tap through the same decoder; `feed(events)` any events
    (junk, auto-repeat, bounces). `on_key` runs on the caller's thread before `press` returns."""

    ready_message = "模拟无障碍键盘就绪"
    what = "tactile keypad"


def open_tactile_keypad(cfg: Any, health: Reports, on_key: Callable[[str], None]) -> TactileKeypad:
    """The keypad a `DeviceConfig` of kind `tactile_keypad` describes; then `.start()`."""
    options = kind_options(cfg, {KIND}, f"a {KIND}", BACKENDS)
    if isinstance(options, EvdevTactileOptions):
        return EvdevTactileKeypad(cfg.id, health, on_key, options)
    return SimulatedTactileKeypad(cfg.id, health, on_key, options)
