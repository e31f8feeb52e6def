"""Reading a Linux input device (evdev) for the scanner and the keypads: find, grab, read, reconnect.

A USB scanner or keypad is a HID keyboard. `EvdevSource` runs one reader thread that finds the
device (by path, or by name and USB vendor/product ids), grabs it so its keystrokes never reach the
kiosk's UI as typing, and hands every `InputEvent` to a callback. A device that is missing or
disappears (unplugged: reads fail with ENODEV, an OSError) is looked for again with back-off; the
thread never dies of it, and every change is reported through `on_state(state, message)`.

Also here: the options every evdev backend shares (`EvdevMatch`) and the keypads' key maps
(`KeyMapOptions`), options validation that names the device (`kind_options`), `key_tap`, which builds
the events a key press makes for the simulators and tests, and the devices' common part: `InputDevice`,
with its two backends `EvdevReader` and `SimulatedReader`.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from evdev import InputEvent, ecodes
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .health import Reports
from .serialport import Backoff, DeviceOptionsError, device_options

log = logging.getLogger(__name__)

StateCallback = Callable[[str, str], None]  # (state, message): 'ready' | 'degraded' | 'fault' | 'unknown'


# --- options ---------------------------------------------------------------------------------------


class StrictOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KeyMapOptions(StrictOptions):
    """A keypad's `keys`: Linux key name → what the key means; None: the kind's default map."""

    keys: dict[str, str] | None = None

    @field_validator("keys")
    @classmethod
    def _key_names(cls, keys: dict[str, str] | None) -> dict[str, str] | None:
        if keys is not None:
            if not keys:
                raise ValueError("an empty key map: leave `keys` out to use the default map")
            for name, meaning in keys.items():
                key_code(name)  # ValueError names an unknown key
                cls.check_meaning(name, meaning)
        return keys

    @classmethod
    def check_meaning(cls, name: str, meaning: str) -> None:
        """Refuse (ValueError) what this kind of keypad cannot mean by a key; any text by default."""


M = TypeVar("M", bound=BaseModel)


def kind_options(cfg: Any, kinds: Collection[str], what: str, backends: Mapping[str, type[M]]) -> M:
    """The options of a device that must be of one of `kinds` (`what` names them: "a scanner"), validated
    by the model of its backend in `backends` (backend name -> options model)."""
    if cfg.kind not in kinds:
        raise DeviceOptionsError(f"device {cfg.id!r} is a {cfg.kind}, not {what}")
    model = backends.get(cfg.backend)
    if model is None:
        raise DeviceOptionsError(
            f"device {cfg.id!r}: unknown {cfg.kind} backend {cfg.backend!r} (use {' or '.join(backends)})"
        )
    return device_options(model, cfg)


def _usb_id(value: Any) -> Any:
    # USB ids are written in hex everywhere (lsusb, udev rules): accept "0x0c2e", "0c2e" and ints.
    if isinstance(value, str):
        text = value.lower().removeprefix("0x")
        try:
            return int(text, 16)
        except ValueError:
            raise ValueError(f"{value!r} is not a hexadecimal USB id") from None
    return value


class EvdevMatch(StrictOptions):
    """Which input device to open: a fixed path, or the first device matching name and/or USB ids.

    A path under /dev/input/by-id/ is stable across reboots and USB ports; `name` is a
    case-insensitive part of the device's name as `evtest` shows it.
    """

    path: str | None = None
    name: str | None = None
    vendor: int | None = Field(default=None, ge=0, le=0xFFFF)
    product: int | None = Field(default=None, ge=0, le=0xFFFF)
    grab: bool = True  # exclusive: keystrokes go to us only, never to the focused window
    retry_max_s: float = Field(default=30.0, ge=0.5, le=600)

    @field_validator("vendor", "product", mode="before")
    @classmethod
    def _hex(cls, value: Any) -> Any:
        return _usb_id(value)

    @model_validator(mode="after")
    def _something_to_match(self) -> EvdevMatch:
        if not (self.path or self.name or self.vendor is not None or self.product is not None):
            raise ValueError("give path, or name and/or vendor/product, to say which input device to open")
        return self

    def describe(self) -> str:
        if self.path:
            return self.path
        parts = []
        if self.name:
            parts.append(f"name~{self.name!r}")
        if self.vendor is not None:
            parts.append(f"vendor={self.vendor:04x}")
        if self.product is not None:
            parts.append(f"product={self.product:04x}")
        return " ".join(parts)


# --- finding and reading a device ------------------------------------------------------------------


class InputDeviceLike(Protocol):
    """The part of `evdev.InputDevice` the reader uses (tests substitute a pipe-backed fake)."""

    path: str
    name: str

    def fileno(self) -> int: ...
    def read(self) -> Iterator[InputEvent]: ...
    def grab(self) -> None: ...
    def ungrab(self) -> None: ...
    def close(self) -> None: ...


Opener = Callable[[EvdevMatch, frozenset[int]], "InputDeviceLike | None"]


def _has_keys(device: Any, wanted: frozenset[int]) -> bool:
    if not wanted:
        return True
    keys = device.capabilities().get(ecodes.EV_KEY, [])
    return bool(wanted.intersection(keys))


def open_matching_device(match: EvdevMatch, wanted_keys: frozenset[int] = frozenset()) -> Any:
    """Open the device `match` names; None when no device matches. A device that exists but cannot
    be opened (permissions) raises OSError, whose message the health report carries."""
    from evdev import InputDevice, list_devices  # the real thing only here: tests use fakes

    if match.path:
        if not os.path.exists(match.path):
            return None
        return InputDevice(match.path)
    # A scanner often has several event nodes with one name (keyboard, consumer keys): take the one
    # that can send the keys we need.
    for path in sorted(list_devices()):
        try:
            device = InputDevice(path)
        except OSError:
            continue
        info = device.info
        if (
            (match.name is None or match.name.lower() in device.name.lower())
            and (match.vendor is None or info.vendor == match.vendor)
            and (match.product is None or info.product == match.product)
            and _has_keys(device, wanted_keys)
        ):
            return device
        device.close()
    return None


class EvdevSource:
    """One reader thread for one input device; `on_event` gets every event it reads."""

    def __init__(
        self,
        match: EvdevMatch,
        on_event: Callable[[InputEvent], None],
        on_state: StateCallback,
        *,
        wanted_keys: Iterable[int] = (),
        opener: Opener = open_matching_device,
        backoff: Backoff | None = None,
        poll_s: float = 0.25,
        name: str = "evdev",
    ):
        self.match = match
        self._on_event = on_event
        self._on_state = on_state
        self._wanted = frozenset(wanted_keys)
        self._opener = opener
        self._backoff = backoff or Backoff(0.5, match.retry_max_s)
        self._poll_s = poll_s
        self._name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"{self._name}-reader", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _state(self, state: str, message: str) -> None:
        try:
            self._on_state(state, message)
        except Exception:  # a broken health sink must not stop the reader
            log.exception("%s: health callback failed", self._name)

    def _wait_retry(self) -> None:
        self._stop.wait(self._backoff.failed())

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                device = self._opener(self.match, self._wanted)
            except OSError as exc:
                self._state("fault", f"cannot open input device {self.match.describe()}: {exc}; retrying")
                log.warning("%s: cannot open %s: %s", self._name, self.match.describe(), exc)
                self._wait_retry()
                continue
            if device is None:
                self._state("fault", f"no input device matches {self.match.describe()}; retrying")
                self._wait_retry()
                continue
            try:
                self._serve(device)
            finally:
                _close_quietly(device, ungrab=self.match.grab)

    def _serve(self, device: InputDeviceLike) -> None:
        where = f"{device.name!r} at {device.path}"
        state, message = "ready", f"reading {where}"
        if self.match.grab:
            try:
                device.grab()
            except OSError as exc:
                # Still usable, but its keystrokes also reach whatever window has the focus.
                state, message = "degraded", f"reading {where} without exclusive grab ({exc})"
                log.warning("%s: %s", self._name, message)
        self._state(state, message)
        log.info("%s: %s", self._name, message)
        self._backoff.succeeded()
        fd = device.fileno()
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([fd], [], [], self._poll_s)
                if not ready:
                    continue
                events = list(device.read())
            except BlockingIOError:
                continue
            except OSError as exc:  # ENODEV when unplugged, EBADF, ...
                self._state("fault", f"input device {where} lost ({exc}); looking for it again")
                log.warning("%s: device %s lost: %s", self._name, where, exc)
                self._wait_retry()
                return
            for event in events:
                try:
                    self._on_event(event)
                except Exception:  # the decoder or a user callback; the device is fine
                    log.exception("%s: event handler failed", self._name)


def _close_quietly(device: InputDeviceLike, *, ungrab: bool) -> None:
    if ungrab:
        try:
            device.ungrab()
        except OSError:
            pass  # not grabbed, or already gone
    try:
        device.close()
    except OSError:
        pass


# --- building events (simulators and tests) --------------------------------------------------------

KEY_DOWN, KEY_UP, KEY_REPEAT = 1, 0, 2


def key_code(name: str) -> int:
    """`"KEY_F1"` → its code; ValueError for a name evdev does not know."""
    code = ecodes.ecodes.get(name)
    if not isinstance(code, int) or not (name.startswith("KEY_") or name.startswith("BTN_")):
        raise ValueError(f"unknown key name {name!r} (use a Linux name such as KEY_F1 or KEY_KP1)")
    return code


def by_code(key_names: Mapping[str, str]) -> dict[int, str]:
    """Key name → what the key means, as key code → what it means (what the keypads' decoders look up)."""
    return {key_code(name): meaning for name, meaning in key_names.items()}


def make_event(t: float, type_: int, code: int, value: int) -> InputEvent:
    sec = int(t)
    return InputEvent(sec, int(round((t - sec) * 1_000_000)), type_, code, value)


def key_tap(code: int, t: float | None = None, *, shift: bool = False) -> list[InputEvent]:
    """The events one tap of a key makes, as the kernel sends them: key down, key up, each followed
    by a SYN_REPORT, with Left Shift held around the key when `shift`."""
    t = time.time() if t is None else t
    events: list[InputEvent] = []

    def add(c: int, value: int) -> None:
        events.append(make_event(t, ecodes.EV_KEY, c, value))
        events.append(make_event(t, ecodes.EV_SYN, ecodes.SYN_REPORT, 0))

    if shift:
        add(ecodes.KEY_LEFTSHIFT, KEY_DOWN)
    add(code, KEY_DOWN)
    add(code, KEY_UP)
    if shift:
        add(ecodes.KEY_LEFTSHIFT, KEY_UP)
    return events


# --- the two backends' life, shared by the scanner, the keypads and the tactile keypad ---------------


class HasSource(Protocol):
    """What `EvdevReader.read_with` sets up: an EvdevReader, or a device that borrows it (EvdevJack)."""

    source: EvdevSource


class InputDevice:
    """What the kiosk or the terminal holds of an input device (the scanner, a keypad or rating pad, the
    tactile keypad): `start()`, `stop()`, its health under its kind; what the device's decoder (made by
    `make_decoder` from the options) makes of the events arrives through `on_input`. The `evdev` backend
    (EvdevReader) opens its source in `open_source`, with `source_kwargs` (tests: `opener`, `backoff`, ...)."""

    kind: str
    decoder: Any

    def __init__(
        self, device_id: str, health: Reports, on_input: Callable[[str], None], options: Any, **source_kwargs: Any
    ):
        self.device_id = device_id
        self._health = health
        self._on_input = on_input
        self.decoder = self.make_decoder(options)
        self.open_source(options, **source_kwargs)

    def make_decoder(self, options: Any) -> Any:
        raise NotImplementedError

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def wanted_keys(self) -> Iterable[int]:
        """The keys a device must have to be this one (EvdevSource matches on them): the keypads' maps."""
        return self.decoder.keymap.keys()

    def open_source(self, options: BaseModel, **source_kwargs: Any) -> None:
        if source_kwargs:  # the simulator reads no device
            raise TypeError(f"{type(self).__name__} takes no {', '.join(source_kwargs)}")

    def _deliver(self, value: str) -> None:
        try:
            self._on_input(value)
        except Exception:  # the handler's (the kiosk's, the terminal's); the device itself is fine
            log.exception("%s %s: on_input failed", self.kind, self.device_id)

    def _report(self, state: str, message: str) -> None:
        self._health.report(self.device_id, self.kind, state, message)

    def _source_state(self, state: str, message: str) -> None:
        """The evdev source's health; a device that must forget something on a disconnect adds to it."""
        self._report(state, message)


class EvdevReader:
    """The `evdev` backend's start and stop: one `EvdevSource` (made by `read_with`), the health saying
    `starting` and `stopped` around it. Mixed in before the device's own base class (an InputDevice, or a
    device that calls `read_with` itself), which has `_report(state, message)`."""

    source: EvdevSource

    if TYPE_CHECKING:  # the device's own base class has them
        device_id: str
        kind: str

        def _report(self, state: str, message: str) -> None: ...

        def _handle(self, event: InputEvent) -> None: ...

        def _source_state(self, state: str, message: str) -> None: ...

        def wanted_keys(self) -> Iterable[int]: ...

    def open_source(self, options: BaseModel, **source_kwargs: Any) -> None:
        """Read the device `options` name, on a thread named after the device."""
        self.read_with(
            options,
            self._handle,
            self._source_state,
            wanted_keys=self.wanted_keys(),
            name=f"{self.kind}-{self.device_id}",
            **source_kwargs,
        )

    def read_with(
        self: HasSource,
        options: BaseModel,
        on_event: Callable[[InputEvent], None],
        on_state: StateCallback,
        *,
        wanted_keys: Iterable[int],
        name: str,
        **source_kwargs: Any,
    ) -> None:
        """Read the device `options` (an EvdevMatch and more) name, through one EvdevSource."""
        match = EvdevMatch.model_validate(options.model_dump(include=set(EvdevMatch.model_fields)))
        self.source = EvdevSource(match, on_event, on_state, wanted_keys=wanted_keys, name=name, **source_kwargs)

    def start(self) -> None:
        self._report("unknown", "正在启动")
        self.source.start()

    def stop(self) -> None:
        self.source.stop()
        self._report("unknown", "已停止")


class SimulatedReader:
    """The `simulator` backend's start, stop and `feed(events)`: the events go through the device's own
    `_handle`, on the caller's thread, only while started. Mixed in before the device's own base class,
    which has `_report(state, message)` and `_handle(event)`."""

    device_id: str
    ready_message = "simulated device"
    what = "device"
    _running = False

    if TYPE_CHECKING:  # the device's own base class has them

        def _report(self, state: str, message: str) -> None: ...

        def _handle(self, event: InputEvent) -> None: ...

    def start(self) -> None:
        self._running = True
        self._report("ready", self.ready_message)

    def stop(self) -> None:
        self._running = False
        self._report("unknown", "已停止")

    def feed(self, events: list[InputEvent]) -> None:
        if not self._running:
            raise RuntimeError(f"{self.what} {self.device_id} is not started")
        for event in events:
            self._handle(event)

    def press(self, key_name: str, t: float | None = None, shift: bool = False) -> None:
        """One tap of the key named ("KEY_F1"), at `t` (now), with Shift held if `shift`."""
        self.feed(key_tap(key_code(key_name), t, shift=shift))
