"""One provisioned test hall for the session: the mini site plus a node of every role, its generated
Mosquitto configuration running on free loopback ports, and MQTT helpers that speak paho directly
(the tests need PUBACK reason codes, CONNACK codes and raw TLS behaviour)."""

from __future__ import annotations

import shutil
import ssl
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
import pytest

from provisioning.generate import Options, Provisioner, read_node_env
from provisioning.mosquitto import MosquittoProcess, free_port, port_open
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
MINI_SITE = ROOT / "tests" / "fixtures" / "mini-site.yaml"

# nodes added to the mini site (which lists kiosk-1 and counter-W1; init adds the broker)
EXTRA_NODES = [
    ("kiosk-2", "kiosk", None),
    ("counter-W2", "counter", "W2"),
    ("display-1", "display", None),
    ("voice-1", "voice", None),
    ("gateway-1", "gateway", None),
    ("super-1", "supervisor", None),
    ("tap", "broker", None),  # a second broker-role user: the recorder of the privacy test
]


@dataclass
class TestHall:
    out: Path
    prov: Provisioner
    mosquitto: MosquittoProcess
    mqtt_port: int
    mqtts_port: int
    site: str = "mini"

    def env(self, node: str) -> dict[str, str]:
        return read_node_env(self.out / "nodes" / node / "node.env")

    def password(self, node: str) -> str:
        return urlsplit(self.env(node)["HALL_MQTT_URL"]).password

    @property
    def ca_file(self) -> str:
        return str(self.out / "ca" / "ca.crt")


def start_mosquitto(prov: Provisioner, run_dir: Path, mqtt_port: int, mqtts_port: int) -> MosquittoProcess:
    conf = (prov.mosquitto_dir / "mosquitto.conf").read_text()
    run_dir.mkdir(parents=True, exist_ok=True)
    broker = MosquittoProcess(port=mqtt_port, config=conf, workdir=run_dir)
    broker.start()
    deadline = time.monotonic() + 10
    while not port_open("127.0.0.1", mqtts_port):
        assert time.monotonic() < deadline, "the TLS listener did not open"
        time.sleep(0.02)
    return broker


def provision(out: Path, mqtt_port: int, mqtts_port: int, site: Path = MINI_SITE) -> Provisioner:
    prov = Provisioner(out)
    prov.init(
        site, Options(hosts=["127.0.0.1"], mqtt_port=mqtt_port, mqtts_port=mqtts_port, bind="127.0.0.1", in_place=True)
    )
    return prov


@pytest.fixture(scope="session")
def hall(tmp_path_factory) -> TestHall:
    """Made once: the CA, the server certificate and every node's credentials."""
    out = tmp_path_factory.mktemp("hall")
    p1, p2 = free_port(), free_port()
    while p2 == p1:
        p2 = free_port()
    prov = provision(out, p1, p2)
    for name, role, counter in EXTRA_NODES:
        prov.add_node(name, role, counter)
    broker = start_mosquitto(prov, out / "run", p1, p2)
    yield TestHall(out, prov, broker, p1, p2)
    broker.cleanup()


@pytest.fixture
def hall_copy(hall, tmp_path) -> TestHall:
    """The session hall's files in a folder of the test's own, with its own Mosquitto: for tests that
    change the password file or the ACL."""
    out = tmp_path / "hall"
    shutil.copytree(hall.out, out, ignore=shutil.ignore_patterns("run", "var"))
    p1, p2 = free_port(), free_port()
    prov = Provisioner(out).load()
    prov.state.mqtt_port, prov.state.mqtts_port = p1, p2
    prov.save()
    prov.add_node("kiosk-9", "kiosk")  # regenerates mosquitto.conf (new ports) and every bundle in `out`
    broker = start_mosquitto(prov, out / "run", p1, p2)
    yield TestHall(out, prov, broker, p1, p2)
    broker.cleanup()


