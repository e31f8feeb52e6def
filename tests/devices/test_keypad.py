"""Counter caller keypads and rating pads, with synthetic evdev events (no /dev/input here)."""

from __future__ import annotations

import pytest
from evdev import ecodes

from devices.evdev_source import key_tap, make_event
from devices.health import HealthReporter
from devices.keypad import (
    COUNTER_KEY_ACTIONS,
    DEFAULT_COUNTER_KEYS,
    EvdevKeypad,
    EvdevKeypadOptions,
    KeypadDecoder,
    SimulatedKeypad,
    open_keypad,
    rating_level,
)
from devices.serialport import Backoff, DeviceOptionsError
from queue_broker.config.models import DeviceConfig
from queue_broker.protocol.topics import COUNTER_ACTIONS, Topics
from tests.waiting import wait_for

from .conftest import assert_options_refused, open_with_failing_callback
from .fake_evdev import FakeDevice

e = ecodes


def press(code: int, t: float, value: int = 1):
    return make_event(t, e.EV_KEY, code, value)


def open_pad(kind: str = "keypad", **options) -> tuple[SimulatedKeypad, list[str]]:
    actions: list[str] = []
    pad = open_keypad(DeviceConfig(id=f"c03-{kind}", kind=kind, options=options), HealthReporter(), actions.append)
    assert isinstance(pad, SimulatedKeypad)
    pad.start()
    return pad, actions


def test_default_counter_keys_give_counter_actions_the_terminal_can_send():
    pad, actions = open_pad()
    for i, key in enumerate(DEFAULT_COUNTER_KEYS):
        pad.press(key, t=100.0 + i)
    assert actions == ["call-next", "recall", "pause-resume", "transfer", "start", "no-show", "finish"]
    topics = Topics("neixiang")
    for action in set(COUNTER_KEY_ACTIONS) - {"pause-resume"}:  # the toggle becomes pause or resume
        assert action in COUNTER_ACTIONS
        assert topics.counter_cmd("c03", action).endswith(f"/cmd/counter/c03/{action}")


def test_rating_pad_defaults_main_row_and_keypad_digits():
    pad, actions = open_pad("rating_pad")
    for i, key in enumerate(["KEY_5", "KEY_KP1", "KEY_3", "KEY_KP4", "KEY_2"]):
        pad.press(key, t=50.0 + i)
    assert actions == ["rate:5", "rate:1", "rate:3", "rate:4", "rate:2"]
    assert [rating_level(a) for a in actions] == [5, 1, 3, 4, 2]
    assert rating_level("call-next") is None


def test_a_double_press_never_double_calls():
    decoder = KeypadDecoder({e.KEY_F1: "call-next"}, debounce_s=0.3)
    events = [press(e.KEY_F1, 10.00), press(e.KEY_F1, 10.00, 0), press(e.KEY_F1, 10.12), press(e.KEY_F1, 10.13, 0)]
    assert [a for ev in events if (a := decoder.feed(ev))] == ["call-next"]
    assert decoder.ignored == 1


def test_a_flurry_of_presses_makes_one_call_and_a_later_press_another():
    decoder = KeypadDecoder({e.KEY_F1: "call-next"}, debounce_s=0.3)
    times = [0.0, 0.25, 0.5, 0.75, 1.0, 1.5]  # each press within 300 ms of the one before, until 1.5
    assert [decoder.feed(press(e.KEY_F1, 20 + t)) for t in times] == [
        "call-next",
        None,
        None,
        None,
        None,
        "call-next",
    ]


def test_debounce_is_per_action_and_shared_by_keys_with_the_same_action():
    decoder = KeypadDecoder({e.KEY_1: "rate:1", e.KEY_KP1: "rate:1", e.KEY_2: "rate:2"}, debounce_s=0.3)
    got = [decoder.feed(press(code, t)) for code, t in [(e.KEY_1, 5.0), (e.KEY_KP1, 5.1), (e.KEY_2, 5.15)]]
    assert got == ["rate:1", None, "rate:2"]


def test_a_clock_going_backwards_does_not_swallow_presses():
    decoder = KeypadDecoder({e.KEY_F2: "recall"}, debounce_s=0.3)
    assert decoder.feed(press(e.KEY_F2, 1000.0)) == "recall"
    assert decoder.feed(press(e.KEY_F2, 400.0)) == "recall"  # NTP stepped the clock back


def test_key_up_repeat_unmapped_keys_and_other_events_do_nothing():
    pad, actions = open_pad()
    t = 30.0
    pad.feed(
        [
            press(e.KEY_F1, t),
            press(e.KEY_F1, t + 0.5, 2),
            press(e.KEY_F1, t + 0.6, 2),  # held down: repeats
            press(e.KEY_F1, t + 0.7, 0),
            make_event(t, e.EV_SYN, e.SYN_REPORT, 0),
            make_event(t, e.EV_MSC, e.MSC_SCAN, 0x7003A),
            press(e.KEY_A, t + 1),
            press(e.KEY_F12, t + 1),
        ]
    )
    assert actions == ["call-next"]


