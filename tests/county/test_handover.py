"""Hand-overs between halls (同城通办) over the real county link: a township hall and the county hall, each
its generated Mosquitto and a real queue broker (HallService, SQLite on disk), the township's county link
(its own Mosquitto and stunnel, run by the generated county-link.sh) through a TCP proxy the test cuts.

Proved here: a township counter hands its citizen to the county; the county's queue has the ticket with
its origin and history, the county's counter calls it, and the township learns that the county accepted
it; a refusal comes back with its reason; with the WAN cut the township goes on, the hand-over waits and
is delivered when the WAN is back, every copy sent meanwhile makes one ticket; nothing personal and no
command or reply of the township reaches the county's broker."""

from __future__ import annotations

import json
import logging
import time

import pytest

from tests.waiting import stays, wait_for

from ..clock import Clock
from ..faults.proxy import CuttableProxy
from ..people import citizens, id_numbers_in, json_escaped
from .conftest import TZ, HallDir
from .test_two_halls import _service, _tap, ask, received

READER = ("overview", "overview-test-password")


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    from datetime import datetime

    root = tmp_path_factory.mktemp("handover")
    county, town = HallDir(root, "county"), HallDir(root, "township-a")
    proxy = CuttableProxy("127.0.0.1", county.mqtts_port)
    town.bridge_to(county, "--county-port", str(proxy.port), "--restart-timeout", "1", "--keepalive", "5")
    town.prov.add_node("supervisor-1", "supervisor")
    county.add_reader(*READER)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
    state: dict = {"county": county, "town": town, "proxy": proxy, "services": {}, "links": {}}
    try:
        for hall in (county, town):
            hall.start()
        town.start_link()
        state["tap"] = _tap(county, *READER)
        for hall in (county, town):
            service = _service(hall, Clock(start), root / f"data-{hall.site}")
            service.outbox.first_s = 1.0  # resend after 1 s, then 2, 4...: copies during the cut below
            state["services"][hall.site] = service
        yield state
    finally:
        for link in state["links"].values():
            link.stop()
        for service in state["services"].values():
            service.stop()
        if "tap" in state:
            state["tap"].stop()
        for hall in (town, county):
            hall.stop()
        proxy.close()


def node(pair, hall: HallDir, node_id: str, role: str):
    key = (hall.site, node_id)
    if key not in pair["links"]:
        pair["links"][key] = hall.node_link(node_id, role)
    return pair["links"][key]


def status(kiosk, ticket_id: str) -> dict:
    return ask(kiosk, kiosk.topics.ticket_status(), ticket_id=ticket_id)


def test_a_township_hands_a_citizen_to_the_county_which_calls_it_with_its_history(pair):
    town, county, ctap = pair["town"], pair["county"], pair["tap"]
    person = citizens(1, 41)[0]
    t_kiosk, t_desk = node(pair, town, "kiosk-1", "kiosk"), node(pair, town, "counter-W1", "counter")
    c_desk = node(pair, county, "counter-W1", "counter")
    tt, ct = t_kiosk.topics, c_desk.topics
    wait_for(lambda: received(ctap, "hall/township-a/state/queues"), 15, "the link to be up")
    ask(t_desk, tt.counter_cmd("W1", "open"), operator_id="demo", pin="123456")
    ask(c_desk, ct.counter_cmd("W1", "open"), operator_id="demo", pin="123456")
    ticket = ask(
        t_kiosk, tt.ticket_issue(), kiosk_id="kiosk-1", service_id="zh-general", channel="walk_in", holder=person
    )["ticket"]
    assert ask(t_desk, tt.counter_cmd("W1", "call-next"))["ticket"]["id"] == ticket["id"]
    ask(t_desk, tt.counter_cmd("W1", "start"))

    sent = ask(t_desk, tt.counter_cmd("W1", "handover"), to_site="county")
    assert sent["handover"]["state"] == "sent" and sent["ticket"]["state"] == "handed_over"
    assert ask(t_desk, tt.counter_cmd("W1", "call-next"))["ticket"] is None  # the counter is free again
    accepted = wait_for(
        lambda: (r := status(t_kiosk, ticket["id"]))["handover"]["state"] == "accepted" and r,
        15,
        "the county's answer at the township",
    )
    remote = accepted["handover"]["remote_ticket"]
    assert remote["queue_id"] == "ZH" and remote["number"].startswith("A")

    called = ask(c_desk, ct.counter_cmd("W1", "call-next"))["ticket"]
    assert called["id"] == remote["id"]
    origin = called["handed_over_from"]
    assert origin["from_site"] == "township-a" and origin["ticket"]["id"] == ticket["id"]
    assert origin["ticket"]["number"] == ticket["number"] and origin["ticket"]["issued_at"] == ticket["issued_at"]
    assert origin["ticket"]["service_id"] == "zh-general"
    assert [s["step"] for s in origin["history"]] == ["issued", "called", "started", "handed_over"]
    masked = origin["ticket"]["holder_masked"]
    assert masked["name"] == person["name"][0] + "*" * (len(person["name"]) - 1)
    assert masked["id_number"][:4] == person["id_number"][:4] and "*" in masked["id_number"]
    assert called["holder_masked"] == masked  # the county's counter sees the masked form, as for its own

    # both halls said so on their own event/handover; the township's crossed to the county too
    def crossed() -> list[str]:
        seen = [json.loads(p) for _, p in received(ctap, "hall/township-a/event/handover")]
        return [e["state"] for e in seen if e["ticket_id"] == ticket["id"]]

    wait_for(lambda: crossed() == ["sent", "accepted"], 10, "both at the county", describe=lambda: str(crossed()))
    assert any(json.loads(p)["state"] == "received" for _, p in received(ctap, "hall/county/event/handover"))

    # nothing personal reached the county: the request carried the masked form only
    requests = received(ctap, "hall/township-a/handover/county/request")
    assert requests and masked["id_number"] in requests[0][1].decode()
    text = "\n".join(p.decode("utf-8", "replace") for _, p in received(ctap))
    assert not id_numbers_in(text)
    assert person["name"] not in text and json_escaped(person["name"]) not in text
    assert not [t for t, _ in received(ctap, "hall/township-a/") if t.split("/")[2] in ("cmd", "reply")]


