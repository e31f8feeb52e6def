"""One queue broker per hall: before `python -m queue_broker run` connects as the hall's broker, it looks
whether another one already answers on that MQTT broker, and refuses to start if so.

Two brokers of one site on one MQTT broker would take each other's MQTT session in turn (same client
id), answer the same commands twice from two event logs, and overwrite each other's retained state. The
look uses a client id of its own, so it takes nobody's place:

1. read the retained `node/+/status` of the site: a node of role `broker` that says `online`;
2. if there is one, ask it something harmless (`cmd/ticket/status` of no ticket) and wait for the answer:
   an answer means a live broker (refuse); no answer within `answer_s` means the retained status is stale
   (a broker whose Last Will was lost, say on an MQTT broker that persists retained messages): said in
   the log, and the start goes on.

`run` looks only when it connects without a user name (the README's sample, a development Mosquitto).
With one, as in a provisioned hall, the generated Mosquitto configuration forces the client id to the
user name: any second connection with the broker's credentials, a look included, would take the running
broker's session and drop the commands queued in it. There Mosquitto's one connection per user, the
systemd unit and the data folder's lock keep one broker.

Also, `lock_data_dir` takes an exclusive lock on the data folder, so two brokers never write one SQLite
event log, whichever MQTT broker they use.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from ..link import parse_mqtt_url
from ..protocol.topics import Topics

SESSION_TAKEN_OVER = 142  # MQTT 5 reason code


@dataclass
class OtherBroker:
    node: str
    version: str | None
    since: str | None
    answered: bool


class CheckFailed(RuntimeError):
    """The MQTT broker could not be reached or refused the check's connection."""


def other_live_broker(
    url: str,
    site: str,
    *,
    ca_file: str | None = None,
    connect_s: float = 10.0,
    settle_s: float = 0.5,
    answer_s: float = 3.0,
) -> OtherBroker | None:
    """The other queue broker of `site` that answers on the MQTT broker at `url`, or None.

    A broker whose retained status says online but that does not answer is returned with
    `answered=False` (stale status); the caller decides what to say."""
    topics = Topics(site)
    me = f"broker-check-{secrets.token_hex(4)}"
    parsed = parse_mqtt_url(url)
    statuses: dict[str, dict[str, Any]] = {}
    answered = threading.Event()
    connected = threading.Event()
    subscribed = threading.Event()
    taken_over = threading.Event()
    refused: list[str] = []
    request_id = f"is-anyone-there-{secrets.token_hex(4)}"
    reply_topic = topics.reply(me)

    client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id=me, protocol=mqtt.MQTTv5)
    if parsed.username:
        client.username_pw_set(parsed.username, parsed.password)
    if parsed.tls:
        import ssl

        client.tls_set(ca_certs=ca_file, tls_version=ssl.PROTOCOL_TLS_CLIENT)

    def on_connect(c, _u, _f, reason, _p) -> None:
        if reason.is_failure:
            refused.append(str(reason))
            connected.set()
            return
        c.subscribe([(topics.all_node_status(), 1), (reply_topic, 1)])
        connected.set()

    def on_subscribe(_c, _u, _mid, _codes, _p) -> None:
        subscribed.set()

    def on_message(_c, _u, msg: mqtt.MQTTMessage) -> None:
        if msg.topic == reply_topic:
            answered.set()
            return
        match = topics.parse(msg.topic)
        if match is None or match.family != "node":
            return
        node = match.params["node"]
        try:
            body = json.loads(msg.payload)
        except ValueError:
            return
        if isinstance(body, dict):
            statuses[node] = body

    def on_disconnect(_c, _u, _f, reason, _p) -> None:
        if getattr(reason, "value", None) == SESSION_TAKEN_OVER:
            taken_over.set()

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    client.on_disconnect = on_disconnect
    try:
        client.connect(parsed.host, parsed.port, keepalive=30, clean_start=True)
    except OSError as exc:
        raise CheckFailed(f"cannot reach the MQTT broker at {parsed!r}: {exc}") from exc
    client.loop_start()
    try:
        if not connected.wait(connect_s):
            raise CheckFailed(f"the MQTT broker at {parsed!r} did not answer the connection within {connect_s:g} s")
        if refused:
            raise CheckFailed(f"the MQTT broker at {parsed!r} refused the connection: {refused[0]}")
        subscribed.wait(connect_s)
        time.sleep(settle_s)  # retained messages follow the SUBACK
        if taken_over.is_set():
            return OtherBroker(parsed.username or "?", None, None, True)
        live = [(n, s) for n, s in statuses.items() if s.get("role") == "broker" and s.get("online") is True]
        if not live:
            return None
        node, status = live[0]
        props = Properties(PacketTypes.PUBLISH)
        props.ResponseTopic = reply_topic
        props.CorrelationData = request_id.encode()
        ask = {"request_id": request_id, "ticket_id": "is-anyone-there"}
        client.publish(topics.ticket_status(), json.dumps(ask), qos=1, properties=props)
        alive = answered.wait(answer_s) or taken_over.is_set()
        return OtherBroker(node, status.get("version"), status.get("at"), alive)
    finally:
        client.disconnect()
        client.loop_stop()


def lock_data_dir(data_dir: str) -> IO[str] | None:
    """An exclusive lock on `data_dir/broker.lock` for as long as the returned file stays open; None
    when another process holds it (its pid is in the file)."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    path = os.path.join(data_dir, "broker.lock")
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the life of the broker
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def lock_holder(data_dir: str) -> str:
    try:
        return Path(data_dir, "broker.lock").read_text(encoding="utf-8").strip() or "?"
    except OSError:
        return "?"
