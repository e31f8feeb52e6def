"""A SAM ID-card reader on the other end of a real pseudo-terminal, answering byte for byte.

The reader code opens `simulator.port` with pyserial exactly as it opens /dev/ttyUSB0. Tests put a
card in the field (`place`), take it away (`remove`) and queue faults for the next replies
(`inject`): a bad checksum, a truncated frame, a length field that lies, a bad preamble, garbage, or
silence. `vanish()` / `restore()` pull and re-plug the port.

This reader model keeps answering "card found" (9F) while a card stays in the field, even after it
was read; some real readers do, others halt the card. The IdCardReader copes with both.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from ..faults import FaultQueue
from ..serialport import PtyDevice
from . import protocol as p
from .errors import FrameError
from .testcards import TEST_CARDS, TestCard

FAULTS = ("bad_checksum", "truncate", "long_length", "short_length", "bad_preamble", "garbage", "silence")


class SamSimulator(PtyDevice):
    name = "sam-simulator"

    def __init__(self, cards: Mapping[str, TestCard] | None = None, sam_id: bytes = bytes(range(16))):
        super().__init__()
        self.cards = dict(cards if cards is not None else TEST_CARDS)
        self.sam_id = sam_id
        self.sam_ok = True
        self.silent = False  # answer nothing at all, until set back (a hung reader)
        self.card: TestCard | None = None
        self.selected = False
        self.requests: list[tuple[int, int]] = []
        self._faults = FaultQueue(FAULTS)
        self._buffer = bytearray()
        self._state = threading.Lock()

    # --- what the test does --------------------------------------------------------------------
    def place(self, card: str | TestCard) -> None:
        with self._state:
            self.card = self.cards[card] if isinstance(card, str) else card
            self.selected = False

    def remove(self) -> None:
        with self._state:
            self.card = None
            self.selected = False

    def inject(self, *faults: str) -> None:
        """Spoil the next replies, one fault each, in order."""
        self._faults.inject(*faults)

    # --- the device ----------------------------------------------------------------------------
    def on_bytes(self, data: bytes) -> None:
        self._buffer += data
        while True:
            start = self._buffer.find(p.PREAMBLE)
            if start < 0:
                del self._buffer[: max(0, len(self._buffer) - len(p.PREAMBLE) + 1)]
                return
            del self._buffer[:start]
            if len(self._buffer) < p.HEADER:
                return
            try:
                length = p.body_length(bytes(self._buffer[: p.HEADER]), minimum=3)
            except FrameError:
                del self._buffer[:1]
                self.send(p.reply(0x11))  # 接收业务终端数据的长度错
                continue
            if len(self._buffer) < p.HEADER + length:
                return
            frame = bytes(self._buffer[: p.HEADER + length])
            del self._buffer[: p.HEADER + length]
            try:
                command, _ = p.parse_request(frame)
            except FrameError:
                self.send(p.reply(0x10))  # 接收业务终端数据的校验和错
                continue
            self.requests.append(command)
            self._answer(self._handle(command))

    def _handle(self, command: tuple[int, int]) -> bytes:
        with self._state:
            if not self.sam_ok and command != p.SAM_ID:
                return p.reply(0x60)
            card = self.card
            match command:
                case p.SAM_STATUS | p.RESET_SAM:
                    return p.reply(p.OK)
                case p.SAM_ID:
                    return p.reply(p.OK, self.sam_id)
                case p.FIND_CARD:
                    return p.reply(p.FIND_OK, bytes(4)) if card else p.reply(p.FIND_NONE)
                case p.SELECT_CARD:
                    if not card:
                        return p.reply(p.SELECT_FAILED)
                    self.selected = True
                    return p.reply(p.OK, bytes(8))
                case p.READ_TEXT_PHOTO | p.READ_TEXT_PHOTO_FINGERPRINT:
                    if not card or not self.selected:
                        return p.reply(0x41)
                    fp = card.fingerprint if command == p.READ_TEXT_PHOTO_FINGERPRINT else None
                    return p.reply(p.OK, p.read_data(card.text, card.photo, fp))
            return p.reply(0x21)  # 命令错误

    def _answer(self, frame: bytes) -> None:
        fault = self._faults.take()
        if self.silent or fault == "silence":
            return
        match fault:
            case "bad_checksum":
                frame = frame[:-1] + bytes([frame[-1] ^ 0xFF])
            case "truncate":
                frame = frame[: max(p.HEADER + 1, len(frame) // 2)]
            case "long_length":  # claims more than it sends: the reader waits, then sees a short frame
                n = int.from_bytes(frame[5:7], "big") + 8
                frame = frame[:5] + n.to_bytes(2, "big") + frame[7:]
            case "short_length":  # claims less: the checksum lands on a data byte
                n = int.from_bytes(frame[5:7], "big") - 1
                frame = frame[:5] + n.to_bytes(2, "big") + frame[7:]
            case "bad_preamble":
                frame = b"\xab" + frame[1:]
            case "garbage":
                frame = bytes((i * 37 + 11) % 256 for i in range(len(frame)))
        self.send(frame)
