"""Turning a keyboard-wedge scanner's key events into scanned strings (pure: no device, no thread).

The real backend and the simulator both feed `ScanDecoder` with evdev `InputEvent`s, so the
simulator exercises exactly the code the hall runs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from evdev import InputEvent, ecodes

from ..evdev_source import KEY_DOWN, KEY_UP, key_tap
from .keymap import CHAR_KEYS, CHAR_TO_KEY, ENTER_KEYS, SHIFT_KEYS

log = logging.getLogger(__name__)

DEFAULT_MAX_LENGTH = 512
DEFAULT_CHAR_GAP_S = 0.5


class ScanDecoder:
    """Feed events, get completed scans.

    - Characters come from key-down events only; key-up and auto-repeat (value 2) add nothing.
    - Left and right Shift are tracked separately (a scanner may press one and release the other).
    - Enter or keypad Enter ends a scan; an empty scan (a lone Enter) is not one.
    - A scan longer than `max_length` is discarded whole at its Enter, with a log line: half a code
      must never reach the kiosk as if it were one.
    - A pause longer than `char_gap_s` between two keys throws the partial scan away: a scanner
      types a whole code in milliseconds, so a stale prefix is left over from an interrupted read.
      The gap is measured on the events' own timestamps. `char_gap_s=None` disables it.
    """

    def __init__(self, max_length: int = DEFAULT_MAX_LENGTH, char_gap_s: float | None = DEFAULT_CHAR_GAP_S):
        self.max_length = max_length
        self.char_gap_s = char_gap_s
        self._buffer: list[str] = []
        self._overflow = False
        self._shift: set[int] = set()
        self._last_key_t: float | None = None
        self.discarded = 0  # scans thrown away for length, for tests and diagnostics

    def reset(self) -> None:
        self._buffer.clear()
        self._overflow = False
        self._shift.clear()
        self._last_key_t = None

    def feed(self, event: InputEvent) -> str | None:
        """One event; returns the scan it completes, if any."""
        if event.type != ecodes.EV_KEY:
            return None  # SYN_REPORT, MSC_SCAN and the like
        code, value = event.code, event.value
        if code in SHIFT_KEYS:
            if value == KEY_DOWN:
                self._shift.add(code)
            elif value == KEY_UP:
                self._shift.discard(code)
            return None
        if value != KEY_DOWN:
            return None  # key-up and auto-repeat
        self._expire_stale(event.timestamp())
        if code in ENTER_KEYS:
            return self._finish()
        chars = CHAR_KEYS.get(code)
        if chars is None:
            return None  # Tab, Ctrl, function keys …: not part of a code
        if self._overflow:
            return None
        self._buffer.append(chars[1] if self._shift else chars[0])
        if len(self._buffer) > self.max_length:
            self._overflow = True
            self._buffer.clear()
        return None

    def feed_all(self, events: Iterable[InputEvent]) -> list[str]:
        return [scan for event in events if (scan := self.feed(event)) is not None]

    def _expire_stale(self, t: float) -> None:
        last, self._last_key_t = self._last_key_t, t
        if self.char_gap_s is None or last is None or not (self._buffer or self._overflow):
            return
        if t - last > self.char_gap_s:
            log.info("scanner: dropped %d characters of an unfinished scan (%.1f s gap)", len(self._buffer), t - last)
            self._buffer.clear()
            self._overflow = False

    def _finish(self) -> str | None:
        if self._overflow:
            self._overflow = False
            self.discarded += 1
            # The content is not logged: a code may carry personal data.
            log.warning("scanner: discarded a scan longer than %d characters", self.max_length)
            return None
        if not self._buffer:
            return None
        scan = "".join(self._buffer)
        self._buffer.clear()
        return scan


def text_to_events(text: str, t: float | None = None, *, enter: bool = True) -> list[InputEvent]:
    """The events a US-layout scanner sends when it reads `text`, Enter included.

    Raises ValueError for a character a keyboard-wedge scanner cannot type (non-ASCII, control).
    """
    events: list[InputEvent] = []
    for position, char in enumerate(text):
        try:
            code, shift = CHAR_TO_KEY[char]
        except KeyError:
            raise ValueError(
                f"character {char!r} at position {position} cannot be typed by a US-layout scanner"
            ) from None
        events.extend(key_tap(code, t, shift=shift))
    if enter:
        events.extend(key_tap(ecodes.KEY_ENTER, t))
    return events
