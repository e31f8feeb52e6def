"""DLE EOT decoding, bit by bit, and its mapping to device health."""

from __future__ import annotations

import pytest

from devices.printer import status as st
from devices.printer.status import PrinterStatus, decode, encode

OK = {1: b"\x12", 2: b"\x12", 3: b"\x12", 4: b"\x12"}


def with_reply(n: int, byte: int) -> dict[int, bytes]:
    return OK | {n: bytes([byte])}


def test_all_clear_is_ready():
    s = decode(OK)
    assert s.online and s.paper == "adequate"
    assert s.health() == ("ready", "打印机就绪")


@pytest.mark.parametrize(
    ("n", "byte", "field"),
    [
        (1, 0x12 | 0x08, "online"),  # bit 3 set means OFFLINE, so online is False
        (1, 0x12 | 0x20, "waiting_online_recovery"),
        (1, 0x12 | 0x40, "feed_button"),
        (2, 0x12 | 0x04, "cover_open"),
        (2, 0x12 | 0x20, "paper_stop"),
        (2, 0x12 | 0x40, "error"),
        (3, 0x12 | 0x04, "mechanical_error"),
        (3, 0x12 | 0x08, "cutter_error"),
        (3, 0x12 | 0x20, "unrecoverable_error"),
        (3, 0x12 | 0x40, "auto_recoverable_error"),
        (4, 0x12 | 0x0C, "paper_near_end"),
        (4, 0x12 | 0x60, "paper_out"),
    ],
)
def test_every_status_bit(n, byte, field):
    clear = decode(OK)
    flagged = decode(with_reply(n, byte))
    if field == "online":
        assert clear.online is True and flagged.online is False
    else:
        assert getattr(clear, field) is False
        assert getattr(flagged, field) is True
    # no other field changed
    for other in (
        "cover_open",
        "paper_stop",
        "cutter_error",
        "paper_out",
        "paper_near_end",
        "mechanical_error",
    ):
        if other != field:
            assert getattr(flagged, other) == getattr(clear, other)


@pytest.mark.parametrize("byte", [0x16, 0x1A, 0x1E, 0x72, 0x7E])
def test_either_bit_of_a_sensor_pair_counts(byte):
    s = decode(with_reply(4, byte))
    assert s.paper_near_end == bool(byte & 0x0C)
    assert s.paper_out == bool(byte & 0x60)


@pytest.mark.parametrize(
    ("flags", "state", "words"),
    [
        ({"cover_open": True}, "fault", "盖"),
        ({"paper_out": True}, "fault", "缺纸"),
        ({"cutter_error": True}, "fault", "切刀"),
        ({"offline": True}, "fault", "离线"),
        ({"unrecoverable_error": True}, "fault", "不可恢复"),
        ({"paper_near_end": True}, "degraded", "纸将用尽"),
        ({"auto_recoverable_error": True}, "degraded", "过热"),
    ],
)
def test_conditions_map_to_health(flags, state, words):
    s = decode({n: bytes([b]) for n, b in encode(**flags).items()})
    got_state, message = s.health()
    assert got_state == state
    assert words in message


def test_empty_reply_is_unknown_offline_never_paper_adequate():
    s = decode({1: b"", 2: b"", 3: b"", 4: b""})
    assert not s.answered
    assert s.online is None and s.paper_out is None
    assert s.paper == "unknown"  # python-escpos 3.1 paper_status() says 2 ("adequate") here
    assert s.health()[0] == "fault"
    assert "无应答" in s.health()[1]


def test_paper_sensor_silent_alone_is_unknown_paper():
    s = decode(OK | {4: b""})
    assert s.answered and s.paper == "unknown"
    assert s.health()[0] == "degraded"


@pytest.mark.parametrize("garbage", [b"\x00", b"\xff", b"\x13", b"\x92"])
def test_a_byte_breaking_the_fixed_bits_is_no_answer(garbage):
    s = decode(OK | {1: garbage})
    assert s.online is None
    assert s.raw[1] is None


def test_out_of_paper_bytes_match_a_real_printer():
    # DLE EOT 1, 2, 4 of a printer out of paper, as the ESC/POS reference describes them.
    assert encode(paper_out=True) == {1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x7E}
    assert encode() == {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}


def test_unsupported_backend_is_unknown():
    assert st.unsupported().health()[0] == "unknown"


def test_query_bytes():
    assert st.query(1) == b"\x10\x04\x01"
    assert st.query(4) == b"\x10\x04\x04"
    with pytest.raises(ValueError):
        st.query(5)


def test_default_status_is_not_answered():
    assert PrinterStatus().health()[0] == "fault"
