"""The tactile 12-key keypad and the headphone jack of the kiosk's blind mode (issue 23 item 1), with
synthetic evdev events (no /dev/input here): keys from every usual code set, bounce and junk refused with
a plain health message, a bouncing plug giving one event, the jack's state read at start."""

from __future__ import annotations

import time

import pytest
from evdev import ecodes

from devices.evdev_source import key_code, key_tap, make_event
from devices.health import HealthReporter
from devices.jack import EvdevJack, EvdevJackOptions, JackDebouncer, SimulatedJack, open_jack
from devices.jack.backends import CHATTER_MESSAGE
from devices.serialport import Backoff, DeviceOptionsError
from devices.tactile import EvdevTactileKeypad, EvdevTactileOptions, SimulatedTactileKeypad, open_tactile_keypad
from devices.tactile.backends import JUNK_MESSAGE
from queue_broker.config.models import DeviceConfig

from .test_scanner_evdev import FakeDevice, Plug, wait_for

e = ecodes


class Health:
    def __init__(self):
        self.seen: list[tuple[str, str]] = []
        self.reporter = HealthReporter(sink=lambda _id, h: self.seen.append((h.state, h.message)))

    @property
    def last(self) -> tuple[str, str]:
        return self.seen[-1]


def keypad(**options) -> tuple[SimulatedTactileKeypad, list[str], Health]:
    keys: list[str] = []
    health = Health()
    pad = open_tactile_keypad(
        DeviceConfig(id="kiosk1-keys", kind="tactile_keypad", options=options), health.reporter, keys.append
    )
    assert isinstance(pad, SimulatedTactileKeypad)
    pad.start()
    return pad, keys, health


def test_every_usual_code_set_gives_the_twelve_keys():
    pad, keys, _ = keypad()
    t = 100.0
    for name in [
        "KEY_KP1",
        "KEY_2",
        "KEY_NUMERIC_3",
        "KEY_KPASTERISK",
        "KEY_NUMERIC_POUND",
        "KEY_KP0",
        "KEY_NUMERIC_STAR",
    ]:
        t += 0.2
        pad.press(name, t=t)
    pad.press("KEY_8", t=t + 0.2, shift=True)  # a keypad that types the characters
    pad.press("KEY_3", t=t + 0.4, shift=True)
    pad.press("KEY_UP", t=t + 0.6)
    pad.press("KEY_KPENTER", t=t + 0.8)
    assert keys == ["1", "2", "3", "*", "#", "0", "*", "*", "#", "up", "confirm"]


def test_bounce_is_one_press_and_a_real_double_press_two():
    pad, keys, _ = keypad()
    pad.feed(key_tap(key_code("KEY_KP5"), 10.000) + key_tap(key_code("KEY_KP5"), 10.012))  # contact bounce
    pad.feed(key_tap(key_code("KEY_KP5"), 10.200))  # the citizen pressed again: 55
    assert keys == ["5", "5"] and pad.decoder.bounced == 1


def test_junk_is_refused_plainly_and_changes_nothing():
    pad, keys, health = keypad(junk_burst=5, quiet_s=2)
    t = 50.0
    for name in ["KEY_F13", "KEY_A", "KEY_PRINT", "KEY_F24"]:
        t += 0.1
        pad.press(name, t=t)
    assert keys == [] and pad.decoder.junk == 4 and health.last[0] == "ready"  # a few: refused, no alarm
    # a stuck key: the kernel's auto-repeat, 30 a second
    pad.feed([make_event(t + 0.2 + i / 30, e.EV_KEY, e.KEY_KP7, 2) for i in range(10)])
    assert keys == [] and health.last == ("degraded", JUNK_MESSAGE)
    pad.press("KEY_KP7", t=t + 1.0)  # still within the quiet period: the key counts, health stays
    assert keys == ["7"] and health.last[0] == "degraded"
    pad.press("KEY_KP8", t=t + 10)
    assert keys == ["7", "8"] and health.last[0] == "ready"


def test_bad_options_name_the_device():
    with pytest.raises(DeviceOptionsError, match="kiosk1-keys.*KEY_NOPE"):
        keypad(keys={"KEY_NOPE": "1"})
    with pytest.raises(DeviceOptionsError, match="not a keypad key"):
        keypad(keys={"KEY_KP1": "call-next"})
    pad, keys, _ = keypad(keys={"KEY_F1": "up", "KEY_F2": "down", "KEY_F3": "confirm"})
    pad.press("KEY_F2", t=1.0)
    pad.press("KEY_KP1", t=2.0)  # not in the hall's own map: junk
    assert keys == ["down"]


