"""The scanner's decoder and simulator, with synthetic evdev events (no /dev/input here)."""

from __future__ import annotations

import logging
import string

import pytest
from evdev import InputEvent, ecodes
from hypothesis import given
from hypothesis import strategies as st

from devices.evdev_source import key_tap, make_event
from devices.health import HealthReporter
from devices.scanner import ScanDecoder, SimulatedScanner, open_scanner, text_to_events
from devices.serialport import DeviceOptionsError
from queue_broker.config.models import DeviceConfig

from .conftest import assert_options_refused, open_with_failing_callback

e = ecodes


def tap(code: int, t: float = 0.0, shift: int | None = None) -> list[InputEvent]:
    """A key tap with a chosen Shift key held (left or right), as a scanner sends it."""
    events = []
    if shift is not None:
        events.append(make_event(t, e.EV_KEY, shift, 1))
    events += [make_event(t, e.EV_KEY, code, 1), make_event(t, e.EV_KEY, code, 0)]
    if shift is not None:
        events.append(make_event(t, e.EV_KEY, shift, 0))
    return events


def enter(t: float = 0.0, code: int = e.KEY_ENTER) -> list[InputEvent]:
    return tap(code, t)


def decode(events: list[InputEvent], **kwargs) -> list[str]:
    return ScanDecoder(**kwargs).feed_all(events)


def test_digits_end_on_enter():
    events = [ev for c in (e.KEY_1, e.KEY_2, e.KEY_0, e.KEY_9) for ev in tap(c)] + enter()
    assert decode(events) == ["1209"]


def test_upper_case_letters_with_left_or_right_shift():
    events = tap(e.KEY_A, shift=e.KEY_LEFTSHIFT) + tap(e.KEY_B) + tap(e.KEY_Z, shift=e.KEY_RIGHTSHIFT) + enter()
    assert decode(events) == ["AbZ"]


def test_shift_released_on_the_other_side_still_counts_until_both_are_up():
    events = [
        make_event(0, e.EV_KEY, e.KEY_LEFTSHIFT, 1),
        make_event(0, e.EV_KEY, e.KEY_RIGHTSHIFT, 1),
        make_event(0, e.EV_KEY, e.KEY_LEFTSHIFT, 0),
        *tap(e.KEY_Q),  # right Shift still down
        make_event(0, e.EV_KEY, e.KEY_RIGHTSHIFT, 0),
        *tap(e.KEY_Q),
        *enter(),
    ]
    assert decode(events) == ["Qq"]


@pytest.mark.parametrize(
    ("code", "plain", "shifted"),
    [
        (e.KEY_1, "1", "!"),
        (e.KEY_2, "2", "@"),
        (e.KEY_3, "3", "#"),
        (e.KEY_4, "4", "$"),
        (e.KEY_5, "5", "%"),
        (e.KEY_6, "6", "^"),
        (e.KEY_7, "7", "&"),
        (e.KEY_8, "8", "*"),
        (e.KEY_9, "9", "("),
        (e.KEY_0, "0", ")"),
        (e.KEY_MINUS, "-", "_"),
        (e.KEY_EQUAL, "=", "+"),
        (e.KEY_LEFTBRACE, "[", "{"),
        (e.KEY_RIGHTBRACE, "]", "}"),
        (e.KEY_BACKSLASH, "\\", "|"),
        (e.KEY_SEMICOLON, ";", ":"),
        (e.KEY_APOSTROPHE, "'", '"'),
        (e.KEY_COMMA, ",", "<"),
        (e.KEY_DOT, ".", ">"),
        (e.KEY_SLASH, "/", "?"),
        (e.KEY_GRAVE, "`", "~"),
    ],
)
def test_punctuation_plain_and_with_shift(code, plain, shifted):
    events = tap(code) + tap(code, shift=e.KEY_LEFTSHIFT) + tap(code, shift=e.KEY_RIGHTSHIFT) + enter()
    assert decode(events) == [plain + shifted + shifted]


def test_two_scans_back_to_back_and_keypad_enter():
    events = text_to_events("YY-001", t=1.0) + text_to_events("https://zwfw.example.cn/a?b=1&c=2", t=1.0)
    events += [ev for c in (e.KEY_KP4, e.KEY_KP2) for ev in tap(c, 1.0)] + enter(1.0, e.KEY_KPENTER)
    assert decode(events) == ["YY-001", "https://zwfw.example.cn/a?b=1&c=2", "42"]


