"""Key events → actions, with debouncing (pure: no device, no thread)."""

from __future__ import annotations

from evdev import InputEvent, ecodes

from ..evdev_source import KEY_DOWN

DEFAULT_DEBOUNCE_S = 0.3


class KeypadDecoder:
    """Feed events, get actions.

    Only key-down events count (key-up and auto-repeat never do). A press of an action within
    `debounce_s` of the previous press of the same action is dropped, and restarts the window, so a
    flurry of presses however long makes one call: calling the next citizen twice because a key
    bounced or an officer double-pressed would skip a person. Keys mapped to the same action share
    the window. Time comes from the events' own timestamps; a timestamp that goes backwards (the
    clock was set) counts as a new press.
    """

    def __init__(self, keymap: dict[int, str], debounce_s: float = DEFAULT_DEBOUNCE_S):
        self.keymap = dict(keymap)
        self.debounce_s = debounce_s
        self._last_press: dict[str, float] = {}
        self.ignored = 0  # debounced presses, for tests and diagnostics

    def feed(self, event: InputEvent) -> str | None:
        if event.type != ecodes.EV_KEY or event.value != KEY_DOWN:
            return None
        action = self.keymap.get(event.code)
        if action is None:
            return None
        t = event.timestamp()
        last = self._last_press.get(action)
        self._last_press[action] = t
        if last is not None and 0 <= t - last < self.debounce_s:
            self.ignored += 1
            return None
        return action
