"""cmd/selfservice/record against the real queue broker on a real Mosquitto: the transaction is in the
hash-chained event log with the item, the kiosk and the outcome, and the citizen only as the keyed hash
(the same hash a ticket of theirs gets); a retry records nothing twice; bad requests are refused with a
reason that does not repeat the number; the ID number crosses nothing but the command topic."""

from __future__ import annotations

import logging

import pytest

from queue_broker.security.identity import holder_hash
from tests.people import citizens, id_numbers_in

PERSON = citizens(1, 2404)[0]


def record(kiosk, request_id: str, **over) -> dict:
    body = {
        "kiosk_id": kiosk.link.node_id,
        "service_id": "sb-print",
        "holder": {"id_number": PERSON["id_number"]},
        "outcome": "printed",
        "pages": 2,
        "started_at": "2026-12-06T22:04:10+08:00",
        **over,
    }
    return kiosk.send(kiosk.t.selfservice_cmd("record"), request_id=request_id, **body)


def test_a_transaction_is_in_the_event_log_with_the_keyed_hash_only(hall, caplog):
    caplog.set_level(logging.DEBUG)
    recorder = hall.recorder()  # stopped with the hall
    kiosk = hall.node("kiosk-1", "kiosk")
    reply = record(kiosk, "tx-audit-1")
    assert reply["ok"] and reply["record"]["service_id"] == "sb-print" and reply["record"]["outcome"] == "printed"
    again = record(kiosk, "tx-audit-1")  # the kiosk resends after a reconnect
    assert again == reply
    events = [e.event for e in hall.service.store.iter_events() if e.event.type == "self_service_recorded"]
    assert len(events) == 1
    data = events[0].data
    key = hall.service.key
    assert data["holder_hash"] == holder_hash(key, PERSON["id_number"])
    assert (data["kiosk_id"], data["service_id"], data["outcome"], data["pages"]) == (
        "kiosk-1",
        "sb-print",
        "printed",
        2,
    )
    assert set(data) == {"kiosk_id", "service_id", "holder_hash", "outcome", "pages", "started_at"}
    assert hall.service.store.audit().ok
    # a ticket of the same citizen carries the same hash: the audit can be joined, never read back
    ticket = kiosk.issue("sb-print", holder={"id_number": PERSON["id_number"], "name": PERSON["name"]})
    assert hall.service.engine.tickets[ticket["ticket"]["id"]].holder_hash == data["holder_hash"]
    day = hall.service.engine.local_day(hall.clock())
    assert hall.service.engine.selfservice_counts[(day, "sb-print", "printed")] == 1
    # nothing but the command topics carried the number; the broker's log never saw it
    recorder.wait_for(f"reply/{kiosk.link.node_id}", lambda b: "ticket" in b)
    for topic, body, _ in recorder.messages:
        if not topic.endswith(("/cmd/selfservice/record", "/cmd/ticket/issue")):
            assert not id_numbers_in(str(body)), topic
    assert any(t.endswith("/cmd/selfservice/record") for t, _, _ in recorder.messages)  # the check could fail
    assert PERSON["id_number"] not in caplog.text
    db = b"".join(p.read_bytes() for p in (hall.data_dir).rglob("*") if p.is_file())
    assert PERSON["id_number"].encode() not in db and data["holder_hash"].encode() in db


@pytest.mark.parametrize(
    "over, code, words",
    [
        ({"service_id": "no-such"}, "not_found", "没有事项"),
        ({"service_id": "zh-general"}, "conflict", "不是自助办理事项"),
        ({"outcome": "lost"}, "invalid_request", "outcome"),
        ({"pages": -1}, "invalid_request", "pages"),
        ({"holder": {"id_number": "411325199001011231"}}, "invalid_request", "check digit"),
        ({"holder": {"name": "张三"}}, "invalid_request", "holder.id_number"),
    ],
)
def test_a_bad_record_is_refused_with_a_reason_and_nothing_is_stored(hall, caplog, over, code, words):
    caplog.set_level(logging.DEBUG)
    kiosk = hall.node("kiosk-1", "kiosk")
    reply = record(kiosk, f"tx-bad-{code}-{len(str(over))}", **over)
    assert not reply["ok"] and reply["error"]["code"] == code and words in reply["error"]["message"]
    assert "411325" not in reply["error"]["message"]
    assert not [e.event for e in hall.service.store.iter_events() if e.event.type == "self_service_recorded"]
    assert "411325199001011231" not in caplog.text and PERSON["id_number"] not in caplog.text


def test_a_kiosk_sends_its_keyed_hash_and_the_number_crosses_nothing(hall):
    """The contract's form (docs/protocol.md): the kiosk hashes the number with the hall's self-service key
    and sends `holder_hash`; the broker keeps it as it came. Both forms at once, or neither, are refused."""
    recorder = hall.recorder()  # stopped with the hall
    kiosk = hall.node("kiosk-1", "kiosk")
    hashed = holder_hash(b"0123456789abcdef0123456789abcdef", PERSON["id_number"])
    reply = record(kiosk, "tx-hash-1", holder=None, holder_hash=hashed)
    assert reply["ok"], reply
    (event,) = [e.event for e in hall.service.store.iter_events() if e.event.type == "self_service_recorded"]
    assert event.data["holder_hash"] == hashed != holder_hash(hall.service.key, PERSON["id_number"])
    both = record(kiosk, "tx-hash-2", holder_hash=hashed)
    assert not both["ok"] and both["error"]["code"] == "invalid_request" and "holder_hash" in both["error"]["message"]
    neither = record(kiosk, "tx-hash-3", holder=None)
    assert not neither["ok"] and neither["error"]["code"] == "invalid_request"
    bad = record(kiosk, "tx-hash-4", holder=None, holder_hash=PERSON["id_number"])
    assert not bad["ok"] and PERSON["id_number"] not in bad["error"]["message"]
    first = recorder.wait_for("/cmd/selfservice/record", lambda b: b.get("request_id") == "tx-hash-1")
    assert first["holder"] is None and not id_numbers_in(str(first))  # the number stayed on the kiosk
