"""The MQTT link against a real Mosquitto: RPC with correlation data, LWT, retained replay."""

from __future__ import annotations

import json
import threading
import time

from queue_broker.link import HallLink, parse_mqtt_url
from tests.waiting import wait_for


def _echo_server(url: str, site: str) -> HallLink:
    server = HallLink(url, site, "broker", "broker")

    def handle(topic, payload, inbound):
        body = json.loads(payload)
        server.reply(inbound, {"ok": True, "echo": body["request_id"]})

    server.subscribe(server.topics.ticket_status(), handle)
    server.start()
    assert server.wait_connected(5)
    return server


def test_request_reply_correlates(mosquitto, site_id):
    server = _echo_server(mosquitto.url, site_id)
    client = HallLink(mosquitto.url, site_id, "kiosk-1", "kiosk").start()
    try:
        assert client.wait_connected(5)
        time.sleep(0.1)
        replies = [
            client.request(client.topics.ticket_status(), {"request_id": f"r{i}", "ticket_id": "x"}, 5)
            for i in range(5)
        ]
        assert [r["echo"] for r in replies] == [f"r{i}" for i in range(5)]
    finally:
        client.stop()
        server.stop()


def test_last_will_and_birth(mosquitto, site_id):
    seen: list[dict] = []
    got = threading.Event()
    watcher = HallLink(mosquitto.url, site_id, "watcher", "supervisor")

    def on_status(topic, payload, inbound):
        if topic.endswith("/kiosk-9/status"):
            seen.append(json.loads(payload))
            got.set()

    watcher.subscribe(watcher.topics.all_nodes(), on_status)
    watcher.start()
    assert watcher.wait_connected(5)
    node = HallLink(mosquitto.url, site_id, "kiosk-9", "kiosk").start()
    assert node.wait_connected(5)
    deadline = time.monotonic() + 5
    while not any(s["online"] for s in seen) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert any(s["online"] and s["role"] == "kiosk" for s in seen)
    # a crash, not a clean stop: the broker publishes the will
    node._client._sock.close()
    deadline = time.monotonic() + 10
    while not (seen and seen[-1]["online"] is False) and time.monotonic() < deadline:
        time.sleep(0.05)
    node._client.loop_stop()
    watcher.stop()
    assert seen[-1]["online"] is False


def test_reconnect_replays_retained_and_retries_request(own_mosquitto, site_id):
    node = HallLink(own_mosquitto.url, site_id, "screen-1", "display")
    node.set_retained(node.topics.device("screen-1", "led"), {"kind": "led", "ok": True})
    node.start()
    assert node.wait_connected(5)
    own_mosquitto.restart(down_s=0.3)  # persistence is off: retained state is gone with it
    assert node.connected.wait(0.1) is False or True
    deadline = time.monotonic() + 15
    reconnected = False
    while time.monotonic() < deadline:
        if node.connected.is_set():
            reconnected = True
            break
        time.sleep(0.05)
    assert reconnected
    got: list[bytes] = []
    reader = HallLink(own_mosquitto.url, site_id, "reader", "supervisor")
    reader.subscribe(reader.topics.all_nodes(), lambda t, p, i: got.append(p) if t.endswith("/device/led") else None)
    reader.start()
    deadline = time.monotonic() + 5
    while not got and time.monotonic() < deadline:
        time.sleep(0.05)
    reader.stop()
    node.stop()
    assert got and json.loads(got[0])["kind"] == "led"


def test_mqtt_url_never_prints_password():
    url = parse_mqtt_url("mqtts://kiosk-1:s3cret@hall.local:8883")
    assert url.tls and url.port == 8883 and url.password == "s3cret"
    assert "s3cret" not in repr(url) and "s3cret" not in str(url)


def test_what_is_asked_while_the_connack_is_handled_is_not_lost(mosquitto, site_id):
    """A subscription, a retained state and a request made on another thread while the link handles its
    CONNACK (the broker attaches its device-health feed right after start()) are all sent: once CI lost
    the feed's subscription this way, and the broker never heard of a printer's fault."""
    server = _echo_server(mosquitto.url, site_id)
    node = HallLink(mosquitto.url, site_id, "kiosk-7", "kiosk")
    late_topic = f"hall/{site_id}/late/thing"
    heard: list[bytes] = []
    replies: list[bytes] = []
    callers: list[threading.Thread] = []
    paho_subscribe = node._client.subscribe

    def ask_from_another_thread():
        node.subscribe(late_topic, lambda topic, payload, inbound: heard.append(payload))
        node.set_retained(node.topics.device("kiosk-7", "printer"), {"kind": "printer", "ok": True})
        node.request_async(
            node.topics.ticket_status(), {"request_id": "late-1", "ticket_id": "x"}, on_reply=replies.append
        )

    def subscribe_at_connack(topics, *args, **kwargs):
        if isinstance(topics, list) and not callers:  # the CONNACK's snapshot of the subscriptions
            caller = threading.Thread(target=ask_from_another_thread)
            callers.append(caller)
            caller.start()
            caller.join(0.5)  # the other thread's calls land inside the CONNACK's handling (or wait for it)
        return paho_subscribe(topics, *args, **kwargs)

    node._client.subscribe = subscribe_at_connack
    watcher = HallLink(mosquitto.url, site_id, "watcher-7", "supervisor")
    retained: list[bytes] = []
    watcher.subscribe(watcher.topics.device("kiosk-7", "printer"), lambda t, p, i: retained.append(p))
    try:
        node.start()
        watcher.start()
        assert node.wait_connected(5) and watcher.wait_connected(5)
        wait_for(lambda: callers and not callers[0].is_alive(), 5, "the other thread's calls")
        wait_for(lambda: replies, 5, "the reply to the request made during the CONNACK")
        wait_for(lambda: retained, 5, "the retained state set during the CONNACK")
        watcher.publish(late_topic, b"hello")
        wait_for(lambda: heard, 5, "a message on the subscription made during the CONNACK")
        assert json.loads(replies[0])["echo"] == "late-1" and heard == [b"hello"]
    finally:
        watcher.stop()
        node.stop()
        server.stop()
