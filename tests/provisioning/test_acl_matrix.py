"""Every role × every topic family of protocol v1, publish and read, against the real Mosquitto running
the generated configuration. The expected rights below are written from the role table of
docs/protocol.md by hand, not taken from provisioning.roles, so the generator is checked, not echoed."""

from __future__ import annotations

import time

import pytest

from .conftest import node_client, try_connect

SITE = "hall/mini"

# one node per role; "own counter" is W1 for the counter terminal, and simply a counter for the rest
READERS = {
    "broker": ("broker", None),
    "kiosk": ("kiosk-1", None),
    "counter": ("counter-W1", "W1"),
    "display": ("display-1", None),
    "voice": ("voice-1", None),
    "gateway": ("gateway-1", None),
    "supervisor": ("super-1", None),
}

STATE = {"state/queues", "state/counters", "state/catalog"}
EVENTS = {"event/called", "event/issued", "event/alert", "event/come-now", "event/finished"}
OWN_NODE = {"node/own/status", "node/own/device"}
ALL_NODE = OWN_NODE | {"node/other/status", "node/other/device", "node/broker/status"}
CITIZEN = {"cmd/ticket/view", "cmd/ticket/cancel", "cmd/ticket/notify", "cmd/ticket/rate"}  # by status token
CMD = {
    "cmd/ticket/issue",
    "cmd/ticket/status",
    *CITIZEN,
    "cmd/counter/own",
    "cmd/counter/other",
    "cmd/counter/own/rating",
    "cmd/counter/other/rating",
    "cmd/supervisor/assign",
    "cmd/supervisor/notice",
    "cmd/rating/submit",
    "cmd/appointment/book",
    "cmd/appointment/cancel",
    "cmd/selfservice/record",
}
ALL_HALL = CMD | {"reply/own", "reply/other"} | STATE | EVENTS | ALL_NODE

# docs/protocol.md, "Who may do what", with the gateway's and the rating rights' rows (docs/security.md):
# a counter rates only on its own counter's topic (no longer cmd/rating/submit, which named any ticket); a
# supervisor sends counters' commands but not their ratings; the gateway exactly what it uses.
MAY_PUBLISH = {
    "broker": ALL_HALL,
    "kiosk": {"cmd/ticket/issue", "cmd/ticket/status", "cmd/selfservice/record"} | CITIZEN | OWN_NODE,
    "counter": {"cmd/counter/own", "cmd/counter/own/rating"} | OWN_NODE,
    "display": OWN_NODE,
    "voice": OWN_NODE,
    "gateway": {"cmd/ticket/issue", "cmd/appointment/book", "cmd/appointment/cancel"} | CITIZEN | OWN_NODE,
    "supervisor": {
        "cmd/supervisor/assign",
        "cmd/supervisor/notice",
        "cmd/counter/own",
        "cmd/counter/other",
        "cmd/appointment/book",
        "cmd/appointment/cancel",
    },
}
MAY_READ = {
    "broker": ALL_HALL,
    "kiosk": {"reply/own", "event/called"} | STATE,
    "counter": {"reply/own"} | STATE | EVENTS,
    "display": STATE | EVENTS,
    "voice": STATE | EVENTS,
    "gateway": {"reply/own", "state/queues", "state/catalog", "event/called", "event/come-now", "event/finished"}
    | {"node/broker/status"},
    "supervisor": {"reply/own"} | STATE | EVENTS | ALL_NODE,
}


def family(topic: str, node: str, counter: str | None) -> str:
    """The role table's name for `topic` as seen by `node`: own/other reply, counter, node."""
    if not topic.startswith(SITE + "/"):
        return "foreign"
    parts = topic[len(SITE) + 1 :].split("/")
    if parts[:2] == ["cmd", "counter"]:
        whose = "cmd/counter/own" if parts[2] == counter else "cmd/counter/other"
        return whose + "/rating" if parts[3] == "rating" else whose
    if parts[0] == "reply":
        return "reply/own" if parts[1] == node else "reply/other"
    if parts[0] == "node" and parts[1] == "broker" and parts[2] == "status" and node != "broker":
        return "node/broker/status"
    if parts[0] == "node":
        whose = "own" if parts[1] == node else "other"
        return f"node/{whose}/{'status' if parts[2] == 'status' else 'device'}"
    return "/".join(parts)


