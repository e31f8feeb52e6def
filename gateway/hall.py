"""The gateway's only way to the hall: the MQTT v1 link every node uses (queue_broker/link.py), made
awaitable. Nothing here is a source of truth: a request goes to the broker and its reply is the answer;
the retained state the broker publishes (queues, catalog) is kept only as the latest copy, exactly as a
call screen keeps it, and only while the broker is online.

`BrokerDown` is raised when the hall's MQTT broker is not connected, the queue broker is offline (its
Last Will), or no reply came within the timeout: the HTTP layer answers 503.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from queue_broker import __version__
from queue_broker.link import HallLink, Inbound
from queue_broker.protocol import Topics

log = logging.getLogger("gateway.hall")

# what the gateway reads (its ACL rights: provisioning/roles.py)
READ_STATE = ("queues", "catalog")
READ_EVENTS = ("called", "finished", "no-show", "transferred", "come-now")


class BrokerDown(Exception):
    """The hall server could not be asked, or did not answer in time."""


class Refused(Exception):
    """The broker answered `ok: false`: `code` is the protocol's error code, `message` its sentence."""

    def __init__(self, code: str, message: str, reply: dict[str, Any]):
        super().__init__(message)
        self.code, self.message, self.reply = code, message, reply


EventHandler = Callable[[str, dict[str, Any]], None]


class HallDoor:
    def __init__(self, url: str, site: str, node_id: str, *, ca_file: str | None = None, timeout_s: float = 5.0):
        self.topics = Topics(site)
        self.timeout_s = timeout_s
        self.link = HallLink(url, site, node_id, "gateway", __version__, ca_file=ca_file)
        self._lock = threading.Lock()
        self._state: dict[str, dict[str, Any]] = {}  # the latest retained state/queues, state/catalog
        self.broker_online: bool | None = None  # from node/broker/status (None: not heard yet)
        self.broker_seen_at = 0.0  # monotonic time of the last message from the broker
        self._listeners: list[EventHandler] = []
        self.loop: asyncio.AbstractEventLoop | None = None

    # ------------------------------------------------------------ life cycle
    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        t = self.topics
        for kind in READ_STATE:
            self.link.subscribe(t.state(kind), self._on_message)
        for kind in READ_EVENTS:
            self.link.subscribe(t.event(kind), self._on_message)
        self.link.subscribe(t.node_status("broker"), self._on_message)
        self.link.on_disconnected(lambda: self._tell("link", {"connected": False}))
        self.link.on_connected(lambda: self._tell("link", {"connected": True}))
        self.link.start()

    def stop(self) -> None:
        self.link.stop()

    def listen(self, handler: EventHandler) -> None:
        """`handler(kind, payload)` on the event loop for state, events, broker status and link changes."""
        self._listeners.append(handler)

    @property
    def up(self) -> bool:
        return self.link.connected.is_set() and self.broker_online is not False

    def state(self, kind: str) -> dict[str, Any]:
        if not self.up:
            raise BrokerDown("the hall server is not reachable")
        with self._lock:
            got = self._state.get(kind)
        if got is None:
            raise BrokerDown(f"the hall server has not published {kind} yet")
        return got

    def _on_message(self, topic: str, payload: bytes, inbound: Inbound) -> None:
        match = self.topics.parse(topic)
        if match is None:
            return
        try:
            body = json.loads(payload)
        except ValueError:
            log.warning("not JSON on %s", topic)
            return
        if not isinstance(body, dict):
            return
        if match.family == "node":
            self.broker_online = bool(body.get("online"))
            kind = "broker"
        elif match.family == "state":
            with self._lock:
                self._state[match.kind] = body
            kind = f"state/{match.kind}"
        else:
            kind = f"event/{match.kind}"
        if match.family != "node" or self.broker_online:
            self.broker_seen_at = time.monotonic()
        self._tell(kind, body)

    def _tell(self, kind: str, body: dict[str, Any]) -> None:
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        for handler in self._listeners:
            loop.call_soon_threadsafe(handler, kind, body)

    # ------------------------------------------------------------ requests
    async def ask(self, topic: str, payload: dict[str, Any], timeout_s: float | None = None) -> dict[str, Any]:
        """The broker's `ok: true` reply, or Refused (its `ok: false`), or BrokerDown."""
        if not self.link.connected.is_set():
            raise BrokerDown("the hall's message broker is not reachable")
        if self.broker_online is False:
            raise BrokerDown("the hall server is offline")
        payload.setdefault("request_id", f"gw-{uuid.uuid4().hex}")
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[bytes] = loop.create_future()

        def done(raw: bytes) -> None:
            loop.call_soon_threadsafe(_settle, fut, raw)

        pending = self.link.request_async(topic, payload, on_reply=done)
        try:
            raw = await asyncio.wait_for(fut, timeout_s or self.timeout_s)
        except TimeoutError:
            raise BrokerDown("the hall server did not answer in time") from None
        finally:
            self.link.forget(pending)  # never sent again by a reconnect after the caller has given up
        try:
            reply = json.loads(raw)
        except ValueError:
            raise BrokerDown("the hall server sent a reply that is not JSON") from None
        if not isinstance(reply, dict):
            raise BrokerDown("the hall server sent a reply that is not a JSON object")
        self.broker_seen_at = time.monotonic()
        if not reply.get("ok"):
            err = reply.get("error") or {}
            raise Refused(str(err.get("code", "internal")), str(err.get("message", "")), reply)
        return reply


async def cancel_task(task: asyncio.Task[Any] | None) -> None:
    """Cancel a background task of the gateway and wait until it has stopped."""
    if task is None:
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


def _settle(fut: asyncio.Future[bytes], raw: bytes) -> None:
    if not fut.done():
        fut.set_result(raw)
