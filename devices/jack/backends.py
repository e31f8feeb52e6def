"""Headphone-jack backends (kind `audio_jack`): `evdev` (the sound card's jack switch) and `simulator`.

Either way raw switch values go through one `JackDebouncer` on a settle thread; `on_change(JackEvent)`
runs on that thread, once per real change. The evdev backend never grabs the device (the desktop's
sound server reads the same jack to switch its output to the headphones) and reads the switch state
when it opens the device (EVIOCGSW), so headphones already in at start are known (`initial=True`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from evdev import InputEvent, ecodes
from pydantic import Field

from ..evdev_source import EvdevMatch, EvdevReader, EvdevSource, StrictOptions, kind_options, make_event
from ..health import HealthReporter
from .debounce import JackDebouncer

log = logging.getLogger(__name__)
KIND = "audio_jack"
SWITCHES = {
    "headphone": ecodes.SW_HEADPHONE_INSERT,
    "microphone": ecodes.SW_MICROPHONE_INSERT,
    "lineout": ecodes.SW_LINEOUT_INSERT,
    "jack_physical": ecodes.SW_JACK_PHYSICAL_INSERT,
}
CHATTER_MESSAGE = "耳机插孔接触不良：插头反复接通断开，已忽略，请重新插好耳机"


@dataclass(frozen=True)
class JackEvent:
    plugged: bool
    at: datetime
    initial: bool = False  # the state found at start, not a change


class JackOptions(StrictOptions):
    switch: Literal["headphone", "microphone", "lineout", "jack_physical"] = "headphone"
    settle_ms: int = Field(default=250, ge=0, le=5000)
    chatter_flips: int = Field(default=20, ge=2, le=1000)
    chatter_window_s: float = Field(default=5.0, gt=0, le=600)


class SimulatorJackOptions(JackOptions):
    plugged: bool = False  # the state at start


class EvdevJackOptions(JackOptions, EvdevMatch):
    name: str | None = "Headphone"  # HDA codecs name the jack's input device "<card> Headphone"
    grab: bool = False  # never: the sound server reads the same switch


BACKENDS: dict[str, type[JackOptions]] = {"evdev": EvdevJackOptions, "simulator": SimulatorJackOptions}


def _label(plugged: bool | None) -> str:
    return {True: "耳机插孔：已插入耳机", False: "耳机插孔：未插入耳机", None: "耳机插孔：状态未知"}[plugged]


class HeadphoneJack:
    def __init__(
        self,
        device_id: str,
        health: HealthReporter,
        on_change: Callable[[JackEvent], None],
        options: JackOptions,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.device_id = device_id
        self.code = SWITCHES[options.switch]
        self._health = health
        self._on_change = on_change
        self._clock = clock
        self.debouncer = JackDebouncer(options.settle_ms / 1000, None, options.chatter_flips, options.chatter_window_s)
        self._cv = threading.Condition()
        self._stop = False
        self._chattering = False
        self._thread: threading.Thread | None = None
        self.events: list[JackEvent] = []  # what was delivered (diagnostics, tests)

    @property
    def plugged(self) -> bool | None:
        return self.debouncer.state

    def start(self) -> None:  # each backend opens its source and starts the settler
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def _start_settler(self) -> None:
        self._stop = False
        self._thread = threading.Thread(target=self._settle_loop, name=f"jack-{self.device_id}", daemon=True)
        self._thread.start()

    def _stop_settler(self) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify()
        if self._thread is not None:
            self._thread.join(2)
            self._thread = None

    def _report(self, state: str, message: str) -> None:
        self._health.report(self.device_id, KIND, state, message)

    def initial(self, plugged: bool) -> None:
        """The state read when the device opened: delivered once, marked initial."""
        with self._cv:
            known = self.debouncer.state
            self.debouncer = JackDebouncer(
                self.debouncer.settle_s, plugged, self.debouncer.chatter_flips, self.debouncer.chatter_window_s
            )
        if known != plugged:
            self._deliver(JackEvent(plugged, datetime.now(UTC), initial=known is None))
        self._report("ready", _label(plugged))

    def _handle(self, event: InputEvent) -> None:
        """One input event from the device (any type); only this jack's switch counts."""
        if event.type != ecodes.EV_SW or event.code != self.code:
            return
        now = self._clock()
        with self._cv:
            self.debouncer.feed(bool(event.value), now)
            newly = self.debouncer.chattering(now) and not self._chattering
            if newly:
                self._chattering = True
            self._cv.notify()
        if newly:
            log.warning("audio jack %s: the contact keeps flipping; ignoring it until it settles", self.device_id)
            self._report("degraded", CHATTER_MESSAGE)

    def _settle_loop(self) -> None:
        while True:
            with self._cv:
                if self._stop:
                    return
                due = self.debouncer.due()
                now = self._clock()
                if due is None or due > now:
                    # nothing to settle yet; while chattering, look again when the window may have passed
                    timeout = None if due is None else due - now
                    if self._chattering:
                        timeout = min(timeout or 1.0, 1.0)
                    self._cv.wait(timeout)
                    if (
                        self.debouncer.due() is None
                        and self._chattering
                        and not self.debouncer.chattering(self._clock())
                    ):
                        self._chattering = False
                        calm = True
                    else:
                        continue
                    settled = None
                else:
                    settled = self.debouncer.settle(now)
                    calm = self._chattering and not self.debouncer.chattering(now)
                    if calm:
                        self._chattering = False
                state = self.debouncer.state
            if settled is not None:
                self._deliver(JackEvent(settled, datetime.now(UTC)))
            if (settled is not None or calm) and not self._chattering:
                self._report("ready", _label(state))

    def _deliver(self, event: JackEvent) -> None:
        self.events.append(event)
        log.info(
            "audio jack %s: %s%s",
            self.device_id,
            "plugged" if event.plugged else "unplugged",
            " (at start)" if event.initial else "",
        )
        try:
            self._on_change(event)
        except Exception:  # the kiosk's handler; the jack itself is fine
            log.exception("audio jack %s: on_change failed", self.device_id)