def test_evdev_tactile_backend_reads_a_device():
    health = Health()
    keys: list[str] = []
    device = FakeDevice(name="USB Tactile Keypad")
    pad = EvdevTactileKeypad(
        "kiosk1-keys",
        health.reporter,
        keys.append,
        EvdevTactileOptions.model_validate({"name": "Tactile"}),
        opener=Plug(device),
        backoff=Backoff(0.02, 0.05),
        poll_s=0.02,
    )
    pad.start()
    try:
        wait_for(lambda: health.seen and health.last[0] == "ready")
        assert device.grabbed
        device.push(key_tap(e.KEY_KP4, 1.0) + key_tap(e.KEY_F13, 1.1) + key_tap(e.KEY_NUMERIC_POUND, 1.2))
        wait_for(lambda: keys == ["4", "#"])
    finally:
        pad.stop()


# --- the headphone jack ------------------------------------------------------------------------


def test_debouncer_a_bouncing_plug_is_one_change():
    d = JackDebouncer(settle_s=0.25, initial=False)
    for i, v in enumerate([1, 0, 1, 0, 1]):
        d.feed(bool(v), 10.0 + i * 0.01)
    assert d.settle(10.2) is None  # not settled yet
    assert d.settle(10.3) is True and d.state is True and d.bounces == 4
    for i, v in enumerate([0, 1]):  # out and back in: no change
        d.feed(bool(v), 20.0 + i * 0.02)
    assert d.settle(21.0) is None and d.state is True
    assert d.due() is None


def test_a_socket_that_keeps_flipping_is_degraded_and_never_a_change():
    d = JackDebouncer(settle_s=0.25, initial=False, chatter_flips=10, chatter_window_s=5)
    for i in range(12):
        d.feed(i % 2 == 0, 30.0 + i * 0.1)
    assert d.chattering(31.2) and d.settle(31.2) is None
    assert not d.chattering(40.0)


def test_simulated_jack_plug_bounce_unplug_one_event_each():
    health = Health()
    events = []
    jack = open_jack(
        DeviceConfig(id="kiosk1-jack", kind="audio_jack", options={"settle_ms": 100}), health.reporter, events.append
    )
    assert isinstance(jack, SimulatedJack)
    jack.start()
    try:
        assert [(ev.plugged, ev.initial) for ev in events] == [(False, True)]
        assert health.last == ("ready", "耳机插孔：未插入耳机")
        jack.bounce(True, flips=6, gap_s=0.005)
        wait_for(lambda: len(events) == 2)
        time.sleep(0.3)
        assert [ev.plugged for ev in events] == [False, True] and health.last == ("ready", "耳机插孔：已插入耳机")
        jack.unplug()
        jack.plug()  # back in at once: a wobble, no change
        time.sleep(0.3)
        assert len(events) == 2
        jack.unplug()
        wait_for(lambda: len(events) == 3)
        assert events[-1].plugged is False and not events[-1].initial
    finally:
        jack.stop()


def test_simulated_jack_chatter_is_a_plain_message():
    health = Health()
    events = []
    jack = open_jack(
        DeviceConfig(
            id="kiosk1-jack", kind="audio_jack", options={"settle_ms": 100, "chatter_flips": 8, "chatter_window_s": 0.5}
        ),
        health.reporter,
        events.append,
    )
    jack.start()
    try:
        for i in range(10):
            jack.switch(i % 2 == 0)
            time.sleep(0.005)
        assert health.last == ("degraded", CHATTER_MESSAGE)
        wait_for(lambda: health.last[0] == "ready", timeout=3)
        assert len(events) == 1  # the initial state only: the chatter (ending unplugged) changed nothing
    finally:
        jack.stop()


def test_evdev_jack_reads_the_state_at_start_and_follows_the_switch():
    health = Health()
    events = []
    device = FakeDevice(name="HDA Intel PCH Headphone")
    jack = EvdevJack(
        "kiosk1-jack",
        health.reporter,
        events.append,
        EvdevJackOptions.model_validate({"settle_ms": 50}),
        opener=Plug(device),
        state_reader=lambda dev, code: True,  # headphones already in when the kiosk starts
        backoff=Backoff(0.02, 0.05),
        poll_s=0.02,
    )
    jack.start()
    try:
        wait_for(lambda: events)
        assert (events[0].plugged, events[0].initial) == (True, True) and not device.grabbed
        sw = [make_event(1.0, e.EV_SW, e.SW_HEADPHONE_INSERT, 0), make_event(1.0, e.EV_SYN, e.SYN_REPORT, 0)]
        mic = [make_event(1.0, e.EV_SW, e.SW_MICROPHONE_INSERT, 1)]  # another switch: not ours
        device.push(mic + sw)
        wait_for(lambda: len(events) == 2)
        assert events[1].plugged is False
    finally:
        jack.stop()