def test_key_repeat_key_up_and_other_events_are_ignored():
    events = [
        make_event(0, e.EV_MSC, e.MSC_SCAN, 0x7001E),  # scan code report before the key
        make_event(0, e.EV_KEY, e.KEY_7, 1),
        make_event(0, e.EV_KEY, e.KEY_7, 2),  # auto-repeat: must not add a second 7
        make_event(0, e.EV_KEY, e.KEY_7, 2),
        make_event(0, e.EV_KEY, e.KEY_7, 0),
        make_event(0, e.EV_SYN, e.SYN_REPORT, 0),
        *tap(e.KEY_LEFTCTRL),
        *tap(e.KEY_TAB),
        *tap(e.KEY_F5),
        *tap(e.KEY_CAPSLOCK),  # not characters
        make_event(0, e.EV_LED, e.LED_NUML, 1),
        *tap(e.KEY_8),
        make_event(0, e.EV_KEY, e.KEY_ENTER, 2),  # a repeated Enter ends nothing
        *enter(),
    ]
    assert decode(events) == ["78"]


def test_a_lone_enter_is_not_a_scan():
    assert decode(enter() + enter()) == []


def test_too_long_scan_is_discarded_with_a_log_line_and_the_next_one_passes(caplog):
    decoder = ScanDecoder(max_length=8)
    with caplog.at_level(logging.WARNING, logger="devices.scanner.decoder"):
        assert decoder.feed_all(text_to_events("123456789", t=0)) == []
    assert decoder.discarded == 1
    assert "longer than 8" in caplog.text and "123456789" not in caplog.text  # content never logged
    assert decoder.feed_all(text_to_events("12345678", t=0)) == ["12345678"]


def test_a_stale_partial_scan_is_dropped_after_a_pause():
    events = text_to_events("999", t=10.0, enter=False) + text_to_events("A001", t=12.0)
    assert decode(events) == ["A001"]
    assert decode(events, char_gap_s=None) == ["999A001"]


def test_the_simulator_encoding_cannot_type_what_a_scanner_cannot():
    with pytest.raises(ValueError, match="position 2"):
        text_to_events("YY预约")


@given(st.text(alphabet=string.printable[:95], min_size=1, max_size=80))  # printable ASCII, no \t\n
def test_any_ascii_text_round_trips_through_events(text):
    assert decode(text_to_events(text, t=0), max_length=80) == [text]


# --- the simulator backend and options -------------------------------------------------------


def test_simulator_delivers_scans_and_reports_health():
    seen: list[tuple[str, str]] = []
    health = HealthReporter(sink=lambda device_id, h: seen.append((device_id, h.state)))
    scans: list[str] = []
    scanner = open_scanner(DeviceConfig(id="kiosk1-scanner", kind="scanner"), health, scans.append)
    assert isinstance(scanner, SimulatedScanner)
    scanner.start()
    scanner.type("YY20261127-0042")
    scanner.type("Ab!@#")
    scanner.stop()
    assert scans == ["YY20261127-0042", "Ab!@#"]
    assert seen == [("kiosk1-scanner", "ready"), ("kiosk1-scanner", "unknown")]


def test_a_failing_on_scan_does_not_break_the_scanner():
    scanner, scans = open_with_failing_callback(open_scanner, DeviceConfig(id="s", kind="scanner"))
    scanner.type("1")
    scanner.type("2")
    assert scans == ["1", "2"]


def test_simulator_feeds_raw_events_through_the_same_decoder():
    scans: list[str] = []
    scanner = open_scanner(
        DeviceConfig(id="s", kind="scanner", options={"max_length": 4}), HealthReporter(), scans.append
    )
    scanner.start()
    scanner.feed(key_tap(e.KEY_A, shift=True) + key_tap(e.KEY_ENTER))
    scanner.type("12345")  # over the configured limit
    assert scans == ["A"]


@pytest.mark.parametrize(
    ("backend", "options", "message"),
    [
        ("simulator", {"colour": "red"}, "colour: Extra inputs are not permitted"),
        ("simulator", {"max_length": 0}, "max_length"),
        ("evdev", {}, "give path, or name"),
        ("evdev", {"vendor": "zz"}, "not a hexadecimal USB id"),
        ("serial", {}, "unknown scanner backend 'serial'"),
    ],
)
def test_bad_options_are_refused_naming_the_device(backend, options, message):
    cfg = DeviceConfig(id="kiosk3-scanner", kind="scanner", backend=backend, options=options)
    assert_options_refused(open_scanner, cfg, DeviceOptionsError, message, print)


def test_evdev_options_accept_hex_usb_ids():
    cfg = DeviceConfig(id="s", kind="scanner", backend="evdev", options={"vendor": "0x0C2E", "product": "0b61"})
    scanner = open_scanner(cfg, HealthReporter(), print)
    assert (scanner.source.match.vendor, scanner.source.match.product) == (0x0C2E, 0x0B61)


def test_every_scanner_of_the_example_site_opens():
    from queue_broker.config.loader import load_site_config
    from tests.conftest import SAMPLE_SITE

    site = load_site_config(SAMPLE_SITE)
    devices = [d for node in site.nodes for d in node.devices if d.kind == "scanner"]
    assert devices
    for device in devices:
        assert open_scanner(device, HealthReporter(), print) is not None