def test_simulator_press_uses_the_debounce_too():
    pad, actions = open_pad()
    pad.press("KEY_F7", t=1.0)
    pad.press("KEY_F7", t=1.2)
    pad.press("KEY_F7", t=2.0)
    assert actions == ["finish", "finish"]
    pad.press("KEY_F1")  # real time stamps when none is given
    assert actions[-1] == "call-next"


def test_custom_key_map_replaces_the_default_and_debounce_is_configurable():
    pad, actions = open_pad(keys={"KEY_KP1": "call-next", "KEY_KP2": "recall", "KEY_KPENTER": "finish"}, debounce_ms=0)
    for key in ["KEY_KP1", "KEY_KP1", "KEY_F1", "KEY_KPENTER"]:
        pad.press(key, t=7.0)
    assert actions == ["call-next", "call-next", "finish"]


def test_a_failing_on_action_does_not_break_the_keypad():
    pad, calls = open_with_failing_callback(open_keypad, DeviceConfig(id="k", kind="keypad"))
    pad.press("KEY_F1", t=1.0)
    pad.press("KEY_F2", t=1.0)
    assert calls == ["call-next", "recall"]


@pytest.mark.parametrize(
    ("kind", "backend", "options", "message"),
    [
        ("keypad", "simulator", {"keys": {"KEY_NOPE": "call-next"}}, "unknown key name 'KEY_NOPE'"),
        ("keypad", "simulator", {"keys": {"KEY_F1": "rate:5"}}, "unknown action 'rate:5'"),
        ("rating_pad", "simulator", {"keys": {"KEY_1": "call-next"}}, "unknown action 'call-next'"),
        ("rating_pad", "simulator", {"keys": {"KEY_1": "rate:6"}}, "unknown action 'rate:6'"),
        ("keypad", "simulator", {"keys": {}}, "empty key map"),
        ("keypad", "simulator", {"debounce": 300}, "debounce: Extra inputs are not permitted"),
        ("keypad", "evdev", {"keys": {"KEY_F1": "call-next"}}, "give path, or name"),
        ("rating_pad", "hid", {}, "unknown rating_pad backend 'hid'"),
    ],
)
def test_bad_options_are_refused_naming_the_device(kind, backend, options, message):
    cfg = DeviceConfig(id="counter-07-pad", kind=kind, backend=backend, options=options)
    assert_options_refused(open_keypad, cfg, DeviceOptionsError, message, print)


def test_open_keypad_refuses_other_kinds():
    with pytest.raises(DeviceOptionsError, match="not a keypad"):
        open_keypad(DeviceConfig(id="x", kind="scanner"), HealthReporter(), print)


def test_evdev_keypad_reads_through_the_shared_reader():
    """The real backend's thread with a fake device (test_scanner_evdev.py covers reconnecting)."""
    health: list[str] = []
    actions: list[str] = []
    reporter = HealthReporter(sink=lambda device_id, h: health.append(h.state))
    device = FakeDevice("Counter Caller", "/dev/input/event5")
    opts = EvdevKeypadOptions.model_validate({"name": "caller"})
    pad = EvdevKeypad(
        "c03-keypad",
        "keypad",
        reporter,
        actions.append,
        opts,
        opener=lambda match, wanted: None if device.closed else device,
        backoff=Backoff(0.02, 0.05),
        poll_s=0.02,
    )
    assert pad.source._wanted == {e.KEY_F1, e.KEY_F2, e.KEY_F3, e.KEY_F4, e.KEY_F5, e.KEY_F6, e.KEY_F7}
    pad.start()
    wait_for(lambda: "ready" in health)
    device.push(key_tap(e.KEY_F1, 5.0) + key_tap(e.KEY_F1, 5.1) + key_tap(e.KEY_F6, 5.2))
    wait_for(lambda: actions == ["call-next", "no-show"])
    device.unplug()
    wait_for(lambda: health[-1] == "fault")
    pad.stop()


def test_every_keypad_and_rating_pad_of_the_example_site_opens():
    from queue_broker.config.loader import load_site_config
    from tests.conftest import SAMPLE_SITE

    site = load_site_config(SAMPLE_SITE)
    devices = [d for node in site.nodes for d in node.devices if d.kind in ("keypad", "rating_pad")]
    assert {d.kind for d in devices} == {"keypad", "rating_pad"}
    for device in devices:
        assert open_keypad(device, HealthReporter(), print) is not None