def topics_for(node: str, counter: str | None, other: str) -> list[str]:
    """A concrete topic of every family, from `node`'s point of view, plus two of another hall."""
    return [
        f"{SITE}/cmd/ticket/issue",
        f"{SITE}/cmd/ticket/status",
        *(f"{SITE}/{c}" for c in sorted(CITIZEN)),
        f"{SITE}/cmd/counter/{counter or 'W1'}/call-next",
        f"{SITE}/cmd/counter/W2/call-next",
        f"{SITE}/cmd/counter/{counter or 'W1'}/rating",
        f"{SITE}/cmd/counter/W2/rating",
        f"{SITE}/cmd/supervisor/assign",
        f"{SITE}/cmd/supervisor/notice",
        f"{SITE}/cmd/rating/submit",
        f"{SITE}/cmd/appointment/book",
        f"{SITE}/cmd/appointment/cancel",
        f"{SITE}/cmd/selfservice/record",
        f"{SITE}/reply/{node}",
        f"{SITE}/reply/{other}",
        f"{SITE}/state/queues",
        f"{SITE}/state/counters",
        f"{SITE}/state/catalog",
        f"{SITE}/event/called",
        f"{SITE}/event/issued",
        f"{SITE}/event/alert",
        f"{SITE}/event/come-now",
        f"{SITE}/event/finished",
        f"{SITE}/node/{node}/status",
        f"{SITE}/node/{node}/device/printer",
        f"{SITE}/node/{other}/status",
        f"{SITE}/node/{other}/device/printer",
        f"{SITE}/node/broker/status",
        "hall/elsewhere/cmd/ticket/issue",
        "hall/elsewhere/state/queues",
    ]


def other_node(node: str) -> str:
    return "kiosk-2" if node == "kiosk-1" else "kiosk-1"


@pytest.fixture(scope="module")
def clients(hall):
    cs = {role: node_client(hall, node) for role, (node, _) in READERS.items()}
    yield cs
    for c in cs.values():
        c.stop()


def test_the_expectations_cover_every_family():
    for role, (node, counter) in READERS.items():
        fams = {family(t, node, counter) for t in topics_for(node, counter, other_node(node))}
        no_own_counter = (
            {"cmd/counter/own", "cmd/counter/own/rating"} if counter is None else set()
        )  # W1 is just "a counter" then
        if node == "broker":
            no_own_counter |= {"node/broker/status"}  # the broker's own status is "node/own/status"
        assert fams == (ALL_HALL - no_own_counter) | {"foreign"}, role
        assert MAY_PUBLISH[role] <= ALL_HALL and MAY_READ[role] <= ALL_HALL


@pytest.mark.parametrize("role", list(READERS))
def test_publish_rights(hall, clients, role):
    node, counter = READERS[role]
    codes = clients[role].publish_many(topics_for(node, counter, other_node(node)), payload=b"pub-phase")
    wrong = []
    for topic, code in codes.items():
        allowed = family(topic, node, counter) in MAY_PUBLISH[role]
        if allowed != (code < 128):
            wrong.append(f"{topic}: PUBACK {code}, expected {'accepted' if allowed else 'refused (135)'}")
        if not allowed:
            assert code == 135, f"{topic}: {code}"
    assert not wrong, f"{role} ({node}):\n" + "\n".join(wrong)


