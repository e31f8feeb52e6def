"""Window LED display: framing golden bytes, and WindowDisplay against the simulator over a real pty."""

from __future__ import annotations

import time

import pytest

from devices.health import HealthReporter
from devices.led import LedSimulator, Shown, WindowDisplay, open_led
from devices.led import protocol as p
from devices.led.display import encode_text
from devices.serialport import Backoff, DeviceOptionsError
from queue_broker.config.models import DeviceConfig
from tests.waiting import wait_for

from .conftest import assert_options_refused

# --- framing ---------------------------------------------------------------------------------


def test_show_frame_golden_bytes():
    data = p.show_data(12, "请A001号".encode("gb2312"))
    frame = p.encode(1, p.SHOW, data)
    inner = bytes([0x01, 0x31, 0x00, len(data)]) + b"012\x1f" + "请A001号".encode("gb2312") + b"\x03"
    check = 0
    for b in inner:
        check ^= b
    assert frame == b"\x02" + inner + bytes([check])
    assert p.decode(frame) == p.Frame(1, p.SHOW, data)


def test_clear_and_ack_frames():
    assert p.encode(7, p.CLEAR) == bytes([0x02, 0x07, 0x32, 0x00, 0x00, 0x03, 0x07 ^ 0x32 ^ 0x03])
    assert p.encode(7, p.ACK, bytes([p.SHOW])) == bytes(
        [0x02, 0x07, 0x06, 0x00, 0x01, 0x31, 0x03, 0x07 ^ 0x06 ^ 0x01 ^ 0x31 ^ 0x03]
    )


@pytest.mark.parametrize(
    "frame",
    [
        b"\x01\x01\x31\x00\x00\x03\x33",
        b"\x02\x01\x31\x00\x00\x04\x34",
        b"\x02\x01\x31\x00\x00\x03\x00",
        b"\x02\x01",
    ],
)
def test_bad_frames(frame):
    with pytest.raises(p.LedFrameError):
        p.decode(frame)


def test_text_encoding_replaces_what_the_font_lacks_and_fits_the_display():
    assert encode_text("请A001号", "gb2312", 64) == "请A001号".encode("gb2312")
    assert encode_text("王喆", "gb2312", 64) == "王□".encode("gb2312")
    assert encode_text("王喆", "gb18030", 64) == "王喆".encode("gb18030")
    assert encode_text("一二三四五", "gb2312", 7) == "一二三".encode("gb2312")  # never half a character
    assert encode_text("A\x02B\x03C", "gb2312", 64) == b"ABC"


def test_counter_number_range():
    with pytest.raises(ValueError):
        p.show_data(1000, b"")


# --- over a pty ----------------------------------------------------------------------------


@pytest.fixture
def sim():
    s = LedSimulator(addresses=(1, 2)).start()
    yield s
    s.stop()


@pytest.fixture
def display(sim, sink):
    d = WindowDisplay(
        "counter-12-led",
        lambda: sim.port,
        HealthReporter(sink),
        address=1,
        timeout=0.2,
        retries=2,
        backoff=Backoff(initial=0.05, maximum=0.2),
    ).start()
    yield d
    d.close()


@pytest.mark.timeout(10)
def test_show_and_clear(sim, display, sink):
    assert display.show(12, "请A001号到12号窗口")
    assert sim.shown(1) == Shown(12, "请A001号到12号窗口")
    assert sim.shown(2) is None  # the other screen on the line ignored the frame
    assert sink.last == ("ready", "窗口屏正常")
    assert display.clear()
    assert sim.shown(1) is None


@pytest.mark.timeout(10)
def test_two_screens_on_one_line(sim, sink):
    a = WindowDisplay("a", lambda: sim.port, HealthReporter(sink), address=1, timeout=0.2).start()
    b = WindowDisplay("b", lambda: sim.port, HealthReporter(sink), address=2, timeout=0.2).start()
    try:
        assert a.show(1, "A001") and b.show(2, "B001")
        assert sim.shown(1) == Shown(1, "A001") and sim.shown(2) == Shown(2, "B001")
    finally:
        a.close()
        b.close()


@pytest.mark.timeout(10)
def test_nak_and_bad_check_replies_are_retried(sim, display):
    sim.inject("nak", "bad_check")
    assert display.show(3, "B002")
    assert sim.shown(1) == Shown(3, "B002")
    assert sum(1 for f in sim.frames if f.command == p.SHOW) == 3


@pytest.mark.timeout(10)
def test_silent_display_is_degraded_within_bounded_time(sim, display, sink):
    sim.silent = True
    start = time.monotonic()
    assert display.show(5, "A009") is False
    assert time.monotonic() - start < 0.2 * 3 + 0.6
    assert sink.last[0] == "degraded"
    sim.silent = False
    assert display.show(5, "A009")
    assert sink.last == ("ready", "窗口屏正常")


@pytest.mark.timeout(10)
def test_vanished_port_is_retried_and_content_restored(sim, display, sink):
    assert display.show(8, "A100")
    sim.vanish()
    assert display.show(8, "A101") is False  # never raises
    assert sink.last == ("fault", "窗口屏连接断开，正在重试")
    assert display.show(8, "A102") is False  # still gone: remembered for later
    sim.restore()
    wait_for(lambda: sim.shown(1) == Shown(8, "A102"))
    wait_for(lambda: sink.last == ("ready", "窗口屏正常"))


@pytest.mark.timeout(10)
def test_open_led_with_the_simulator_backend(sink):
    cfg = DeviceConfig(
        id="counter-3-led",
        kind="led",
        backend="simulator",
        options={"address": 3, "timeout_s": 0.2, "encoding": "gb18030"},
    )
    d = open_led(cfg, HealthReporter(sink))
    try:
        assert sink.last == ("ready", "窗口屏正常")  # pinged on start
        assert d.show(3, "请C007号 王喆")
        assert d.simulator.shown(3) == Shown(3, "请C007号 王喆")
    finally:
        d.close()


@pytest.mark.timeout(10)
def test_missing_port_is_a_fault_not_a_crash(sink):
    d = WindowDisplay(
        "x",
        lambda: "/dev/nonexistent-ttyS9",
        HealthReporter(sink),
        timeout=0.1,
        backoff=Backoff(initial=0.05, maximum=0.1),
    ).start()
    try:
        assert sink.last[0] == "fault"
        assert d.show(1, "A001") is False
    finally:
        d.close()


@pytest.mark.parametrize(
    ("backend", "options", "message"),
    [
        ("simulator", {"address": 0}, "address"),
        ("serial", {"port": "/dev/ttyS0", "colour": "red"}, "colour"),
    ],
)
def test_options_are_validated_with_the_device_named(backend, options, message):
    cfg = DeviceConfig(id="counter-3-led", kind="led", backend=backend, options=options)
    assert_options_refused(open_led, cfg, DeviceOptionsError, message)
