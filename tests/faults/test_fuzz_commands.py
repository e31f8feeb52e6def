"""Every command topic fuzzed against the running broker: random JSON, wrong types, huge strings, deep
nesting, invalid UTF-8, 1 MB payloads. No crash, bounded memory, readable refusals."""

from __future__ import annotations

import json
import resource

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queue_broker.protocol.messages import ERROR_CODES
from queue_broker.protocol.topics import COUNTER_ACTIONS

from ..broker.conftest import Hall

pytestmark = pytest.mark.faults

FIELDS = [
    "request_id",
    "kiosk_id",
    "service_id",
    "channel",
    "holder",
    "ticket_id",
    "operator_id",
    "pin",
    "outcome",
    "missing_materials",
    "to_queue_id",
    "counter_id",
    "queue_ids",
    "mode",
    "locked",
    "level",
    "reasons",
    "comment",
    "code",
    "slot_start",
    "text",
    "alert_id",
    "decision",
    "supervisor_id",
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)
# objects that look like requests: the right field names with any values
request_like = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=8)
payloads = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    request_like.map(lambda v: json.dumps(v, ensure_ascii=False).encode()),
    st.binary(max_size=200),
)


def command_topics(t) -> list[str]:
    return [
        t.ticket_issue(),
        t.ticket_status(),
        t.rating_submit(),
        # the contract's first ten counter actions (v1's), the fuzz's original set
        *[t.counter_cmd("W1", a) for a in COUNTER_ACTIONS[: COUNTER_ACTIONS.index("transfer") + 1]],
        *[t.supervisor_cmd(a) for a in ("assign", "notice", "alert-ack", "recommendation", "login")],
        t.appointment_cmd("book"),
        t.appointment_cmd("cancel"),
        f"{t.root}/cmd/nothing/here",
    ]


def check(reply: dict) -> None:
    assert isinstance(reply.get("ok"), bool)
    if not reply["ok"]:
        assert reply["error"]["code"] in ERROR_CODES and reply["error"]["code"] != "internal", reply
        assert isinstance(reply["error"]["message"], str) and reply["error"]["message"]


@pytest.fixture(scope="module")
def fuzz_hall(mosquitto, tmp_path_factory):
    from datetime import datetime

    from ..broker.conftest import TZ, Clock

    hall = Hall(
        mosquitto.url, "fuzz-hall", tmp_path_factory.mktemp("fuzz"), Clock(datetime(2026, 11, 27, 10, tzinfo=TZ))
    )
    hall.start()
    node = hall.node("fuzzer", "supervisor")
    yield hall, node
    hall.close()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(topic_index=st.integers(min_value=0, max_value=21), body=payloads)
def test_random_payloads_on_every_command_topic(fuzz_hall, topic_index, body):
    hall, node = fuzz_hall
    topics = command_topics(node.t)
    topic = topics[topic_index % len(topics)]
    check(node.raw(topic, body, timeout=5))


@pytest.mark.parametrize(
    "body",
    [
        b"x" * (1024 * 1024),  # 1 MB of junk
        json.dumps({"request_id": "big", "text": "长" * 400_000}).encode(),  # a 1.2 MB notice
        b"[" * 50_000 + b"]" * 50_000,  # deep nesting
        json.dumps({"request_id": "deep", "holder": json.loads("[" * 200 + "]" * 200)}).encode(),
        b'{"request_id": "\xed\xa0\x80"}',  # a lone surrogate: invalid UTF-8
        json.dumps({"request_id": "r" * 100_000}).encode(),
    ],
)
def test_hostile_payloads_are_refused_and_the_broker_keeps_serving(fuzz_hall, body):
    hall, node = fuzz_hall
    for topic in (node.t.ticket_issue(), node.t.supervisor_cmd("notice"), node.t.counter_cmd("W1", "open")):
        reply = node.raw(topic, body, timeout=10)
        check(reply)
        assert reply["ok"] is False and reply["error"]["code"] == "invalid_request"
    assert node.issue()["ok"]


def test_memory_stays_bounded_under_a_flood_of_bad_requests(fuzz_hall):
    hall, node = fuzz_hall
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for i in range(3000):
        node.raw(node.t.ticket_issue(), json.dumps({"request_id": f"flood-{i}", "channel": 5}).encode(), timeout=5)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert len(hall.service._recent) <= 5000  # refusals are remembered for retries, but not for ever
    assert grown_mb < 50, f"RSS grew {grown_mb:.0f} MB for 3000 refusals"
    assert node.issue()["ok"]
