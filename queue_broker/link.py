"""One MQTT 5 client for every node of the hall (broker, kiosk, counter, screen, voice, devices).

What every node needs and none should write again:
- a Last Will on `node/{node}/status` set before connecting, and a retained birth message after
  each CONNACK that succeeded (the reason code is checked: a refused login is logged, not ignored);
- automatic reconnect with back-off; subscriptions and retained state re-sent on every reconnect;
- request/response with Response Topic and Correlation Data, where a request in flight during a
  drop is sent again with the same `request_id` (the broker answers a retry without acting twice).

This module is the only place besides tests that imports paho.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from . import __version__
from .protocol import Message, NodeStatus, Topics

log = logging.getLogger(__name__)

Handler = Callable[[str, bytes, "Inbound"], None]


class LinkError(RuntimeError):
    """The hall's MQTT broker could not be reached or did not answer in time."""


class LinkTimeout(LinkError):
    pass


@dataclass(frozen=True)
class MqttUrl:
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None

    def __repr__(self) -> str:  # never print a password
        return f"MqttUrl({'mqtts' if self.tls else 'mqtt'}://{self.username + '@' if self.username else ''}{self.host}:{self.port})"

    __str__ = __repr__


def parse_mqtt_url(url: str) -> MqttUrl:
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ValueError("an MQTT URL looks like mqtt://host:port or mqtts://user:password@host:port")
    tls = parts.scheme == "mqtts"
    return MqttUrl(
        host=parts.hostname,
        port=parts.port or (8883 if tls else 1883),
        tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


@dataclass(frozen=True)
class Inbound:
    """What a handler learns about a received message besides topic and payload."""

    response_topic: str | None
    correlation_data: bytes | None
    retain: bool


def _payload(data: Message | dict[str, Any] | bytes | str) -> bytes:
    if isinstance(data, Message):
        return data.to_json()
    if isinstance(data, dict):
        return json.dumps(data, ensure_ascii=False, default=str).encode()
    if isinstance(data, str):
        return data.encode()
    return data


class HallLink:
    def __init__(
        self,
        url: str,
        site: str,
        node_id: str,
        role: str,
        version: str = __version__,
        *,
        ca_file: str | None = None,
        zone: str | None = None,
        keepalive: int = 30,
        persistent_session: bool = False,
        reconnect_max_s: int = 30,
    ):
        self.topics = Topics(site)
        self.node_id = node_id
        self.role = role
        self.version = version
        self.zone = zone
        self._url = parse_mqtt_url(url)
        self._handlers: list[tuple[str, int, Handler]] = []
        self._retained: dict[str, bytes] = {}
        self._pending: dict[bytes, _Pending] = {}
        self._lock = threading.RLock()
        self._on_connected: list[Callable[[], None]] = []
        self._on_disconnected: list[Callable[[], None]] = []
        self.connected = threading.Event()
        self._stopping = False
        self.last_connack_failure: str | None = None
        self._keepalive = keepalive
        self._persistent = persistent_session
        self._reply_topic = self.topics.reply(node_id)

        client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=node_id,
            protocol=mqtt.MQTTv5,
        )
        if self._url.username:
            client.username_pw_set(self._url.username, self._url.password)
        if self._url.tls:
            client.tls_set(ca_certs=ca_file, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        client.will_set(self.topics.node_status(node_id), self._status(False), qos=1, retain=True)
        client.reconnect_delay_set(min_delay=1, max_delay=reconnect_max_s)
        client.on_connect = self._handle_connect
        client.on_disconnect = self._handle_disconnect
        client.on_message = self._handle_message
        client.on_socket_open = _no_delay
        self._client = client

    # --- life cycle ----------------------------------------------------------------------------
    def _status(self, online: bool) -> bytes:
        return NodeStatus(
            online=online, role=self.role, version=self.version, at=datetime.now(UTC), zone=self.zone
        ).to_json()

    def start(self) -> HallLink:
        props = None
        if self._persistent:
            # the broker keeps our subscriptions and queues QoS 1 commands while we restart
            props = _properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = 3600
        self._client.connect_async(
            self._url.host, self._url.port, self._keepalive, clean_start=not self._persistent, properties=props
        )
        self._client.loop_start()
        return self

    def wait_connected(self, timeout: float = 10.0) -> bool:
        return self.connected.wait(timeout)

    def stop(self) -> None:
        self._stopping = True
        if self.connected.is_set():
            info = self._client.publish(self.topics.node_status(self.node_id), self._status(False), 1, True)
            try:
                info.wait_for_publish(timeout=2)
            except (RuntimeError, ValueError):
                pass
        self._client.disconnect()
        self._client.loop_stop()
        self.connected.clear()

    def on_connected(self, callback: Callable[[], None]) -> None:
        self._on_connected.append(callback)

    def on_disconnected(self, callback: Callable[[], None]) -> None:
        self._on_disconnected.append(callback)

    def _handle_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason_code.is_failure:
            self.last_connack_failure = str(reason_code)
            log.error("MQTT broker %s refused node %s: %s", self._url, self.node_id, reason_code)
            return
        self.last_connack_failure = None
        log.info("connected to %s as %s", self._url, self.node_id)
        # Under the lock, so a subscribe(), set_retained() or request from another thread either made
        # it into this snapshot or sees `connected` and sends its own: without it, a subscription made
        # while the CONNACK was being handled was never sent (the broker lost the device-health feed that
        # way). Only the network thread calls paho while holding the lock: it cannot deadlock on paho's.
        with self._lock:
            filters = {(f, q) for f, q, _ in self._handlers}
            filters.add((self._reply_topic, 1))
            client.subscribe([(f, q) for f, q in sorted(filters)])
            client.publish(self.topics.node_status(self.node_id), self._status(True), qos=1, retain=True)
            for topic, payload in self._retained.items():
                client.publish(topic, payload, qos=1, retain=True)
            for p in self._pending.values():  # requests in flight when the link dropped: same request_id, sent again
                self._send_request(p)
            self.connected.set()
        for cb in list(self._on_connected):
            _safely(cb)

    def _handle_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        with self._lock:
            was = self.connected.is_set()
            self.connected.clear()
        if was and not self._stopping:
            log.warning("lost the MQTT broker %s (%s); reconnecting", self._url, reason_code)
            for cb in list(self._on_disconnected):
                _safely(cb)

    # --- publish / subscribe -------------------------------------------------------------------
    def subscribe(self, topic_filter: str, handler: Handler, qos: int = 1) -> None:
        with self._lock:
            self._handlers.append((topic_filter, qos, handler))
            live = self.connected.is_set()
        if live:
            self._client.subscribe(topic_filter, qos)

    def publish(
        self,
        topic: str,
        data: Message | dict[str, Any] | bytes | str,
        qos: int = 1,
        retain: bool = False,
        properties: Properties | None = None,
    ) -> mqtt.MQTTMessageInfo:
        return self._client.publish(topic, _payload(data), qos=qos, retain=retain, properties=properties)

    def set_retained(self, topic: str, data: Message | dict[str, Any] | bytes | str) -> None:
        """Publish retained now and again after every reconnect."""
        payload = _payload(data)
        with self._lock:
            self._retained[topic] = payload
            live = self.connected.is_set()
        if live:
            self._client.publish(topic, payload, qos=1, retain=True)

    def publish_device_health(self, device_id: str, health: Message) -> None:
        """A `devices.health.HealthReporter` sink: the device's health, retained on its topic and
        sent again after every reconnect."""
        self.set_retained(self.topics.device(self.node_id, device_id), health)

    def reply(self, inbound: Inbound, data: dict[str, Any] | Message) -> None:
        if not inbound.response_topic:
            return
        props = _properties(PacketTypes.PUBLISH)
        if inbound.correlation_data is not None:
            props.CorrelationData = inbound.correlation_data
        self._client.publish(inbound.response_topic, _payload(data), qos=1, properties=props)

    def _handle_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        props = getattr(msg, "properties", None)
        corr = getattr(props, "CorrelationData", None) if props else None
        # paho types the payload bytes | bytearray; the handlers read it as bytes (decode, json.loads take both)
        payload = cast(bytes, msg.payload)
        if msg.topic == self._reply_topic and corr is not None:
            with self._lock:
                pending = self._pending.get(bytes(corr))
            if pending is not None:
                pending.complete(payload)
            return
        inbound = Inbound(
            response_topic=getattr(props, "ResponseTopic", None) if props else None,
            correlation_data=bytes(corr) if corr is not None else None,
            retain=bool(msg.retain),
        )
        with self._lock:
            handlers = [h for f, _, h in self._handlers if mqtt.topic_matches_sub(f, msg.topic)]
        for handler in handlers:
            try:
                handler(msg.topic, payload, inbound)
            except Exception:  # a handler's bug must not kill the network thread
                log.exception("handler for %s failed", msg.topic)

    # --- request / response --------------------------------------------------------------------
    def request(self, topic: str, data: Message | dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
        """Send a request and wait for its reply; resent with the same request_id after a reconnect.

        Raises LinkTimeout when no reply came within `timeout` (the caller may retry with the same
        request_id; the broker answers without acting twice).
        """
        pending = self.request_async(topic, data)
        try:
            payload = pending.wait(timeout)
        finally:
            with self._lock:
                self._pending.pop(pending.correlation, None)
        if payload is None:
            state = "offline" if not self.connected.is_set() else "no reply"
            raise LinkTimeout(
                f"{state}: the hall server did not answer {topic.rsplit('/', 2)[-2:]} within {timeout:g} s"
            )
        try:
            reply = json.loads(payload)
        except json.JSONDecodeError:
            raise LinkError("the hall server sent a reply that is not JSON") from None
        if not isinstance(reply, dict):
            raise LinkError("the hall server sent a reply that is not a JSON object")
        return reply

    def request_async(
        self, topic: str, data: Message | dict[str, Any] | bytes, on_reply: Callable[[bytes], None] | None = None
    ) -> _Pending:
        """Send a request without waiting. `on_reply(payload)` runs on the network thread when the reply
        comes (an asyncio caller hands it to its loop); call `forget` when the caller stops waiting."""
        pending = _Pending(topic=topic, payload=_payload(data), correlation=uuid.uuid4().bytes, on_reply=on_reply)
        with self._lock:
            self._pending[pending.correlation] = pending
            live = self.connected.is_set()
        if live:
            self._send_request(pending)
        return pending

    def forget(self, pending: _Pending) -> None:
        """Stop waiting for `pending`: it is not sent again after a reconnect, a late reply is dropped."""
        with self._lock:
            self._pending.pop(pending.correlation, None)

    def _send_request(self, pending: _Pending) -> None:
        props = _properties(PacketTypes.PUBLISH)
        props.ResponseTopic = self._reply_topic
        props.CorrelationData = pending.correlation
        self._client.publish(pending.topic, pending.payload, qos=1, properties=props)


class _Pending:
    def __init__(self, topic: str, payload: bytes, correlation: bytes, on_reply: Callable[[bytes], None] | None = None):
        self.topic = topic
        self.payload = payload
        self.correlation = correlation
        self.sent_at = time.monotonic()
        self._done = threading.Event()
        self._reply: bytes | None = None
        self._on_reply = on_reply

    def complete(self, payload: bytes) -> None:
        self._reply = payload
        self._done.set()
        if self._on_reply is not None:
            _safely(lambda: self._on_reply(payload))  # type: ignore[misc]

    def wait(self, timeout: float) -> bytes | None:
        self._done.wait(timeout)
        return self._reply


def _no_delay(client: mqtt.Client, userdata: Any, sock: Any) -> None:
    # `sock`: a socket, or paho's websocket wrapper, which has no setsockopt (AttributeError below)
    # paho leaves Nagle on: each small request then waits ~40 ms for the peer's delayed ACK
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):
        pass


def _properties(packet_type: int) -> Properties:
    return Properties(packet_type)  # type: ignore[no-untyped-call]  # paho does not annotate Properties()


def _safely(cb: Callable[[], None]) -> None:
    try:
        cb()
    except Exception:
        log.exception("callback failed")
