"""Hand-overs between halls (engine/handover.py), pure: a township engine and a county engine, the
messages between them carried by hand exactly as the service would send them (JSON, protocol models)."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from queue_broker.engine.commands import (
    AssignCounter,
    FinishTicket,
    HandOverTicket,
    ReceiveHandover,
    SettleHandover,
    TransferTicket,
)
from queue_broker.engine.events import Event
from queue_broker.engine.hall import HallEngine, Rejected
from queue_broker.protocol import messages as m

from .conftest import TZ, Driver, holder


def site(config, site_id: str, name: str, **update):
    return config.model_copy(update={"site": config.site.model_copy(update={"id": site_id, "name": name, **update})})


@pytest.fixture
def halls(config, clock):
    town = Driver(HallEngine(site(config, "township-a", "测试镇")), clock)
    county = Driver(HallEngine(site(config, "county", "测试县")), clock)
    return town, county


def wire(payload: dict, model: type[m.Message]) -> dict:
    """What the other side gets: the payload as JSON, checked against the protocol model."""
    text = json.dumps(payload, ensure_ascii=False)
    m.parse(model, text)
    return json.loads(text)


def deliver(town: Driver, county: Driver) -> dict:
    """The township's pending request to the county, and the county's answer back."""
    (pending,) = town.e.pending_handovers()
    answer = county.run(ReceiveHandover("township-a", wire(pending.request, m.HandoverRequest)))
    town.run(SettleHandover("county", wire(answer, m.HandoverReply)))
    return answer


def served_at_w1(town: Driver) -> dict:
    town.open("W1")
    ticket = town.issue(holder=holder("h-1"))
    town.act("W1", "call-next", minutes=4)
    town.act("W1", "start", minutes=1)
    return ticket


def test_a_counter_hands_its_citizen_to_the_county_which_queues_it_with_its_history(halls, clock):
    town, county = halls
    ticket = served_at_w1(town)
    reply = town.run(HandOverTicket("h1", "county", "BDC", counter_id="W1", by="counter-W1"), minutes=6)
    assert reply["ticket"]["state"] == "handed_over" and reply["handover"]["state"] == "sent"
    assert town.e.counters["W1"].current is None  # the counter is free for the next citizen
    assert town.act("W1", "call-next")["ticket"] is None

    county.open("W2")
    answer = deliver(town, county)
    assert answer["state"] == "accepted"
    there = county.e.tickets[answer["ticket"]["id"]]
    assert (there.queue_id, there.number, there.state) == ("BDC", "B001", "waiting")
    assert there.issued_at == clock.now  # waits from its arrival here; the original time is in its origin
    origin = county.e.handover_origin_view(there.id)
    assert origin["from_site"] == "township-a" and origin["from_site_name"] == "测试镇"
    assert origin["ticket"]["id"] == ticket["id"] and origin["ticket"]["number"] == "A001"
    assert origin["ticket"]["issued_at"] == datetime(2026, 11, 27, 9, 0, tzinfo=TZ).isoformat()
    assert origin["ticket"]["service_id"] == "zh-general"
    assert origin["ticket"]["holder_masked"] == {"id_number": "1101**********002X", "name": "张*"}
    assert [s["step"] for s in origin["history"]] == ["issued", "called", "started", "handed_over"]
    assert origin["history"][1]["counter_id"] == "W1"
    assert there.holder_masked == {"id_number": "1101**********002X", "name": "张*"}
    assert "h-1" not in json.dumps(town.e.handovers_out["h1"].request)  # the keyed hash stays home

    settled = town.e.handovers_out["h1"]
    assert settled.state == "accepted" and settled.remote_ticket == answer["ticket"]
    # the county's counter calls it like any of its own
    county.run(AssignCounter("W2", ("BDC",), "fixed", False))
    called = county.act("W2", "call-next")["ticket"]
    assert called["id"] == there.id and called["number"] == "B001"


def test_the_same_request_delivered_twice_makes_one_ticket_and_the_same_answer(halls):
    town, county = halls
    town.issue()
    town.run(HandOverTicket("h1", "county", ticket_id=town.e.waiting["ZH"][0]))
    (pending,) = town.e.pending_handovers()
    request = wire(pending.request, m.HandoverRequest)
    first = county.run(ReceiveHandover("township-a", request))
    events = len(county.events)
    again = county.run(ReceiveHandover("township-a", request))
    assert again == first and len(county.events) == events
    assert sum(1 for t in county.e.tickets.values() if t.kiosk_id == "handover:township-a") == 1
    # the township: the same command twice is one hand-over, the same answer twice settles once
    assert town.run(HandOverTicket("h1", "county", ticket_id="whatever"))["handover"]["id"] == "h1"
    town.run(SettleHandover("county", first))
    n = len(town.events)
    town.run(SettleHandover("county", first))
    assert len(town.events) == n and town.e.pending_handovers() == []


def test_refusals_are_clear_recorded_and_the_ticket_may_be_handed_over_again(halls, config, clock):
    town, county = halls
    t = town.issue()
    town.run(HandOverTicket("h1", "county", "NOPE", ticket_id=t["id"]))
    answer = deliver(town, county)
    assert answer["state"] == "refused" and answer["error"]["code"] == "not_found"
    assert "NOPE" in answer["error"]["message"]
    assert not [x for x in county.e.tickets.values() if x.kiosk_id.startswith("handover:")]
    # the same request again gets the same refusal, even if it would now fit
    again = county.run(ReceiveHandover("township-a", town.e.handovers_out["h1"].request))
    assert again == answer
    assert town.e.handovers_out["h1"].state == "refused"
    assert town.e.handovers_out["h1"].error["code"] == "not_found"

    # handed over again, to a queue that exists, but the county is closed today (a local holiday)
    shut = Driver(HallEngine(site(config, "county", "测试县", holidays=[date(2026, 11, 27)])), clock)
    town.run(HandOverTicket("h2", "county", "BDC", ticket_id=t["id"]))
    closed = deliver(town, shut)
    assert closed["state"] == "refused" and closed["error"]["code"] == "closed"
    assert "11月28日 00:00开始" in closed["error"]["message"]
    # and again, to the open county: accepted
    town.run(HandOverTicket("h3", "county", "BDC", ticket_id=t["id"]))
    assert deliver(town, county)["state"] == "accepted"
    assert [h.state for h in town.e.handovers_out.values()] == ["refused", "refused", "accepted"]


def test_what_may_not_be_handed_over_is_refused_before_anything_changes(halls):
    town, _ = halls
    town.open("W1")
    with pytest.raises(Rejected) as exc:
        town.run(HandOverTicket("h1", "county", counter_id="W1"))
    assert exc.value.code == "conflict"
    with pytest.raises(Rejected) as exc:
        town.run(HandOverTicket("h2", "county", ticket_id="20261127-Z999"))
    assert exc.value.code == "not_found"
    t = town.issue()
    with pytest.raises(Rejected) as exc:
        town.run(HandOverTicket("h3", "township-a", ticket_id=t["id"]))
    assert exc.value.code == "invalid_request"
    town.act("W1", "call-next")
    town.act("W1", "no-show")
    with pytest.raises(Rejected) as exc:
        town.run(HandOverTicket("h4", "county", ticket_id=t["id"]))
    assert exc.value.code == "conflict"
    t2 = town.issue()
    town.run(HandOverTicket("h5", "county", ticket_id=t2["id"]))
    with pytest.raises(Rejected) as exc:  # sent, no answer yet: not a second time
        town.run(HandOverTicket("h6", "county", ticket_id=t2["id"]))
    assert exc.value.code == "conflict" and "等待对方答复" in exc.value.message
    assert town.e.pending_handovers()[0].id == "h5" and len(town.e.handovers_out) == 1


def test_a_done_ticket_keeps_its_outcome_and_transfers_in_the_history(halls):
    town, county = halls
    town.open("W1")
    t = town.issue()
    town.act("W1", "call-next", minutes=2)
    town.run(TransferTicket("W1", "SB"))
    town.run(AssignCounter("W1", ("ZH", "SB"), "fixed", False))
    town.act("W1", "call-next", minutes=1)
    town.run(FinishTicket("W1", "incomplete", ("户口簿",)), minutes=5)
    town.run(HandOverTicket("h1", "county", "ZH", ticket_id=t["id"]))
    req = town.e.handovers_out["h1"].request
    assert req["ticket"]["transfers"] == 1 and req["ticket"]["queue_id"] == "SB"
    finished = [s for s in req["history"] if s["step"] == "finished"][0]
    assert finished["outcome"] == "incomplete" and finished["missing_materials"] == ["户口簿"]
    assert deliver(town, county)["state"] == "accepted"


def test_a_restart_replays_both_sides_to_the_same_state(halls, config, clock):
    town, county = halls
    served_at_w1(town)
    town.run(HandOverTicket("h1", "county", "BDC", counter_id="W1"))
    answer = deliver(town, county)
    for side, site_id in ((town, "township-a"), (county, "county")):
        again = HallEngine(site(config, site_id, side.e.config.site.name))
        again.replay(Event.from_record(json.loads(json.dumps(e.to_record()))) for e in side.events)
        assert {k: vars(v) for k, v in again.handovers_out.items()} == {
            k: vars(v) for k, v in side.e.handovers_out.items()
        }
        assert again.handovers_in == side.e.handovers_in
        assert again.handover_origins == side.e.handover_origins
    again = HallEngine(site(config, "county", "测试县"))
    again.replay(county.events)
    n = len(again.tickets)
    assert again.execute(ReceiveHandover("township-a", town.e.handovers_out["h1"].request), clock()).reply == answer
    assert len(again.tickets) == n