def test_read_rights(hall, clients):
    """Each node subscribes to every topic (and to '#'); a broker-role user publishes on all of them;
    each must receive exactly what its role may read. A refused subscription is still granted by
    Mosquitto (SUBACK), so rights are judged by what is delivered."""
    wanted = {}
    for role, (node, counter) in READERS.items():
        topics = topics_for(node, counter, other_node(node))
        c = clients[role]
        c.client.subscribe([(t, 1) for t in topics] + [("#", 1)])
        wanted[role] = topics
    time.sleep(0.3)
    tap = node_client(hall, "tap")
    try:
        everything = sorted({t for ts in wanted.values() for t in ts})
        codes = tap.publish_many(everything, payload=b"read-phase")
        assert all(code < 128 for t, code in codes.items() if t.startswith(SITE)), codes
        broker_topics = {t for t in everything if t.startswith(SITE)}
        deadline = time.monotonic() + 5
        while clients["broker"].topics(b"read-phase") < broker_topics and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)  # the others are served in the same pass; a little more for the slow ones
    finally:
        tap.stop()
    problems = []
    for role, (node, counter) in READERS.items():
        got = clients[role].topics(b"read-phase")
        for topic in everything:
            allowed = family(topic, node, counter) in MAY_READ[role]
            if allowed != (topic in got):
                problems.append(f"{role} ({node}) {'missed' if allowed else 'READ'} {topic}")
    assert not problems, "\n".join(problems)


def test_named_cases(hall):
    """The three the issue names, spelled out: a kiosk reading another kiosk's replies, a display
    calling a ticket, a counter commanding another counter."""
    k1, k2 = node_client(hall, "kiosk-1"), node_client(hall, "kiosk-2")
    display, counter = node_client(hall, "display-1"), node_client(hall, "counter-W1")
    tap = node_client(hall, "tap")
    try:
        k1.client.subscribe(f"{SITE}/reply/kiosk-2", 1)
        k2.client.subscribe(f"{SITE}/reply/kiosk-2", 1)
        time.sleep(0.2)
        assert tap.publish(f"{SITE}/reply/kiosk-2", b'{"ok": true}') < 128
        deadline = time.monotonic() + 3
        while not k2.received and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)
        assert k2.topics() == {f"{SITE}/reply/kiosk-2"}
        assert k1.topics() == set(), "kiosk-1 read kiosk-2's reply"
        assert display.publish(f"{SITE}/cmd/counter/W1/call-next", b'{"request_id": "x"}') == 135
        assert counter.publish(f"{SITE}/cmd/counter/W2/call-next", b'{"request_id": "x"}') == 135
        assert counter.publish(f"{SITE}/cmd/counter/W1/call-next", b'{"request_id": "x"}') < 128
    finally:
        for c in (k1, k2, display, counter, tap):
            c.stop()


def test_rating_rights(hall):
    """Issue 19 item 2, the cells that were wrong: any counter could rate any ticket on cmd/rating/submit.
    Now a counter rates on its own counter's topic only, and a supervisor not at all; the citizen's own
    ratings (status token) go on cmd/ticket/rate, from the gateway or a kiosk with the ticket in hand."""
    counter, supervisor = node_client(hall, "counter-W1"), node_client(hall, "super-1")
    gateway, kiosk = node_client(hall, "gateway-1"), node_client(hall, "kiosk-1")
    body = b'{"request_id": "r", "ticket_id": "x", "level": 5}'
    try:
        assert counter.publish(f"{SITE}/cmd/rating/submit", body) == 135
        assert counter.publish(f"{SITE}/cmd/counter/W2/rating", body) == 135
        assert counter.publish(f"{SITE}/cmd/counter/W1/rating", body) < 128
        assert supervisor.publish(f"{SITE}/cmd/counter/W1/rating", body) == 135
        assert supervisor.publish(f"{SITE}/cmd/counter/W1/call-next", b'{"request_id": "x"}') < 128
        for c in (gateway, kiosk):
            assert c.publish(f"{SITE}/cmd/ticket/rate", body) < 128
            assert c.publish(f"{SITE}/cmd/rating/submit", body) == 135
    finally:
        for c in (counter, supervisor, gateway, kiosk):
            c.stop()


def test_loopback_listener_needs_a_password_too(hall):
    assert try_connect(hall.mqtt_port, None, None) == "Not authorized"
    assert try_connect(hall.mqtt_port, "tap", "wrong") != "accepted"
    assert try_connect(hall.mqtt_port, "tap", hall.password("tap")) == "accepted"
