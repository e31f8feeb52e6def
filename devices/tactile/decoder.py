"""Key events of a tactile keypad → keys, with bounce and junk refused (pure: no device, no thread).

- Only key-down counts; auto-repeat never does (a key held down is one press, not a stream of them).
- Contact bounce: a second press of the same key within `debounce_s` (default 40 ms, far below any
  human double press of about 100 ms and more) is dropped.
- Junk: a key outside the map, or auto-repeat (a key stuck down), is refused: no key comes out, and the
  count goes into `junk`; `junk_burst` such events within `junk_window_s` mean the keypad is sending
  junk (another device on the port, a fault, a stuck key), which the backend reports as health
  `degraded` with a plain sentence until it has been quiet for `quiet_s`. Which keys were pressed is
  never logged: a citizen may be typing a number.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from evdev import InputEvent, ecodes

from ..evdev_source import KEY_DOWN, KEY_REPEAT
from .keymap import SHIFTED

SHIFTS = (ecodes.KEY_LEFTSHIFT, ecodes.KEY_RIGHTSHIFT)


@dataclass(frozen=True)
class Verdict:
    """What one event gave: a key, or junk (with the reason), or nothing (key-up, SYN, bounce)."""

    key: str | None = None
    junk: str | None = None


class TactileDecoder:
    def __init__(
        self,
        keymap: dict[int, str],
        debounce_s: float = 0.04,
        junk_burst: int = 10,
        junk_window_s: float = 10.0,
        quiet_s: float = 30.0,
    ):
        self.keymap = dict(keymap)
        self.debounce_s = debounce_s
        self.junk_burst = junk_burst
        self.junk_window_s = junk_window_s
        self.quiet_s = quiet_s
        self._shift = False
        self._last: dict[str, float] = {}
        self._junk_times: deque[float] = deque()
        self.junk = 0  # junk events refused so far
        self.bounced = 0

    def feed(self, event: InputEvent) -> Verdict:
        if event.type != ecodes.EV_KEY:
            return Verdict()
        t = event.timestamp()
        if event.code in SHIFTS:
            self._shift = event.value != 0
            return Verdict()
        if event.value == KEY_REPEAT:
            return self._junk(t, "a key is held down (stuck key?)")
        if event.value != KEY_DOWN:
            return Verdict()
        key = self.keymap.get(event.code)
        if key is None:
            return self._junk(t, f"key code {event.code} is not a key of this keypad")
        if self._shift:
            key = SHIFTED.get(key, key)
        last = self._last.get(key)
        self._last[key] = t
        if last is not None and 0 <= t - last < self.debounce_s:
            self.bounced += 1
            return Verdict()
        return Verdict(key=key)

    def _junk(self, t: float, reason: str) -> Verdict:
        self.junk += 1
        self._junk_times.append(t)
        while self._junk_times and t - self._junk_times[0] > self.junk_window_s:
            self._junk_times.popleft()
        return Verdict(junk=reason)

    def flooding(self, now: float) -> bool:
        """True while the keypad sends junk: a burst within the window, and not yet quiet for `quiet_s`."""
        if not self._junk_times or now - self._junk_times[-1] > self.quiet_s:
            return False
        recent = [x for x in self._junk_times if self._junk_times[-1] - x <= self.junk_window_s]
        return len(recent) >= self.junk_burst
