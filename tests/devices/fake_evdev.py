"""A pipe-backed stand-in for `evdev.InputDevice`, for the evdev backends' reader thread (the scanner's
and the keypad's)."""

from __future__ import annotations

import errno
import os
import threading

from evdev import InputEvent


class FakeDevice:
    """Enough of `evdev.InputDevice` for the reader: a pipe gives select() something to wait on."""

    def __init__(
        self, name: str = "Fake 2D Scanner", path: str = "/dev/input/event99", grab_error: OSError | None = None
    ):
        self.name, self.path = name, path
        self._r, self._w = os.pipe()
        self._pending: list[InputEvent] = []
        self._failure: OSError | None = None
        self._lock = threading.Lock()
        self.grab_error = grab_error
        self.grabbed = False
        self.closed = False

    def push(self, events: list[InputEvent]) -> None:
        with self._lock:
            self._pending.extend(events)
        os.write(self._w, b"x")

    def unplug(self) -> None:
        self._failure = OSError(errno.ENODEV, "No such device")
        os.write(self._w, b"x")

    def fileno(self) -> int:
        return self._r

    def read(self):
        os.read(self._r, 4096)
        if self._failure:
            raise self._failure
        with self._lock:
            events, self._pending = self._pending, []
        return iter(events)

    def grab(self) -> None:
        if self.grab_error:
            raise self.grab_error
        self.grabbed = True

    def ungrab(self) -> None:
        self.grabbed = False

    def close(self) -> None:
        if self.closed:  # never close a number the OS may have handed to someone else since
            return
        self.closed = True
        os.close(self._r)
        os.close(self._w)
