"""The serial framing this project uses for window LED displays (our definition, documented, not a vendor's).

    STX | ADDR | CMD | LEN_H LEN_L | DATA | ETX | BCC
    02    1..254  1     big-endian     LEN    03    XOR of ADDR..ETX

It follows the shape common to Chinese LED controller and queue-display serial protocols (a start
byte, a bus address so several screens share one RS-485 line, a command byte, the text in GB2312 or
GB18030, an end byte and an XOR check byte). The byte values are ours: a vendor's screen needs a small
adapter (or a vendor protocol module) that speaks its own frames.

Commands (host to display), replies (display to host):
    31 SHOW   DATA = counter number as 3 ASCII digits, 1F (unit separator), the text
    32 CLEAR  no DATA
    30 PING   no DATA
    06 ACK    DATA = the command acknowledged
    15 NAK    DATA = reason: 01 bad check byte, 02 bad length or format, 03 unknown command,
                     04 text the display cannot show
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

STX, ETX = 0x02, 0x03
HEADER = 5  # STX ADDR CMD LEN_H LEN_L
TRAILER = 2  # ETX BCC
MAX_DATA = 1024
SEPARATOR = 0x1F

SHOW, CLEAR, PING = 0x31, 0x32, 0x30
ACK, NAK = 0x06, 0x15
NAK_CHECK, NAK_FORMAT, NAK_COMMAND, NAK_TEXT = 0x01, 0x02, 0x03, 0x04


class LedFrameError(ValueError):
    pass


@dataclass(frozen=True)
class Frame:
    address: int
    command: int
    data: bytes


def bcc(data: bytes) -> int:
    return reduce(lambda a, b: a ^ b, data, 0)


def encode(address: int, command: int, data: bytes = b"", check: int | None = None) -> bytes:
    if not 0 <= address <= 0xFF or len(data) > MAX_DATA:
        raise ValueError("address is one byte and data at most 1024 bytes")
    inner = bytes([address, command]) + len(data).to_bytes(2, "big") + data + bytes([ETX])
    return bytes([STX]) + inner + bytes([bcc(inner) if check is None else check])


def data_length(header: bytes) -> int:
    if len(header) < HEADER or header[0] != STX:
        raise LedFrameError("frame does not start with STX")
    length = int.from_bytes(header[3:5], "big")
    if length > MAX_DATA:
        raise LedFrameError(f"impossible length {length}")
    return length


def decode(frame: bytes) -> Frame:
    length = data_length(frame[:HEADER])
    if len(frame) != HEADER + length + TRAILER:
        raise LedFrameError(f"length says {length} data bytes, frame has {len(frame) - HEADER - TRAILER}")
    if frame[-2] != ETX:
        raise LedFrameError("no ETX where the length says it is")
    if bcc(frame[1:-1]) != frame[-1]:
        raise LedFrameError("bad check byte")
    return Frame(frame[1], frame[2], frame[HEADER : HEADER + length])


def show_data(counter_number: int, text: bytes) -> bytes:
    if not 0 <= counter_number <= 999:
        raise ValueError("counter number is 0..999")
    return f"{counter_number:03d}".encode("ascii") + bytes([SEPARATOR]) + text


def parse_show_data(data: bytes) -> tuple[int, bytes]:
    if len(data) < 4 or data[3] != SEPARATOR or not data[:3].isdigit():
        raise LedFrameError("SHOW data is NNN, 1F, text")
    return int(data[:3]), data[4:]
