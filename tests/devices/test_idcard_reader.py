"""The ID-card reader against the SAM simulator over a real pseudo-terminal (pyserial on the slave end)."""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.health import HealthReporter
from devices.idcard import (
    CardError,
    FrameError,
    IdCardError,
    IdCardReader,
    ReaderTimeout,
    ReaderUnavailable,
    SamError,
    SamSimulator,
    open_reader,
    read_once,
)
from devices.idcard import protocol as p
from devices.idcard.testcards import RESIDENT, TestCard, card_text
from devices.serialport import Backoff, DeviceOptionsError
from queue_broker.config.models import DeviceConfig
from tests.people import zhang_san_fields

from .conftest import assert_options_refused

TIMEOUT = 0.25  # per command, short to keep the suite fast; the default is 1 s


@pytest.fixture
def sim():
    s = SamSimulator().start()
    yield s
    s.stop()


@pytest.fixture
def reader(sim, sink):
    r = IdCardReader(
        "kiosk-1-idcard",
        lambda: sim.port,
        HealthReporter(sink),
        timeout=TIMEOUT,
        backoff=Backoff(initial=0.05, maximum=0.2),
    )
    yield r
    r.close()


@pytest.mark.timeout(10)
def test_find_card_bytes_on_the_wire(sim, reader):
    reader.read_card()
    assert sim.requests == [p.FIND_CARD]


@pytest.mark.timeout(10)
def test_reads_a_test_card(sim, reader, sink):
    assert reader.read_card() is None  # nothing in the field
    sim.place("zhang_san")
    card = reader.read_card()
    assert card is not None and card.name == "张三" and card.sex == "男"
    assert card.id_number.endswith(card.id_number[-4:]) and len(card.photo_wlt) == 1024
    assert sim.requests[-3:] == [p.FIND_CARD, p.SELECT_CARD, p.READ_TEXT_PHOTO]
    assert sink.last == ("ready", "身份证读卡器就绪")


@pytest.mark.timeout(10)
def test_card_must_leave_the_field_before_it_is_read_again(sim, reader):
    sim.place("li_xiuying")
    assert reader.read_card().birth.year == 1950
    for _ in range(3):
        assert reader.read_card() is None  # still lying on the pad: not read again
    assert sim.requests.count(p.READ_TEXT_PHOTO) == 1
    sim.remove()
    assert reader.read_card() is None
    sim.place("li_xiuying")
    assert reader.read_card() is not None  # put back: a new read
    assert sim.requests.count(p.READ_TEXT_PHOTO) == 2


@pytest.mark.timeout(10)
def test_permit_and_fingerprint_read(sim, sink):
    r = IdCardReader("r", lambda: sim.port, HealthReporter(sink), timeout=TIMEOUT, fingerprint=True)
    try:
        sim.place("chan_tai_man")  # a card without fingerprint data
        card = r.read_card()
        assert card.card_type == "hmt_residence_permit" and card.fingerprint == b""
        sim.remove()
        r.read_card()
        sim.place("zhang_san")
        card = r.read_card()
        assert len(card.fingerprint) == 1024
        assert p.READ_TEXT_PHOTO_FINGERPRINT in sim.requests
    finally:
        r.close()


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("bad_checksum", FrameError),
        ("truncate", FrameError),
        ("long_length", FrameError),
        ("short_length", FrameError),
        ("bad_preamble", FrameError),
        ("garbage", FrameError),
        ("silence", ReaderTimeout),
    ],
)
@pytest.mark.parametrize("on_reply", [0, 2])  # the find-card reply, or the 1295-byte read reply
def test_injected_fault_gives_its_typed_error_within_the_timeout(sim, reader, sink, fault, error, on_reply):
    sim.place("zhang_san")
    # spoil exactly the chosen reply: replies before it go through untouched
    original = sim._answer
    count = {"n": 0}

    def spoil(frame):
        if count["n"] == on_reply:
            sim.inject(fault)
        count["n"] += 1
        original(frame)

    sim._answer = spoil
    start = time.monotonic()
    with pytest.raises(error):
        reader.read_card()
    assert time.monotonic() - start < TIMEOUT + 0.5  # slack for a loaded machine
    assert sink.last[0] in ("degraded", "fault")
    # the reader recovers on the next call: same card, read cleanly
    sim._answer = original
    card = reader.read_card()
    assert card is not None and card.name == "张三"
    assert sink.last == ("ready", "身份证读卡器就绪")


@pytest.mark.timeout(10)
def test_silent_reader_times_out_every_command(sim, reader, sink):
    sim.silent = True
    for _ in range(3):
        start = time.monotonic()
        with pytest.raises(ReaderTimeout):
            reader.read_card(timeout=0.1)
        assert time.monotonic() - start < 0.6
    assert sink.last == ("fault", "读卡器无应答")


@pytest.mark.timeout(10)
def test_sam_failure_is_a_sam_error(sim, reader, sink):
    sim.sam_ok = False
    with pytest.raises(SamError, match="自检"):
        reader.read_card()
    assert sink.last[0] == "fault"
    assert not reader.check()


