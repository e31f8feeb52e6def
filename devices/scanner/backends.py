"""Scanner backends: `evdev` (a real USB/HID keyboard-wedge scanner) and `simulator`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from evdev import InputEvent, ecodes
from pydantic import Field

from ..evdev_source import EvdevMatch, EvdevReader, InputDevice, SimulatedReader, StrictOptions, kind_options
from ..health import HealthReporter
from .decoder import DEFAULT_CHAR_GAP_S, DEFAULT_MAX_LENGTH, ScanDecoder, text_to_events

log = logging.getLogger(__name__)

KIND = "scanner"


class DecoderOptions(StrictOptions):
    max_length: int = Field(default=DEFAULT_MAX_LENGTH, ge=1, le=65536)
    char_gap_ms: int | None = Field(default=int(DEFAULT_CHAR_GAP_S * 1000), ge=10)  # None: never expire

    def decoder(self) -> ScanDecoder:
        gap = None if self.char_gap_ms is None else self.char_gap_ms / 1000
        return ScanDecoder(self.max_length, gap)


class SimulatorScannerOptions(DecoderOptions):
    pass


class EvdevScannerOptions(DecoderOptions, EvdevMatch):
    pass


BACKENDS: dict[str, type[DecoderOptions]] = {"evdev": EvdevScannerOptions, "simulator": SimulatorScannerOptions}


class Scanner(InputDevice):
    """What the kiosk holds: `start()`, `stop()`; scans arrive through `on_scan(text)`:
    `Scanner(device_id, health, on_scan, options: DecoderOptions, **source_kwargs)`."""

    kind = KIND
    decoder: ScanDecoder

    def make_decoder(self, options: DecoderOptions) -> ScanDecoder:
        return options.decoder()

    def wanted_keys(self) -> Iterable[int]:
        return {ecodes.KEY_ENTER}

    def _source_state(self, state: str, message: str) -> None:
        if state != "ready":
            self.decoder.reset()  # a half-read code from before a disconnect is worthless
        self._report(state, message)

    def _handle(self, event: InputEvent) -> None:
        scan = self.decoder.feed(event)
        if scan is None:
            return
        log.info("scanner %s: scan of %d characters", self.device_id, len(scan))
        self._deliver(scan)


class EvdevScanner(EvdevReader, Scanner):
    """Reads the scanner's input device (EvdevScannerOptions) on a thread (see `EvdevSource`); `on_scan`
    runs on it."""


class SimulatedScanner(SimulatedReader, Scanner):
    """No hardware: `type(text)` sends the events a real scanner would through the same decoder.
    `on_scan` runs on the caller's thread, before `type` returns."""

    ready_message = "simulated scanner"
    what = "scanner"

    def type(self, text: str, *, enter: bool = True) -> None:
        self.feed(text_to_events(text, enter=enter))


def open_scanner(cfg: Any, health: HealthReporter, on_scan: Callable[[str], None]) -> Scanner:
    """Build the scanner a `DeviceConfig` (kind `scanner`) describes; call `.start()` to run it."""
    options = kind_options(cfg, {KIND}, "a scanner", BACKENDS)
    if isinstance(options, EvdevScannerOptions):
        return EvdevScanner(cfg.id, health, on_scan, options)
    return SimulatedScanner(cfg.id, health, on_scan, options)
