"""The counter's LED strip follows the hall (issue 23 item 2): a deaf citizen sees the number called at
this counter without hearing the voice.

`LedFollower` decides what the strip says from the broker's `event/called` and `state/counters` (pure:
`text_for`), and writes it on its own thread, newest content only, so a slow or silent screen (a
`show` may wait `timeout_s × (retries + 1)`) never holds up the MQTT thread that delivers the events.
`attach(link)` subscribes the two topics on a node's existing `HallLink` (the counter terminal's: a
second link with the same node id would push the first off the broker).

| situation | the strip shows |
|---|---|
| a ticket called here | `请A001号` |
| the same number called again (`recall` > 0) | `请A001号 再次呼叫` (`最后呼叫` on the last call before a no-show) |
| a citizen called back after a hold (挂起) | `请A001号 续办` |
| being served | the number stays |
| open, nobody at the counter | `idle_text` (default: cleared) |
| paused | `暂停服务` |
| closed | cleared |
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from ..latest_only import LatestOnlyWorker

log = logging.getLogger(__name__)

PAUSED_TEXT = "暂停服务"


class Screen(Protocol):
    def show(self, counter_number: int, text: str) -> bool: ...
    def clear(self) -> bool: ...


def called_text(number: str, recall: int = 0, last_call: bool = False, resumed: bool = False) -> str:
    if resumed:
        return f"请{number}号 续办"
    if recall > 0:
        return f"请{number}号 {'最后呼叫' if last_call else '再次呼叫'}"
    return f"请{number}号"


def text_for(counter: dict[str, Any], idle_text: str = "") -> str | None:
    """What the strip shows for a counter of `state/counters` (None: cleared). The number at the counter
    comes from `serving`, with its `recalls`, so a strip (re)started mid-call shows it too."""
    if counter.get("status") == "closed":
        return None
    if counter.get("status") == "paused" and not counter.get("serving"):
        return PAUSED_TEXT
    serving = counter.get("serving")
    if serving and serving.get("state") in ("called", "serving"):
        return called_text(serving["number"], serving.get("recalls") or 0)
    return idle_text or None


class LedFollower(LatestOnlyWorker[str | None]):
    """Writes to the strip, on its own thread, the latest of what the calls and the counters' state ask for
    (None: cleared); a text already shown is not written again."""

    def __init__(self, screen: Screen, counter_id: str, counter_number: int, idle_text: str = ""):
        super().__init__()
        self.screen = screen
        self.counter_id = counter_id
        self.counter_number = counter_number
        self.idle_text = idle_text
        self.shown: str | None = None  # the last text written (None: cleared)
        self.latest: str | None = None  # the last text asked for (written, or about to be)
        self.thread_name = f"led-follow-{counter_id}"
        self._start_thread()

    # --- what arrives -------------------------------------------------------------------------
    def on_called(self, event: dict[str, Any]) -> None:
        if event.get("counter_id") != self.counter_id:
            return
        self._want(
            called_text(
                event["number"], event.get("recall") or 0, bool(event.get("last_call")), bool(event.get("resumed"))
            )
        )

    def on_counters(self, state: dict[str, Any]) -> None:
        mine = next((c for c in state.get("counters", []) if c.get("id") == self.counter_id), None)
        if mine is None:
            return
        text = text_for(mine, self.idle_text)
        serving = mine.get("serving")
        # a call's own event says more (再次呼叫, 续办): state only corrects the number, never the words
        if text is not None and serving and self.latest and self.latest.startswith(f"请{serving['number']}号"):
            return
        self._want(text)

    def attach(self, link: Any) -> LedFollower:
        """Follow `event/called` and `state/counters` on a started-or-not HallLink of this node."""
        import json

        def handler(fn: Callable[[dict[str, Any]], None]) -> Callable[[str, bytes, Any], None]:
            def on_message(_topic: str, payload: bytes, _inbound: Any) -> None:
                try:
                    fn(json.loads(payload))
                except (ValueError, KeyError, TypeError, AttributeError) as exc:
                    log.warning("led follower: dropped a malformed message on %s: %s", _topic, exc)

            return on_message

        link.subscribe(link.topics.event("called"), handler(self.on_called))
        link.subscribe(link.topics.state_counters(), handler(self.on_counters))
        return self

    def close(self) -> None:
        self.stop(join_s=5)

    # --- the writer thread --------------------------------------------------------------------
    def _want(self, item: str | None) -> None:
        with self._cv:
            self.latest = item
            super()._want(item)

    def _handle(self, text: str | None) -> bool:
        if text == self.shown:
            return True
        try:
            ok = self.screen.clear() if text is None else self.screen.show(self.counter_number, text)
        except Exception:  # the display reports its own health; the follower must live on
            log.exception("led follower: the display failed")
            ok = False
        if ok:
            self.shown = text
        return True