@pytest.mark.timeout(10)
def test_invalid_card_content_is_a_card_error(sim, reader, sink):
    bad = card_text(RESIDENT, **zhang_san_fields(id_number="411325199001011239"))  # check digit 0 made 9
    sim.place(TestCard("bad", bad, bytes(1024)))
    with pytest.raises(CardError, match="校验位"):
        reader.read_card()
    assert sink.last == ("ready", "身份证读卡器就绪")  # the card is bad, the reader is fine


@pytest.mark.timeout(10)
def test_select_failure_is_a_card_error(sim, reader):
    sim.place("zhang_san")
    original = sim._handle
    sim._handle = lambda cmd: p.reply(p.SELECT_FAILED) if cmd == p.SELECT_CARD else original(cmd)
    with pytest.raises(CardError, match="选卡失败"):
        reader.read_card()


@pytest.mark.timeout(10)
def test_vanished_port_is_reopened_with_backoff(sim, reader, sink):
    sim.place("zhang_san")
    assert reader.read_card() is not None
    sim.vanish()
    with pytest.raises(ReaderUnavailable):
        reader.read_card()
    assert sink.last == ("fault", "读卡器未连接或端口已断开，正在重试")
    with pytest.raises(ReaderUnavailable):
        reader.read_card()  # inside the back-off, or the port is still gone: no crash, same typed error
    sim.restore()  # plugged back in: a new /dev/pts path
    sim.remove()
    deadline = time.monotonic() + 2
    while True:
        try:
            assert reader.read_card() is None
            break
        except ReaderUnavailable:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    assert sink.last == ("ready", "身份证读卡器就绪")


@pytest.mark.timeout(10)
def test_missing_port_is_unavailable_not_a_crash(sink):
    r = IdCardReader("r", lambda: "/dev/nonexistent-ttyUSB9", HealthReporter(sink), timeout=TIMEOUT)
    with pytest.raises(ReaderUnavailable):
        r.read_card()
    assert sink.last[0] == "fault"
    assert not r.check()


@pytest.mark.timeout(10)
def test_open_reader_with_the_simulator_backend(sink):
    cfg = DeviceConfig(
        id="kiosk-2-idcard",
        kind="idcard",
        backend="simulator",
        options={"card": "martin_2023", "timeout_s": TIMEOUT},
    )
    r = open_reader(cfg, HealthReporter(sink))
    try:
        assert sink.last == ("ready", "身份证读卡器就绪")
        assert r.read_card().card_type == "foreign_permanent_2023"
        assert r.sam_id() == bytes(range(16)).hex()
    finally:
        r.close()


@pytest.mark.parametrize(
    ("backend", "options", "message"),
    [
        ("serial", {}, "port"),
        ("simulator", {"card": "nobody"}, "no test card"),
    ],
)
def test_options_are_validated_with_the_device_named(backend, options, message):
    cfg = DeviceConfig(id="kiosk-2-idcard", kind="idcard", backend=backend, options=options)
    assert_options_refused(open_reader, cfg, DeviceOptionsError, message)


@pytest.mark.timeout(10)
def test_read_once_for_the_cli(sim):
    sim.place("smith_2017")
    card = read_once(sim.port, timeout=2)
    assert card.english_name == "SMITH, JOHN"
    sim.remove()
    start = time.monotonic()
    with pytest.raises(ReaderTimeout):
        read_once(sim.port, timeout=0.3)
    assert time.monotonic() - start < 1.2


# --- fuzz through the pty: any bytes back from the "reader" give a typed error, in time ---------


class RawReplySim(SamSimulator):
    """Answers every request with whatever bytes the test chose."""

    next_reply = b""

    def on_bytes(self, data: bytes) -> None:
        self.send(self.next_reply)


@pytest.fixture(scope="module")
def raw_sim():
    s = RawReplySim().start()
    yield s
    s.stop()


@pytest.mark.timeout(60)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.binary(max_size=64),
        st.builds(
            lambda sw3, data, cut: p.reply(sw3, data)[:cut],
            st.integers(0, 255),
            st.binary(max_size=40),
            st.integers(0, 60),
        ),
        st.builds(lambda b: p.PREAMBLE + b, st.binary(max_size=64)),
    )
)
def test_fuzz_replies_through_the_pty(raw_sim, reply):
    raw_sim.next_reply = reply
    r = IdCardReader("fuzz", lambda: raw_sim.port, HealthReporter(), timeout=0.05)
    try:
        start = time.monotonic()
        try:
            r.read_card()
        except IdCardError:
            pass
        assert time.monotonic() - start < 0.05 * 3 + 0.6  # at most three commands, each bounded
    finally:
        r._drop_port()


def test_no_file_descriptor_leak_across_reopen(sim, sink):
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(5):
        r = IdCardReader("r", lambda: sim.port, HealthReporter(sink), timeout=TIMEOUT)
        r.read_card()
        r._drop_port()
    assert len(os.listdir("/proc/self/fd")) <= before + 1
