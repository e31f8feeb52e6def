"""The evdev scanner backend: its reader thread with a pipe-backed fake device (reconnect, grab,
health), and with a real virtual keyboard where the machine has /dev/uinput."""

from __future__ import annotations

import errno
import os
import time

import pytest

from devices.evdev_source import EvdevMatch, EvdevSource
from devices.health import HealthReporter
from devices.scanner import EvdevScanner, EvdevScannerOptions, open_scanner, text_to_events
from devices.serialport import Backoff
from queue_broker.config.models import DeviceConfig
from tests.waiting import wait_for

from .fake_evdev import FakeDevice

HAS_UINPUT = os.path.exists("/dev/uinput") and os.access("/dev/uinput", os.W_OK)


class Plug:
    """An opener whose answer the test changes: a device, None (nothing plugged) or an OSError."""

    def __init__(self, answer=None):
        self.answer = answer
        self.calls = 0

    def __call__(self, match, wanted):
        self.calls += 1
        if isinstance(self.answer, OSError):
            raise self.answer
        return self.answer


class Recorder:
    def __init__(self):
        self.health: list[tuple[str, str]] = []
        self.reporter = HealthReporter(sink=lambda device_id, h: self.health.append((h.state, h.message)))
        self.scans: list[str] = []

    def states(self) -> list[str]:
        return [state for state, _ in self.health]


def make_scanner(rec: Recorder, plug: Plug, **options) -> EvdevScanner:
    opts = EvdevScannerOptions.model_validate({"name": "2D Scanner", **options})
    return EvdevScanner(
        "kiosk1-scanner", rec.reporter, rec.scans.append, opts, opener=plug, backoff=Backoff(0.02, 0.05), poll_s=0.02
    )


def test_reads_grabs_and_reports_ready():
    rec, device = Recorder(), FakeDevice()
    scanner = make_scanner(rec, Plug(device))
    scanner.start()
    wait_for(lambda: "ready" in rec.states())
    assert device.grabbed
    device.push(text_to_events("YY-0042"))
    wait_for(lambda: rec.scans == ["YY-0042"])
    scanner.stop()
    assert device.closed and not device.grabbed
    assert rec.states() == ["unknown", "ready", "unknown"]


def test_a_device_that_disappears_is_found_again_with_backoff():
    rec, first, second = Recorder(), FakeDevice(), FakeDevice(path="/dev/input/event7")
    plug = Plug(first)
    scanner = make_scanner(rec, plug)
    scanner.start()
    wait_for(lambda: "ready" in rec.states())
    first.push(text_to_events("A0", enter=False))  # half a code, then the cable is pulled
    wait_for(lambda: first._pending == [])
    plug.answer = None
    first.unplug()
    wait_for(lambda: rec.states()[-1] == "fault" and "no input device matches" in rec.health[-1][1])
    assert any("lost" in message for _, message in rec.health)
    calls = plug.calls
    wait_for(lambda: plug.calls >= calls + 2)  # still looking, thread alive
    assert scanner.source.running
    plug.answer = second
    wait_for(lambda: rec.states()[-1] == "ready")
    assert "event7" in rec.health[-1][1]
    second.push(text_to_events("B1"))
    wait_for(lambda: rec.scans == ["B1"])  # the stale "A0" was not glued onto it
    scanner.stop()


def test_permission_denied_is_reported_as_fault_and_retried():
    rec = Recorder()
    plug = Plug(PermissionError(errno.EACCES, "Permission denied", "/dev/input/event3"))
    scanner = make_scanner(rec, plug)
    scanner.start()
    wait_for(lambda: plug.calls >= 3)
    scanner.stop()
    assert "fault" in rec.states()
    assert any("Permission denied" in message for _, message in rec.health)


def test_a_device_already_grabbed_elsewhere_is_read_but_degraded():
    rec, device = Recorder(), FakeDevice(grab_error=OSError(errno.EBUSY, "Device or resource busy"))
    scanner = make_scanner(rec, Plug(device))
    scanner.start()
    wait_for(lambda: "degraded" in rec.states())
    device.push(text_to_events("123"))
    wait_for(lambda: rec.scans == ["123"])
    scanner.stop()
    assert "without exclusive grab" in [m for s, m in rec.health if s == "degraded"][0]


def test_grab_can_be_turned_off():
    rec, device = Recorder(), FakeDevice()
    scanner = make_scanner(rec, Plug(device), grab=False)
    scanner.start()
    wait_for(lambda: "ready" in rec.states())
    assert not device.grabbed
    scanner.stop()


def test_stop_is_prompt_while_waiting_for_a_device():
    rec = Recorder()
    opts = EvdevScannerOptions.model_validate({"path": "/dev/input/by-id/usb-nothing-event-kbd"})
    scanner = EvdevScanner("s", rec.reporter, rec.scans.append, opts, opener=Plug(None), backoff=Backoff(30, 30))
    scanner.start()
    wait_for(lambda: "fault" in rec.states())
    started = time.monotonic()
    scanner.stop()
    assert time.monotonic() - started < 1.0
    assert "/dev/input/by-id/usb-nothing-event-kbd" in [m for s, m in rec.health if s == "fault"][0]


def test_a_path_that_does_not_exist_means_no_device_not_a_crash():
    source = EvdevSource(EvdevMatch(path="/dev/input/event-none"), print, lambda s, m: None)
    assert source._opener(source.match, frozenset()) is None


@pytest.mark.skipif(
    not HAS_UINPUT,
    reason="no writable /dev/uinput on this machine (see stack notes): "
    "the real evdev backend needs a virtual keyboard to read from",
)
def test_real_evdev_backend_with_a_virtual_keyboard():  # pragma: no cover - needs /dev/uinput
    from evdev import UInput, ecodes

    from devices.scanner.keymap import CHAR_KEYS

    keys = [*CHAR_KEYS, ecodes.KEY_ENTER, ecodes.KEY_KPENTER, ecodes.KEY_LEFTSHIFT, ecodes.KEY_RIGHTSHIFT]
    with UInput({ecodes.EV_KEY: keys}, name="hall-test virtual 2D scanner") as ui:
        time.sleep(0.3)  # udev creates the node
        rec = Recorder()
        cfg = DeviceConfig(id="s", kind="scanner", backend="evdev", options={"name": "hall-test virtual"})
        scanner = open_scanner(cfg, rec.reporter, rec.scans.append)
        scanner.start()
        wait_for(lambda: "ready" in rec.states())
        for event in text_to_events("YY-0042!"):
            ui.write_event(event)
        ui.syn()
        wait_for(lambda: rec.scans == ["YY-0042!"])
        scanner.stop()