def test_a_refusal_comes_back_with_its_reason_and_an_unknown_hall_is_refused_at_once(pair):
    town = pair["town"]
    sup = node(pair, town, "supervisor-1", "supervisor")
    t_kiosk = node(pair, town, "kiosk-1", "kiosk")
    ticket = ask(
        t_kiosk, t_kiosk.topics.ticket_issue(), kiosk_id="kiosk-1", service_id="zh-general", channel="walk_in"
    )["ticket"]
    reply = sup.request(
        sup.topics.supervisor_cmd("handover"),
        {"request_id": "h-city", "ticket_id": ticket["id"], "to_site": "city"},
        timeout=10,
    )
    assert not reply["ok"] and reply["error"]["code"] == "not_found" and "county" in reply["error"]["message"]
    ask(sup, sup.topics.supervisor_cmd("handover"), ticket_id=ticket["id"], to_site="county", to_queue_id="NOPE")
    refused = wait_for(
        lambda: (r := status(t_kiosk, ticket["id"]))["handover"]["state"] == "refused" and r,
        15,
        "the county's refusal at the township",
    )
    assert refused["handover"]["error"]["code"] == "not_found" and "NOPE" in refused["handover"]["error"]["message"]
    # refused: it may be handed over again, and this time it fits
    ask(sup, sup.topics.supervisor_cmd("handover"), ticket_id=ticket["id"], to_site="county")
    wait_for(lambda: status(t_kiosk, ticket["id"])["handover"]["state"] == "accepted", 15, "accepted")


def test_with_the_wan_cut_the_handover_waits_and_is_delivered_once_when_it_is_back(pair, caplog):
    town, county, ctap, proxy = pair["town"], pair["county"], pair["tap"], pair["proxy"]
    sup, t_kiosk = node(pair, town, "supervisor-1", "supervisor"), node(pair, town, "kiosk-1", "kiosk")
    c_kiosk = node(pair, county, "kiosk-1", "kiosk")
    county_service = pair["services"]["county"]
    proxy.cut()
    ticket = ask(
        t_kiosk, t_kiosk.topics.ticket_issue(), kiosk_id="kiosk-1", service_id="zh-general", channel="walk_in"
    )["ticket"]
    rid = f"h-cut-{time.monotonic_ns()}"
    reply = sup.request(
        sup.topics.supervisor_cmd("handover"),
        {"request_id": rid, "ticket_id": ticket["id"], "to_site": "county"},
        timeout=10,
    )
    assert reply["ok"] and reply["handover"]["state"] == "sent"  # the township goes on without the WAN
    caplog.set_level(logging.INFO, logger="queue_broker.handover")
    wait_for(  # the outbox sends it again meanwhile (after 1 s, 2 s, ...)
        lambda: sum(rid in r.getMessage() and "sent again" in r.getMessage() for r in caplog.records) >= 2,
        20,
        "the hand-over sent twice more during the cut",
        describe=lambda: str([r.getMessage() for r in caplog.records][-5:]),
    )
    assert status(t_kiosk, ticket["id"])["handover"]["state"] == "sent"
    assert not [p for _, p in received(ctap, "hall/township-a/handover/") if rid.encode() in p]
    before = len(county_service.engine.tickets)
    proxy.restore()
    wait_for(
        lambda: status(t_kiosk, ticket["id"])["handover"]["state"] == "accepted",
        40,
        "the hand-over delivered and accepted after the cut",
    )
    # the link held the first copy and the outbox sent more meanwhile: the county got several
    wait_for(
        lambda: (
            len([p for _, p in received(ctap, "hall/township-a/handover/county/request") if rid.encode() in p]) >= 2
        ),
        20,
        "the copies sent during the cut at the county",
    )

    def made() -> list:
        engine = county_service.engine
        return [t for t in engine.tickets.values() if engine.handover_origins.get(t.id, {}).get("handover_id") == rid]

    # a copy still on its way must not make a second ticket: a quiet period, nothing else can show it
    stays(lambda: len(made()) == 1 and len(county_service.engine.tickets) == before + 1, 1.0, "one ticket")
    # the county's own kiosk knows the ticket by its id there
    remote = status(t_kiosk, ticket["id"])["handover"]["remote_ticket"]
    assert status(c_kiosk, remote["id"])["ticket"]["state"] == "waiting"
