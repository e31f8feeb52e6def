"""What the two staff faces share, the counter terminal and the supervisor tablet: the state every
staff screen shows (link, clock, message line, login error, a request in flight) and a controller
base that logs in, sends commands to the broker and handles the replies.

Requests: one topic and payload, a `request_id` of this node; the reply's refusal or the link's error
goes on the message line in words. A face that sends one request at a time (`one_at_a_time`, the
counter) ignores a second while one is in flight, and a request that timed out is sent again with the
same request_id when the operator retries (its `key`), so the broker answers it without acting twice.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, OptionProperty, StringProperty

from .hall_client import HallClient
from .hall_text import link_error_text, refusal_text


class StaffState(EventDispatcher):
    online = BooleanProperty(False)
    server_ok = BooleanProperty(True)
    now_text = StringProperty("")
    login_error = StringProperty("")
    busy = BooleanProperty(False)  # a request is in flight
    busy_action = StringProperty("")
    message = StringProperty("")
    message_kind = OptionProperty("info", options=["info", "warn", "alert"])

    def begin(self, action: str = "") -> None:
        self.busy = True
        self.busy_action = action

    def end(self) -> None:
        self.busy = False
        self.busy_action = ""

    def say(self, text: str, kind: str = "info") -> None:
        self.message = text
        self.message_kind = kind


class StaffController:
    one_at_a_time = False  # ignore a request while another is in flight (the counter: never a double call)

    def __init__(self, config, node, settings, state: StaffState, client: HallClient, clock: Callable[[], datetime]):
        self.config = config
        self.node = node
        self.settings = settings
        self.state = state
        self.client = client
        self.clock = clock
        self.topics = client.topics
        self.tz = ZoneInfo(config.site.timezone)
        self.queue_names = {q.id: q.name for q in config.queues}
        self.metrics: dict[str, Any] = {"requests": 0}
        self._retry: dict[str, str] = {}
        self._last_state_mono = time.monotonic()
        self._events: list = []

    # ================================================================== life cycle
    def stop(self) -> None:
        for e in self._events:
            e.cancel()

    def tick(self) -> None:
        self.state.now_text = self.clock().astimezone(self.tz).strftime("%H:%M:%S")
        self.state.server_ok = time.monotonic() - self._last_state_mono <= self.settings.server_silent_after_s

    def _online(self, online: bool) -> None:
        self.state.online = online

    # ================================================================== requests
    def _may_send(self, doing: str) -> bool:
        """False (after saying why) when this request must not go out now."""
        return True

    def _send(
        self,
        topic: str,
        payload: dict,
        doing: str,
        on_ok: Callable[[dict], None],
        on_refused: Callable[[dict], None] | None = None,
        *,
        action: str = "",
        key: str | None = None,
    ) -> bool:
        """Send a command; `on_ok(reply)` when committed, `on_refused(reply)` after the refusal is shown.
        False when nothing was sent."""
        s = self.state
        if self.one_at_a_time and s.busy:
            self.metrics["ignored_busy"] = self.metrics.get("ignored_busy", 0) + 1
            return False
        if not self._may_send(doing):
            return False
        rid = self._retry.pop(key, None) if key else None
        if rid is not None:
            self.metrics["retries"] = self.metrics.get("retries", 0) + 1
        rid = rid or f"{self.node.id}-{uuid.uuid4().hex[:16]}"
        s.begin(action)
        self.metrics["requests"] += 1

        def replied(reply: dict) -> None:
            s.end()
            if not reply.get("ok"):
                s.say(refusal_text(reply, doing), "alert")
                if on_refused:
                    on_refused(reply)
                return
            on_ok(reply)

        def failed(exc: Exception) -> None:
            s.end()
            if key:
                self._retry[key] = rid  # the same request again when the operator retries: never twice
            s.say(link_error_text(exc, doing), "alert")

        body = {**payload, "request_id": rid}
        self.client.request(topic, body, timeout=self.settings.request_timeout_s, on_reply=replied, on_error=failed)
        return True

    # ================================================================== login
    def clear_login_error(self) -> None:
        """The operator is typing again: the last refusal goes away."""
        s = self.state
        s.login_error = ""
        if s.message_kind == "alert":
            s.say("", "info")

    def login(self, user_id: str, pin: str) -> None:
        s = self.state
        if not user_id or not pin:
            s.login_error = "请输入工号和密码"
            return
        s.login_error = ""

        def refused(reply: dict) -> None:
            s.login_error = refusal_text(reply, "登录")

        self._log_in(user_id, pin, refused)

    def _log_in(self, user_id: str, pin: str, refused: Callable[[dict], None]) -> None:
        """Send the face's login command (the counter's open, the supervisor's login)."""
        raise NotImplementedError


# The base of a part of a StaffController kept in its own module (the desk, priority form, hold ... controls,
# mixed into the face's controller): a StaffController to the type checker, so its uses of `self.state`,
# `self._send` are checked; `object` at run time, so the controller's class hierarchy stays as it is.
if TYPE_CHECKING:
    StaffMixin = StaffController
else:
    StaffMixin = object
