"""Headphone-jack switch events → one plug or unplug per real change (pure: no device, no thread).

Linux reports a jack through an input device of the sound card (e.g. "HDA Intel PCH Headphone", or
"... Front Headphone"): event type EV_SW, code SW_HEADPHONE_INSERT (2), value 1 when a plug is in, 0 when
it is out, each followed by SYN_REPORT (also SW_MICROPHONE_INSERT, SW_LINEOUT_INSERT and
SW_JACK_PHYSICAL_INSERT on some codecs; the one to follow is configurable). A plug pushed in slowly, or a
worn socket, makes the contact bounce: 1 0 1 0 1 within a few tens of milliseconds. The state that
counts is the one that has held for `settle_s` without a change: a bouncing insertion gives one event,
and a plug that never stops bouncing gives none (the backend reports the socket as degraded instead).
"""

from __future__ import annotations

from collections import deque


class JackDebouncer:
    def __init__(
        self,
        settle_s: float = 0.25,
        initial: bool | None = None,
        chatter_flips: int = 20,
        chatter_window_s: float = 5.0,
    ):
        self.settle_s = settle_s
        self.state = initial  # the settled state last reported (None: not known yet)
        self._raw: bool | None = initial
        self._changed_at: float | None = None
        self._flips: deque[float] = deque()
        self.chatter_flips = chatter_flips
        self.chatter_window_s = chatter_window_s
        self.bounces = 0  # raw changes while an earlier one had not settled yet

    def feed(self, inserted: bool, at: float) -> None:
        """A raw switch value seen at `at` (seconds, any monotonic clock)."""
        if inserted == self._raw:
            return
        if self._changed_at is not None:
            self.bounces += 1
        self._raw, self._changed_at = inserted, at
        self._flips.append(at)
        while self._flips and at - self._flips[0] > self.chatter_window_s:
            self._flips.popleft()

    def due(self) -> float | None:
        """When to call `settle` next, or None when nothing is pending."""
        return None if self._changed_at is None else self._changed_at + self.settle_s

    def settle(self, now: float) -> bool | None:
        """The new settled state once the raw one has held for `settle_s`; None when nothing changed."""
        if self._changed_at is None or now - self._changed_at < self.settle_s:
            return None
        self._changed_at = None
        if self._raw == self.state:
            return None  # in and out again (or the reverse): a bounce, no change
        self.state = self._raw
        return self.state

    def chattering(self, now: float) -> bool:
        """A socket whose contact keeps flipping (`chatter_flips` within the window): worn or dirty."""
        recent = [t for t in self._flips if now - t <= self.chatter_window_s]
        return len(recent) >= self.chatter_flips
