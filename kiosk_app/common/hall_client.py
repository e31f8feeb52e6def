"""The broker link of a hall screen (kiosk, call screen, counter terminal, supervisor tablet).

`HallLink` runs paho in its own network thread; everything it hands over (received messages,
connection changes, request replies) is moved to the UI thread here, through `ui_call` (Kivy's
`Clock.schedule_once` by default). Screen code therefore never touches a lock and never blocks:

    client = HallClient(site_config, node_id="kiosk-1", role="kiosk")
    client.watch(client.topics.state_catalog(), CatalogState, on_catalog)   # on_catalog(model) on the UI thread
    client.on_online(lambda online: ...)
    client.request(client.topics.ticket_issue(), TicketIssue(...), on_reply=..., on_error=...)
    client.start()

Requests block a worker thread, not the UI: `HallLink.request` waits for the reply, and a request in
flight when the link drops is sent again with the same request_id after the reconnect.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from queue_broker import __version__
from queue_broker.config.models import SiteConfig
from queue_broker.link import HallLink, Inbound, LinkError
from queue_broker.protocol import DeviceHealth, Message, ProtocolError, Topics, parse

log = logging.getLogger(__name__)

M = TypeVar("M", bound=Message)
UiCall = Callable[..., None]


def kivy_ui_call(fn: Callable[..., Any], *args: Any) -> None:
    """Run `fn(*args)` on Kivy's main thread at the next frame (safe from any thread)."""
    from kivy.clock import Clock

    Clock.schedule_once(lambda _dt: fn(*args), 0)


class HallClient:
    def __init__(
        self,
        config: SiteConfig,
        node_id: str,
        role: str,
        *,
        version: str = __version__,
        zone: str | None = None,
        reconnect_max_s: int = 10,
        ui_call: UiCall | None = None,
        workers: int = 3,
        url: str | None = None,
        ca_file: str | None = None,
    ):
        # `url`/`ca_file`: another broker than the hall's (the supervisor's county overview reads the county's)
        self.config = config
        self.node_id = node_id
        self.link = HallLink(
            url or config.mqtt.url,
            config.site.id,
            node_id,
            role,
            version,
            ca_file=ca_file if url else config.mqtt.ca_file,
            zone=zone,
            keepalive=config.mqtt.keepalive_s,
            reconnect_max_s=reconnect_max_s,
        )
        self.topics: Topics = self.link.topics
        self._ui = ui_call or kivy_ui_call
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"{node_id}-io")
        self.link.on_connected(lambda: self._ui(self._online_changed, True))
        self.link.on_disconnected(lambda: self._ui(self._online_changed, False))
        self._online_callbacks: list[Callable[[bool], None]] = []

    # --- life cycle ---------------------------------------------------------------------------
    def start(self) -> HallClient:
        self.link.start()
        return self

    def stop(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.link.stop()

    @property
    def online(self) -> bool:
        return self.link.connected.is_set()

    def on_online(self, callback: Callable[[bool], None]) -> None:
        """`callback(online)` on the UI thread after every connect and every drop."""
        self._online_callbacks.append(callback)

    def _online_changed(self, online: bool) -> None:
        for cb in list(self._online_callbacks):
            try:
                cb(online)
            except Exception:
                log.exception("online callback failed")

    # --- subscriptions --------------------------------------------------------------------------
    def watch(self, topic_filter: str, model: type[M] | None, callback: Callable[..., None]) -> None:
        """Subscribe; each message is parsed (on the network thread) and `callback(parsed, topic)` runs
        on the UI thread. With `model=None` the callback gets the raw bytes. Bad payloads are logged
        and dropped: nothing a peer publishes can break the screen."""

        def handler(topic: str, payload: bytes, inbound: Inbound) -> None:
            if model is None:
                self._ui(callback, payload, topic)
                return
            try:
                parsed = parse(model, payload)
            except ProtocolError as exc:
                log.warning("dropped a bad message on %s: %s", topic, exc)
                return
            self._ui(callback, parsed, topic)

        self.link.subscribe(topic_filter, handler)

    # --- publishing -----------------------------------------------------------------------------
    def set_retained(self, topic: str, data: Message | dict) -> None:
        """Retained, and published again after every reconnect (node and device health)."""
        self.link.set_retained(topic, data)

    def publish_health(self, device_id: str, health: DeviceHealth) -> None:
        """A `devices.health.HealthReporter` sink: the device's health, retained on its topic."""
        self.set_retained(self.topics.device(self.node_id, device_id), health)

    # --- requests -------------------------------------------------------------------------------
    def request(
        self,
        topic: str,
        message: Message | dict,
        *,
        timeout: float,
        on_reply: Callable[[dict], None],
        on_error: Callable[[Exception], None],
    ) -> Future:
        """Send a request from a worker thread; `on_reply(reply)` or `on_error(exc)` on the UI thread.
        `exc` is a LinkError (LinkTimeout when no reply came in time: retry with the same request_id)."""

        def work() -> None:
            try:
                reply = self.link.request(topic, message, timeout)
            except LinkError as exc:
                self._ui(on_error, exc)
                return
            except Exception as exc:  # a bug must still reach the screen, not vanish in a thread
                log.exception("request on %s failed", topic)
                self._ui(on_error, exc)
                return
            self._ui(on_reply, reply)

        return self._pool.submit(work)

    def run_in_background(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> Future:
        """Blocking device work (printing) off the UI thread, results back on it."""

        def work() -> None:
            try:
                result = fn()
            except Exception as exc:
                if on_error:
                    self._ui(on_error, exc)
                else:
                    log.exception("background task failed")
                return
            if on_done:
                self._ui(on_done, result)

        return self._pool.submit(work)