# ---------------------------------------------------------------------------------------------- MQTT
@dataclass
class Client:
    """A paho MQTT 5 client that records CONNACK, PUBACK reason codes and received messages."""

    client: mqtt.Client
    connack: object = None
    connected: threading.Event = field(default_factory=threading.Event)
    disconnected: threading.Event = field(default_factory=threading.Event)
    received: list[tuple[str, bytes]] = field(default_factory=list)
    pubacks: dict[int, int] = field(default_factory=dict)
    subacks: dict[int, list[int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def subscribe(self, *filters: str, qos: int = 1, timeout: float = 5.0) -> list[int]:
        """Subscribe and wait for the SUBACK, so the subscriptions are in force; its reason codes."""
        _, mid = self.client.subscribe([(f, qos) for f in filters])
        return wait_for(lambda: self.subacks.get(mid), timeout, f"the SUBACK of {filters}")

    def publish(self, topic: str, payload: bytes | str = b"x", qos: int = 1, timeout: float = 5.0) -> int:
        """The PUBACK reason code (0 or 16 = accepted, 135 = not authorized)."""
        info = self.client.publish(topic, payload, qos=qos)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if info.mid in self.pubacks:
                    return self.pubacks[info.mid]
            time.sleep(0.002)
        raise TimeoutError(f"no PUBACK for {topic}")

    def publish_many(self, topics: list[str], payload: bytes = b"x", timeout: float = 5.0) -> dict[str, int]:
        infos = {t: self.client.publish(t, payload, qos=1) for t in topics}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if all(i.mid in self.pubacks for i in infos.values()):
                    return {t: self.pubacks[i.mid] for t, i in infos.items()}
            time.sleep(0.005)
        raise TimeoutError("PUBACKs missing")

    def topics(self, prefix: bytes = b"") -> set[str]:
        with self.lock:
            return {t for t, p in self.received if p.startswith(prefix)}

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def connect(
    port: int,
    user: str | None,
    password: str | None,
    *,
    ca_file: str | None = None,
    client_id: str | None = None,
    timeout: float = 5.0,
    wait: bool = True,
) -> Client:
    c = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or user or "", protocol=mqtt.MQTTv5
    )
    if user is not None:
        c.username_pw_set(user, password)
    if ca_file:
        c.tls_set(ca_certs=ca_file, tls_version=ssl.PROTOCOL_TLS_CLIENT)
    box = Client(c)

    def on_connect(client, userdata, flags, reason_code, properties):
        box.connack = reason_code
        if not reason_code.is_failure:
            box.connected.set()
        else:
            box.disconnected.set()

    def on_disconnect(client, userdata, flags, reason_code, properties):
        box.disconnected.set()
        box.connected.clear()

    def on_message(client, userdata, msg):
        with box.lock:
            box.received.append((msg.topic, msg.payload))

    def on_publish(client, userdata, mid, reason_code, properties):
        with box.lock:
            box.pubacks[mid] = reason_code.value

    def on_subscribe(client, userdata, mid, reason_codes, properties):
        with box.lock:
            box.subacks[mid] = [rc.value for rc in reason_codes]

    c.on_connect, c.on_disconnect, c.on_message, c.on_publish = on_connect, on_disconnect, on_message, on_publish
    c.on_subscribe = on_subscribe
    c.reconnect_delay_set(30, 60)  # tests look at one connection: no quick reconnects
    c.connect_async("127.0.0.1", port, keepalive=30)
    c.loop_start()
    if wait:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not (box.connected.is_set() or box.disconnected.is_set()):
            time.sleep(0.005)
    return box


def try_connect(
    port: int, user: str | None, password: str | None, *, ca_file: str | None = None, timeout: float = 5.0
) -> str:
    """Connect once, without a network thread or any retry, and say how it went: "accepted", the
    CONNACK reason ("Not authorized", "Bad user name or password"), or "no CONNACK: ..." when the
    broker closed the connection before answering."""
    c = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id=user or "anonymous", protocol=mqtt.MQTTv5
    )
    if user is not None:
        c.username_pw_set(user, password)
    if ca_file:
        c.tls_set(ca_certs=ca_file, tls_version=ssl.PROTOCOL_TLS_CLIENT)
    result: dict[str, str] = {}
    c.on_connect = lambda client, ud, flags, rc, props: result.setdefault(
        "connack", "accepted" if not rc.is_failure else str(rc)
    )
    try:
        c.connect("127.0.0.1", port, keepalive=10)
    except (OSError, ssl.SSLError) as exc:
        return f"no CONNACK: {type(exc).__name__}: {exc}"
    deadline = time.monotonic() + timeout
    try:
        while "connack" not in result and time.monotonic() < deadline:
            rc = c.loop(timeout=0.05)
            if rc != mqtt.MQTT_ERR_SUCCESS and "connack" not in result:
                return f"no CONNACK: connection closed ({mqtt.error_string(rc)})"
    finally:
        c.disconnect()
        try:
            c.socket() and c.socket().close()
        except OSError:
            pass
    return result.get("connack", "no CONNACK: timed out")


def node_client(hall: TestHall, node: str, **kw) -> Client:
    """`node` over the TLS listener with its generated credentials; asserts it got in."""
    c = connect(hall.mqtts_port, node, hall.password(node), ca_file=hall.ca_file, **kw)
    assert c.connected.is_set(), f"{node} could not connect: {c.connack}"
    return c
