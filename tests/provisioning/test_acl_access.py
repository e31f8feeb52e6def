"""Issue 23's topics under the generated ACL, against the real Mosquitto of the provisioned test hall: the
new requests fit the v1 role table without a new grant (a kiosk's help request and materials under
cmd/ticket/#, hold and materials under the counter's own cmd/counter/{counter}/#, the supervisor's
lookup, transfer and annulment under cmd/supervisor/#), and no other role may send them. The events they
add (`event/hold`, `event/annulled`) reach counters and supervisors, never kiosks."""

from __future__ import annotations

import time

import pytest

from .conftest import node_client

SITE = "hall/mini"
ANNUL = f"{SITE}/cmd/supervisor/annul"
FIND = f"{SITE}/cmd/supervisor/find-ticket"
HELP = f"{SITE}/cmd/ticket/help"
KIOSK_MATERIALS = f"{SITE}/cmd/ticket/materials"

# node -> {topic: may publish}
RIGHTS = {
    "kiosk-1": {
        HELP: True,
        KIOSK_MATERIALS: True,
        ANNUL: False,
        FIND: False,
        f"{SITE}/cmd/counter/W1/hold": False,
        f"{SITE}/cmd/counter/W1/materials": False,
    },
    "counter-W1": {
        f"{SITE}/cmd/counter/W1/hold": True,
        f"{SITE}/cmd/counter/W1/resume-held": True,
        f"{SITE}/cmd/counter/W1/materials": True,
        f"{SITE}/cmd/counter/W1/current": True,
        f"{SITE}/cmd/counter/W2/resume-held": False,  # another counter's
        f"{SITE}/cmd/counter/W2/materials": False,
        ANNUL: False,
        FIND: False,
        HELP: False,
    },
    "display-1": {HELP: False, ANNUL: False, f"{SITE}/cmd/counter/W1/hold": False},
    "super-1": {
        ANNUL: True,
        FIND: True,
        f"{SITE}/cmd/supervisor/transfer": True,
        f"{SITE}/cmd/counter/W2/release-held": True,
        HELP: False,
    },
}


@pytest.mark.parametrize("node", list(RIGHTS))
def test_who_may_send_issue_23s_requests(hall, node):
    client = node_client(hall, node)
    try:
        codes = client.publish_many(list(RIGHTS[node]), payload=b'{"request_id": "acl"}')
    finally:
        client.stop()
    wrong = [
        f"{topic}: PUBACK {codes[topic]}, expected {'accepted' if ok else 'refused (135)'}"
        for topic, ok in RIGHTS[node].items()
        if ((codes[topic] >= 128) if ok else (codes[topic] != 135))
    ]
    assert not wrong, f"{node}:\n" + "\n".join(wrong)


def test_hold_and_annulled_events_reach_counters_not_kiosks(hall):
    kiosk, counter, sup = (node_client(hall, n) for n in ("kiosk-1", "counter-W1", "super-1"))
    tap = node_client(hall, "tap")
    try:
        for c in (kiosk, counter, sup):
            c.client.subscribe([(f"{SITE}/event/#", 1), (f"{SITE}/event/hold", 1), (f"{SITE}/event/annulled", 1)])
        time.sleep(0.3)
        topics = [f"{SITE}/event/hold", f"{SITE}/event/annulled"]
        assert all(code < 128 for code in tap.publish_many(topics, payload=b"issue-23").values())
        deadline = time.monotonic() + 3
        while (counter.topics(b"issue-23") != set(topics) or sup.topics(b"issue-23") != set(topics)) and (
            time.monotonic() < deadline
        ):
            time.sleep(0.02)
        time.sleep(0.2)
        assert counter.topics(b"issue-23") == set(topics) == sup.topics(b"issue-23")
        assert kiosk.topics(b"issue-23") == set()
    finally:
        for c in (kiosk, counter, sup, tap):
            c.stop()
