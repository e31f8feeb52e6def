"""Issue 19 item 2, rating rights in the engine (the ACL's side is tests/provisioning/test_acl_matrix.py):
a rating is accepted from the counter that served the ticket, from the citizen's own page or a kiosk with
the ticket in hand (its status token), once; from nobody else. One test per cell that was wrong."""

from __future__ import annotations

import pytest

from queue_broker.engine.commands import SubmitRating
from queue_broker.engine.rejected import Rejected


@pytest.fixture
def served(hall, kiosk, desk, clock):
    """Two tickets served at W1 (the desk), one waiting."""
    desk.counter("W1", "open", operator_id="demo", pin="123456")
    a = kiosk.issue()["ticket"]
    clock.advance(seconds=30)
    b = kiosk.issue()["ticket"]
    desk.counter("W1", "call-next")
    clock.advance(minutes=5)
    desk.counter("W1", "call-next")
    clock.advance(minutes=5)
    desk.counter("W1", "finish", outcome="done")
    return a, b


def test_the_serving_counter_rates_on_its_own_topic_once(hall, desk, served):
    a, _ = served
    ok = desk.send(desk.t.counter_cmd("W1", "rating"), ticket_id=a["id"], level=4)
    assert ok["ok"] and hall.service.engine.ratings[a["id"]]["channel"] == "rating_pad"
    again = desk.send(desk.t.counter_cmd("W1", "rating"), ticket_id=a["id"], level=1, reasons=["服务态度差"])
    assert again["error"]["code"] == "conflict"


def test_another_counter_may_not_rate_a_ticket_it_did_not_serve(hall, served):
    a, _ = served
    other = hall.node("counter-W2", "counter")
    r = other.send(other.t.counter_cmd("W2", "rating"), ticket_id=a["id"], level=5)
    assert r["error"]["code"] == "forbidden" and a["id"] not in hall.service.engine.ratings


def test_a_rating_without_proof_is_refused(hall, kiosk, served):
    """cmd/rating/submit without a status token from a node that is not the serving counter's terminal."""
    a, _ = served
    r = kiosk.send(kiosk.t.rating_submit(), ticket_id=a["id"], level=5)
    assert r["error"]["code"] == "forbidden"
    other = hall.node("counter-W2", "counter")
    assert other.send(other.t.rating_submit(), ticket_id=a["id"], level=5)["error"]["code"] == "forbidden"
    assert a["id"] not in hall.service.engine.ratings


def test_the_v1_counter_terminal_still_rates_its_own_citizen(hall, desk, served):
    """Deprecated: the counter terminal of v1 rates on cmd/rating/submit from its node (the site file names
    its counter) until it moves to cmd/counter/{counter}/rating (phase 2)."""
    a, _ = served
    assert desk.send(desk.t.rating_submit(), ticket_id=a["id"], level=5)["ok"]
    assert hall.service.engine.ratings[a["id"]]["channel"] == "rating_pad"


def test_the_citizen_rates_with_the_status_token_from_a_kiosk_or_the_page(hall, kiosk, served):
    a, b = served
    r = kiosk.send(kiosk.t.ticket_cmd("rate"), status_token=a["status_token"], level=5, channel="kiosk")
    assert r["ok"] and hall.service.engine.ratings[a["id"]]["channel"] == "kiosk"
    tampered = b["status_token"][:-2] + ("AA" if b["status_token"][-2:] != "AA" else "BB")
    assert kiosk.send(kiosk.t.ticket_cmd("rate"), status_token=tampered, level=5)["error"]["code"] == "not_found"
    wrong = kiosk.send(kiosk.t.rating_submit(), ticket_id=b["id"], status_token=a["status_token"], level=5)
    assert wrong["error"]["code"] == "forbidden"  # a's token is no proof for b
    right = kiosk.send(kiosk.t.rating_submit(), ticket_id=b["id"], status_token=b["status_token"], level=3)
    assert right["ok"] and hall.service.engine.ratings[b["id"]]["channel"] == "qr_code"


def test_the_engine_checks_the_source_it_is_given(hall, served):
    engine, (a, _) = hall.service.engine, served
    now = hall.clock()
    with pytest.raises(Rejected) as no:
        engine.execute(SubmitRating(a["id"], 5, source="counter:W2"), now)
    assert no.value.code == "forbidden"
    with pytest.raises(Rejected):
        engine.execute(SubmitRating(a["id"], 5, source=""), now)
    assert engine.execute(SubmitRating(a["id"], 5, source="counter:W1", channel="rating_pad"), now).events
