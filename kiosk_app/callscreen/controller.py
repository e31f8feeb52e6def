"""The call screen's I/O: MQTT subscriptions in, state changes out, and the timing of every call.

Subscribes (display role, protocol v1): `state/queues`, `state/counters` (retained: the full picture
comes back by itself after a reconnect), `event/called`, `event/rebalanced`, `event/notice`.

Each call is timed: `rx` when paho's thread received it, `applied` when the UI thread put it into
the state, `shown` at the first frame flipped after the big number's texture was redrawn with it
(wall-clock seconds, `time.time()`, so a test on the same machine can compare them with the moment
the broker published the event). The last 200 are in `metrics["calls"]`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics.opengl import glFinish

from queue_broker.protocol import (
    CalledEvent,
    CountersState,
    NoticeEvent,
    ProtocolError,
    QueuesState,
    RebalancedEvent,
)
from queue_broker.protocol import parse as parse_message

from ..common.hall_client import HallClient, kivy_ui_call
from .state import CallScreenState

log = logging.getLogger(__name__)
STATE_DELAY_S = 0.15


class CallScreenController:
    def __init__(self, state: CallScreenState, client: HallClient, settings, clock: Callable[[], datetime]):
        self.state = state
        self.client = client
        self.settings = settings
        self.clock = clock
        self.started_mono = time.monotonic()
        self.metrics: dict = {"calls": [], "reconnects": 0, "drops": 0, "states": 0}
        self._pending_shown: dict | None = None
        self._drawn = False
        self._events: list = []
        self._later: dict = {}
        self._later_scheduled = False

    def start(self) -> None:
        t = self.client.topics
        self.client.on_online(self._online)
        self.client.watch(t.state_queues(), QueuesState, self._queues)
        self.client.watch(t.state_counters(), CountersState, self._counters)
        self.client.link.subscribe(t.event("called"), self._called_rx)  # timed on paho's thread
        self.client.watch(t.event("rebalanced"), RebalancedEvent, self._rebalanced)
        self.client.watch(t.event("notice"), NoticeEvent, self._notice)
        Window.bind(on_flip=self._flipped)
        self.tick()
        self._events = [
            Clock.schedule_interval(lambda _dt: self.tick(), 1.0),
            Clock.schedule_interval(lambda _dt: self.state.toggle_blink(time.monotonic()), 0.45),
            Clock.schedule_interval(lambda _dt: self.state.next_queue_page(), self.settings.queue_page_s),
        ]

    def stop(self) -> None:
        for e in self._events:
            e.cancel()

    # ------------------------------------------------------------------ connection
    def _online(self, online: bool) -> None:
        self.metrics["reconnects" if online else "drops"] += 1
        self.state.set_online(online)

    def tick(self) -> None:
        mono = time.monotonic()
        self.state.tick(self.clock(), mono)
        self.state.set_online(self.client.online)
        self.state.check_server(mono, self.settings.server_silent_after_s, self.started_mono)

    # ------------------------------------------------------------------ messages
    # State comes right after each call (same broker batch). It is applied a moment later and
    # coalesced, so the frame that shows a call is never held up by redrawing the queue table.
    def _queues(self, msg: QueuesState, _topic: str) -> None:
        self.metrics["states"] += 1
        self._later["queues"] = msg
        self._apply_later()

    def _counters(self, msg: CountersState, _topic: str) -> None:
        self._later["counters"] = msg
        self._apply_later()

    def _apply_later(self) -> None:
        if not self._later_scheduled:
            self._later_scheduled = True
            Clock.schedule_once(self._apply_state, STATE_DELAY_S)

    def _apply_state(self, _dt=None) -> None:
        self._later_scheduled = False
        later, self._later = self._later, {}
        mono = time.monotonic()
        if "queues" in later:
            msg = later["queues"]
            hall = msg.hall.model_dump() if msg.hall else None
            self.state.apply_queues([q.model_dump() for q in msg.queues], mono, hall, self.clock())
        if "counters" in later:
            self.state.apply_counters([c.model_dump() for c in later["counters"].counters], mono)

    def _rebalanced(self, msg: RebalancedEvent, _topic: str) -> None:
        self.state.apply_rebalanced(msg.counter_id, time.monotonic())

    def _notice(self, msg: NoticeEvent, _topic: str) -> None:
        if msg.zone and msg.zone != self.client.link.zone and msg.zone != "all":
            return
        self.state.apply_notice(msg.text, msg.until, self.clock())

    def _called_rx(self, topic: str, payload: bytes, _inbound) -> None:
        rx = time.time()
        try:
            msg = parse_message(CalledEvent, payload)
        except ProtocolError as exc:
            log.warning("dropped a bad call on %s: %s", topic, exc)
            return
        kivy_ui_call(self._called, msg, rx)

    def _called(self, msg: CalledEvent, rx: float) -> None:
        same_number = msg.number == self.state.hero_number
        mono = time.monotonic()
        called = self.state.apply_called(
            msg.number,
            msg.counter_number,
            msg.recall,
            msg.zone,
            mono,
            last_call=bool(msg.last_call),
            resumed=bool(msg.resumed),
        )
        if not called:
            return
        entry = {
            "number": msg.number,
            "counter": msg.counter_number,
            "recall": msg.recall,
            "again": self.state.hero_again,
            "at": msg.at.isoformat(),
            "rx": rx,
            "applied": time.time(),
            "shown": None,
        }
        calls = self.metrics["calls"]
        calls.append(entry)
        del calls[:-200]
        self._pending_shown = entry
        self._drawn = same_number  # a recall: the big number's texture stays; the next frame shows it

    # ------------------------------------------------------------------ frames
    def hero_drawn(self, text: str) -> None:
        """The big number's texture was redrawn (from the screen's kv rule)."""
        if self._pending_shown is not None and text == self._pending_shown["number"]:
            self._drawn = True

    def _flipped(self, *_args) -> None:
        # Finish every frame before idling: a software GL (Mesa llvmpipe, as on boards without a
        # GPU driver) rasterises lazily, and the frame of the next call would otherwise wait
        # behind this one. On a GPU the swap has already waited for it: this costs nothing.
        glFinish()
        if self._pending_shown is not None and self._drawn:
            self._pending_shown["shown"] = time.time()
            self._pending_shown = None
            self._drawn = False
