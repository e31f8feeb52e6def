"""Window LED displays on one serial line, simulated on a pseudo-terminal: decodes frames, keeps what
each address shows, acknowledges. Faults for tests: NAKs, silence, a reply with a bad check byte,
and the port vanishing (`vanish` / `restore`, from PtyDevice)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ..faults import FaultQueue
from ..serialport import PtyDevice
from . import protocol as p

FAULTS = ("nak", "silence", "bad_check")


@dataclass(frozen=True)
class Shown:
    counter_number: int
    text: str


class LedSimulator(PtyDevice):
    name = "led-simulator"

    def __init__(self, addresses: tuple[int, ...] = (1,), encoding: str = "gb18030"):
        super().__init__()
        self.addresses = set(addresses)
        self.encoding = encoding
        self.screens: dict[int, Shown | None] = dict.fromkeys(addresses)
        self.frames: list[p.Frame] = []
        self.silent = False
        self._faults = FaultQueue(FAULTS)
        self._buffer = bytearray()
        self._state = threading.Lock()

    def inject(self, *faults: str) -> None:
        """Spoil the next replies, one fault each, in order."""
        self._faults.inject(*faults)

    def shown(self, address: int = 1) -> Shown | None:
        with self._state:
            return self.screens.get(address)

    def on_bytes(self, data: bytes) -> None:
        self._buffer += data
        while self._buffer:
            start = self._buffer.find(bytes([p.STX]))
            if start < 0:
                self._buffer.clear()
                return
            del self._buffer[:start]
            if len(self._buffer) < p.HEADER:
                return
            try:
                length = p.data_length(bytes(self._buffer[: p.HEADER]))
            except p.LedFrameError:
                del self._buffer[:1]
                continue
            size = p.HEADER + length + p.TRAILER
            if len(self._buffer) < size:
                return
            raw = bytes(self._buffer[:size])
            del self._buffer[:size]
            address = raw[1]
            if address not in self.addresses:
                continue  # another screen's frame on the shared line
            try:
                frame = p.decode(raw)
            except p.LedFrameError:
                self._reply(address, p.NAK, bytes([p.NAK_CHECK]))
                continue
            self.frames.append(frame)
            self._handle(frame)

    def _handle(self, frame: p.Frame) -> None:
        match frame.command:
            case p.SHOW:
                try:
                    number, raw = p.parse_show_data(frame.data)
                    text = raw.decode(self.encoding)
                except (p.LedFrameError, UnicodeDecodeError):
                    self._reply(frame.address, p.NAK, bytes([p.NAK_FORMAT]))
                    return
                with self._state:
                    self.screens[frame.address] = Shown(number, text)
            case p.CLEAR:
                with self._state:
                    self.screens[frame.address] = None
            case p.PING:
                pass
            case _:
                self._reply(frame.address, p.NAK, bytes([p.NAK_COMMAND]))
                return
        self._reply(frame.address, p.ACK, bytes([frame.command]))

    def _reply(self, address: int, command: int, data: bytes) -> None:
        fault = self._faults.take()
        if self.silent or fault == "silence":
            return
        if fault == "nak":
            command, data = p.NAK, bytes([p.NAK_CHECK])
        frame = p.encode(address, command, data)
        if fault == "bad_check":
            frame = frame[:-1] + bytes([frame[-1] ^ 0x5A])
        self.send(frame)