class SimulatedJack(HeadphoneJack):
    """No sound card: `plug()`, `unplug()`, `bounce(final, flips)` make the switch events a real socket
    sends; `feed(events)` takes raw ones. Changes settle on the settle thread after `settle_ms`, as live."""

    def __init__(self, *args: Any, start_plugged: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._start_plugged = start_plugged

    def start(self) -> None:
        self._start_settler()
        self.initial(self._start_plugged)

    def stop(self) -> None:
        self._stop_settler()
        self._report("unknown", "已停止")

    def feed(self, events: list[InputEvent]) -> None:
        for event in events:
            self._handle(event)

    def switch(self, inserted: bool) -> None:
        t = time.time()
        self.feed(
            [make_event(t, ecodes.EV_SW, self.code, int(inserted)), make_event(t, ecodes.EV_SYN, ecodes.SYN_REPORT, 0)]
        )

    def plug(self) -> None:
        self.switch(True)

    def unplug(self) -> None:
        self.switch(False)

    def bounce(self, final: bool, flips: int = 5, gap_s: float = 0.01) -> None:
        """The contact flips `flips` times `gap_s` apart and ends `final` (a plug pushed in slowly)."""
        for i in range(flips):
            self.switch(final if i % 2 == 0 else not final)
            time.sleep(gap_s)
        self.switch(final)


def read_switch(device: Any, code: int) -> bool | None:
    """Is switch `code` on now (EVIOCGSW)? None when the device cannot say (not a real input device)."""
    try:
        from evdev import _input  # type: ignore[attr-defined]  # evdev's C module, not in its types

        return code in _input.ioctl_EVIOCG_bits(device.fd, ecodes.EV_SW)
    except (AttributeError, OSError, TypeError):
        return None


def has_switch(device: Any, code: int) -> bool:
    return code in device.capabilities().get(ecodes.EV_SW, [])


class EvdevJack(HeadphoneJack):
    source: EvdevSource  # made by EvdevReader.read_with

    def __init__(
        self,
        device_id: str,
        health: HealthReporter,
        on_change: Callable[[JackEvent], None],
        options: EvdevJackOptions,
        *,
        opener: Callable[..., Any] | None = None,
        state_reader: Callable[[Any, int], bool | None] = read_switch,
        **source_kwargs: Any,
    ):
        super().__init__(device_id, health, on_change, options)
        self._inner_opener = opener or self._open_jack_device
        self._state_reader = state_reader
        EvdevReader.read_with(
            self,
            options,
            self._handle,
            self._report,
            wanted_keys=(),
            name=f"{KIND}-{device_id}",
            opener=self._open,
            **source_kwargs,
        )

    def _open_jack_device(self, match: EvdevMatch, _wanted: frozenset[int]) -> Any:
        """Like `open_matching_device`, but the device must have this jack's switch (EV_SW)."""
        from evdev import InputDevice, list_devices

        if match.path:
            return InputDevice(match.path) if os.path.exists(match.path) else None
        for path in sorted(list_devices()):
            try:
                device = InputDevice(path)
            except OSError:
                continue
            if (match.name is None or match.name.lower() in device.name.lower()) and has_switch(device, self.code):
                return device
            device.close()
        return None

    def _open(self, match: EvdevMatch, wanted: frozenset[int]) -> Any:
        device = self._inner_opener(match, wanted)
        if device is not None:
            state = self._state_reader(device, self.code)
            if state is not None:
                self.initial(state)
        return device

    def start(self) -> None:
        self._report("unknown", "正在启动")
        self._start_settler()
        self.source.start()

    def stop(self) -> None:
        self.source.stop()
        self._stop_settler()
        self._report("unknown", "已停止")


def open_jack(cfg: Any, health: HealthReporter, on_change: Callable[[JackEvent], None]) -> HeadphoneJack:
    """The jack a `DeviceConfig` of kind `audio_jack` describes; then `.start()`."""
    options = kind_options(cfg, {KIND}, f"an {KIND}", BACKENDS)
    if isinstance(options, EvdevJackOptions):
        return EvdevJack(cfg.id, health, on_change, options)
    assert isinstance(options, SimulatorJackOptions)  # the other backend
    return SimulatedJack(cfg.id, health, on_change, options, start_plugged=options.plugged)
