"""The SAM serial protocol of second-generation resident ID-card readers (GA 467), as frames.

    request  AA AA AA 96 69 | LEN_H LEN_L | CMD PARA  | data | CHK
    reply    AA AA AA 96 69 | LEN_H LEN_L | SW1 SW2 SW3 | data | CHK

LEN (big-endian) counts everything after it, the checksum included. CHK is the XOR of every byte
after the preamble (the two length bytes and the body). SW1 SW2 are 00 00; SW3 says what happened.

Find card, for example: AA AA AA 96 69 00 03 20 01 22 (00 ^ 03 ^ 20 ^ 01 = 22).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

from .errors import FrameError

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER = len(PREAMBLE) + 2
MAX_LENGTH = 4096  # the longest real reply (text + photo + fingerprint) is 2314 bytes

RESET_SAM = (0x10, 0xFF)
SAM_STATUS = (0x11, 0xFF)
SAM_ID = (0x12, 0xFF)
FIND_CARD = (0x20, 0x01)
SELECT_CARD = (0x20, 0x02)
READ_TEXT_PHOTO = (0x30, 0x01)
READ_TEXT_PHOTO_FINGERPRINT = (0x30, 0x10)

OK = 0x90
NO_CONTENT = 0x91  # the card has no such item (no fingerprint)
FIND_OK = 0x9F
FIND_NONE = 0x80
SELECT_FAILED = 0x81

# SW3 values, with the wording readers' SDKs give them.
SW3_MEANING = {
    0x90: "操作成功",
    0x91: "居民身份证中此项无内容",
    0x9F: "寻找居民身份证成功",
    0x10: "接收业务终端数据的校验和错",
    0x11: "接收业务终端数据的长度错",
    0x21: "接收业务终端的命令错误",
    0x23: "越权操作",
    0x24: "无法识别的错误",
    0x31: "居民身份证认证SAM失败",
    0x32: "SAM认证居民身份证失败",
    0x33: "信息验证失败",
    0x37: "指纹信息验证错误",
    0x3F: "信息长度错误",
    0x40: "无法识别的居民身份证类型",
    0x41: "读居民身份证操作失败",
    0x47: "取随机数失败",
    0x60: "SAM自检失败，不能接收命令",
    0x66: "SAM未经授权，无法使用",
    0x80: "寻找居民身份证失败",
    0x81: "选取居民身份证失败",
}
SAM_FAULTS = frozenset({0x23, 0x24, 0x31, 0x47, 0x60, 0x66})  # the module, not the card
TERMINAL_FAULTS = frozenset({0x10, 0x11, 0x21})  # the reader did not understand what we sent


def meaning(sw3: int) -> str:
    return SW3_MEANING.get(sw3, f"未知状态码 {sw3:02X}")


def xor(data: bytes) -> int:
    return reduce(lambda a, b: a ^ b, data, 0)


def _frame(body: bytes, checksum: int | None = None) -> bytes:
    length = (len(body) + 1).to_bytes(2, "big")
    chk = xor(length + body) if checksum is None else checksum
    return PREAMBLE + length + body + bytes([chk])


def request(command: tuple[int, int], data: bytes = b"") -> bytes:
    cmd, para = command
    return _frame(bytes([cmd, para]) + data)


def reply(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0, checksum: int | None = None) -> bytes:
    """A reply frame (the simulator's side). `checksum` overrides the computed one, for fault injection."""
    return _frame(bytes([sw1, sw2, sw3]) + data, checksum)


@dataclass(frozen=True)
class Reply:
    sw1: int
    sw2: int
    sw3: int
    data: bytes

    @property
    def meaning(self) -> str:
        return meaning(self.sw3)


def body_length(header: bytes, minimum: int = 4) -> int:
    """Check the 7 header bytes; return how many bytes follow (body and checksum)."""
    if len(header) < HEADER:
        raise FrameError(f"frame too short: {len(header)} bytes, a header alone is {HEADER}")
    if header[: len(PREAMBLE)] != PREAMBLE:
        raise FrameError(f"bad preamble {header[:5].hex(' ')}")
    length = int.from_bytes(header[5:7], "big")
    if not minimum <= length <= MAX_LENGTH:
        raise FrameError(f"impossible length {length}")
    return length


def _check(frame: bytes, minimum: int) -> bytes:
    """Validate a whole frame; return its body (without preamble, length and checksum)."""
    length = body_length(frame[:HEADER], minimum)
    if len(frame) != HEADER + length:
        raise FrameError(f"length says {length} bytes follow, {len(frame) - HEADER} did")
    if xor(frame[5:-1]) != frame[-1]:
        raise FrameError(f"bad checksum {frame[-1]:02X}, computed {xor(frame[5:-1]):02X}")
    return frame[HEADER:-1]


def parse_reply(frame: bytes) -> Reply:
    body = _check(bytes(frame), minimum=4)
    return Reply(body[0], body[1], body[2], body[3:])


def parse_request(frame: bytes) -> tuple[tuple[int, int], bytes]:
    body = _check(bytes(frame), minimum=3)
    return (body[0], body[1]), body[2:]


def split_read_data(data: bytes, fingerprint: bool) -> tuple[bytes, bytes, bytes]:
    """The data of a read reply: lengths (2 bytes each, big-endian), then text, photo [, fingerprint]."""
    n = 3 if fingerprint else 2
    if len(data) < 2 * n:
        raise FrameError(f"read reply too short for its length fields: {len(data)} bytes")
    sizes = [int.from_bytes(data[2 * i : 2 * i + 2], "big") for i in range(n)]
    if 2 * n + sum(sizes) != len(data):
        raise FrameError(f"read reply says {sizes} bytes, carries {len(data) - 2 * n}")
    if sizes[0] != 256:
        raise FrameError(f"text block is {sizes[0]} bytes, the card layout is 256")
    parts, offset = [], 2 * n
    for size in sizes:
        parts.append(data[offset : offset + size])
        offset += size
    if not fingerprint:
        parts.append(b"")
    return parts[0], parts[1], parts[2]


def read_data(text: bytes, photo: bytes, fingerprint: bytes | None = None) -> bytes:
    """The inverse of split_read_data (the simulator's side)."""
    sizes = [len(text), len(photo)] + ([] if fingerprint is None else [len(fingerprint)])
    head = b"".join(s.to_bytes(2, "big") for s in sizes)
    return head + text + photo + (fingerprint or b"")
