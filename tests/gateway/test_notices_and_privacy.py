"""Notices and personal data, through the real broker: the come-now notice is decided by the broker's rule
and sent once (outbox backend), the phone number is erased when the ticket ends (bytes of the database
read back), and no response, page, log line, notice or file of the gateway holds an ID number or a name."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from queue_broker.engine.come_now import come_now_task
from tests.waiting import stays, wait_for

from ..people import citizens, id_numbers_in, json_escaped
from .conftest import open_counter

PHONE = "13812345678"


def _outbox(gateway) -> list[dict]:
    folder = Path(gateway.gw.config.data_dir) / "notify-outbox"
    if not folder.exists():
        return []
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def _files(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.mark.gateway_settings(notify={"threshold": 0.5, "margin_min": 0})
def test_the_come_now_notice_is_sent_once_and_the_phone_goes_with_the_ticket(gateway, kiosk, desk):
    clock = gateway.hall.clock
    first = kiosk.issue()["ticket"]
    for _ in range(4):
        clock.advance(seconds=20)
        kiosk.issue()
    clock.advance(seconds=20)
    mine = kiosk.issue()["ticket"]
    token = mine["status_token"]
    open_counter(desk)
    desk.counter("W1", "call-next")  # A001 at the counter; five wait, mine last (4 ahead)
    r = gateway.http.post(
        f"/api/v1/tickets/{token}/notify", json={"channel": "sms", "address": PHONE, "travel_min": 10}
    )
    assert r.status_code == 202 and r.json()["notify_id"].startswith("n_")
    assert gateway.hall.service.engine.notice_requests[mine["id"]].travel_min == 10  # the broker knows the time...
    db = gateway.data_dir / "gateway" / "notices.sqlite"
    assert PHONE.encode() in db.read_bytes()  # ...and only the gateway the number
    view = gateway.http.get(f"/api/v1/tickets/{token}").json()
    assert view["notice"] == {"channel": "sms", "travel_min": 10, "come_now": False}
    assert _outbox(gateway) == []  # not yet: four ahead at 8 minutes each

    # the rule runs at the broker's tick: a task of ours, run after it, says when a tick saw the new time
    ticks: list = []
    gateway.hall.service.tick_tasks.append(lambda engine, now: ticks.append(now) or [])
    notice = gateway.hall.service.engine.notice_requests[mine["id"]]
    while notice.due_at is None:
        clock.advance(minutes=8)
        called = desk.counter("W1", "call-next")["ticket"]
        assert called is not None and called["id"] != mine["id"], "called before the notice"
        at = clock()
        wait_for(lambda at=at: ticks and ticks[-1] >= at, 10, "a broker tick after the clock moved")
        notice = gateway.hall.service.engine.notice_requests[mine["id"]]
    wait_for(lambda: _outbox(gateway), 10, "the come-now notice in the gateway's outbox")
    notices = _outbox(gateway)
    assert len(notices) == 1
    n = notices[0]
    assert n["kind"] == "come_now" and n["channel"] == "sms" and n["to"] == "138****5678"
    assert mine["number"] in n["text"] and "10分钟" in n["text"] and token in n["text"]
    assert gateway.http.get(f"/api/v1/tickets/{token}").json()["notice"]["come_now"] is True
    assert gateway.hall.service.engine.notice_requests[mine["id"]].due_at is not None

    while desk.counter("W1", "call-next")["ticket"]["id"] != mine["id"]:
        clock.advance(minutes=8)
    # the call adds nothing, one notice per ticket: nothing can show "no second notice" sooner than a wait
    stays(lambda: len(_outbox(gateway)) == 1, 1.0, "one notice for the ticket, the call adding none")
    clock.advance(minutes=6)
    desk.counter("W1", "finish", outcome="done")
    wait_for(lambda: PHONE.encode() not in db.read_bytes(), 5, "the phone number erased")
    assert PHONE.encode() not in _files(gateway.data_dir)
    assert first["id"] not in db.read_bytes().decode("latin-1")


def test_far_away_is_told_at_once_web_needs_no_address_and_a_call_first_is_the_notice(gateway, kiosk, desk):
    a, b = kiosk.issue()["ticket"], kiosk.issue()["ticket"]
    r = gateway.http.post(f"/api/v1/tickets/{a['status_token']}/notify", json={"channel": "web", "travel_min": 0})
    assert r.status_code == 202
    open_counter(desk)
    wait_for(
        lambda: gateway.http.get(f"/api/v1/tickets/{a['status_token']}").json()["notice"]["come_now"], 5, "web notice"
    )
    assert _outbox(gateway) == []  # the page's own alert: nothing leaves the gateway
    # two hours away with one ahead: the call within 123 minutes is all but certain, so the notice goes at once
    r = gateway.http.post(
        f"/api/v1/tickets/{b['status_token']}/notify", json={"channel": "sms", "address": PHONE, "travel_min": 120}
    )
    assert r.status_code == 202
    wait_for(lambda: len(_outbox(gateway)) == 1, 5, "b's notice")
    assert _outbox(gateway)[0]["kind"] == "come_now"
    desk.counter("W1", "call-next")
    gateway.hall.clock.advance(minutes=1)
    desk.counter("W1", "call-next")  # b called: no second notice
    # nothing can show "no second notice" sooner than a quiet while
    stays(lambda: len(_outbox(gateway)) == 1, 1.0, "b's one notice, its call adding none")
    called = gateway.http.post(
        f"/api/v1/tickets/{b['status_token']}/notify", json={"channel": "sms", "address": PHONE, "travel_min": 5}
    )
    assert called.status_code == 409  # no longer waiting

    # a call that comes before the notice was due is the notice (no counter serves SB yet: not due)
    c = kiosk.issue(service="sb-card")["ticket"]
    r = gateway.http.post(
        f"/api/v1/tickets/{c['status_token']}/notify",
        json={"channel": "sms", "address": "13900000009", "travel_min": 0},
    )
    assert r.status_code == 202
    # a broker tick or two (0.2 s each) while no counter serves SB: the come-now rule must not fire
    stays(lambda: len(_outbox(gateway)) == 1, 1.2, "no notice for c before a counter serves it")
    gateway.hall.service.tick_tasks.remove(come_now_task)  # no tick between the counter opening and its call
    open_counter(desk, "W3")
    desk.counter("W3", "call-next")
    wait_for(lambda: len(_outbox(gateway)) == 2, 5, "c's notice")
    last = _outbox(gateway)[-1]
    assert last["kind"] == "called" and "3号窗口" in last["text"] and last["to"] == "139****0009"


@pytest.mark.gateway_settings(limits={"per_address_per_s": 1000})
def test_no_id_number_or_name_anywhere_and_phones_gone_after_the_day(gateway, kiosk, desk, caplog):
    caplog.set_level(logging.DEBUG)
    people = citizens(8, 2026)
    bodies: list[str] = []

    def keep(r):
        bodies.append(r.text)
        return r

    tokens, numbers = [], set()
    for i, person in enumerate(people[:4]):
        r = keep(
            gateway.partner(
                "POST",
                "/api/v1/remote-tickets",
                json={
                    "service_id": ["zh-general", "bdc-transfer"][i % 2],
                    "holder": person,
                    "phone": f"1390000000{i}",
                    "request_id": f"p{i}",
                },
            )
        )
        assert r.status_code == 201, r.text
        tokens.append(r.json()["status_token"])
        numbers.add(r.json()["number"])
    for i, person in enumerate(people[4:]):
        r = keep(
            gateway.partner(
                "POST",
                "/api/v1/appointments",
                json={
                    "service_id": "zh-general",
                    "slot_start": f"2026-11-27T1{i}:00:00+08:00",
                    "holder": person,
                    "phone": f"1370000000{i}",
                    "request_id": f"a{i}",
                },
            )
        )
        assert r.status_code == 201, r.text
        keep(gateway.partner("GET", f"/api/v1/appointments/{r.json()['appointment_id']}"))
    keep(
        gateway.partner(
            "POST",
            "/api/v1/remote-tickets",
            json={"service_id": "zh-general", "holder": people[0], "request_id": "dup"},
        )
    )
    bad = {**people[1], "id_number": people[1]["id_number"][:-1] + "0"}
    if bad["id_number"] == people[1]["id_number"]:
        bad["id_number"] = bad["id_number"][:-1] + "1"
    keep(
        gateway.partner(
            "POST", "/api/v1/remote-tickets", json={"service_id": "zh-general", "holder": bad, "request_id": "bad"}
        )
    )
    open_counter(desk)
    for token in tokens:
        keep(gateway.http.get(f"/api/v1/tickets/{token}"))
        keep(gateway.http.get(f"/t/{token}"))
        keep(gateway.http.get(f"/t/{token}?lang=en"))
    keep(gateway.http.get("/api/v1/hall"))
    desk.counter("W2", "open", operator_id="demo", pin="123456")
    called = 0
    for _ in tokens:  # serve them all: their notices go out (come-now or the call), then their phones go
        gateway.hall.clock.advance(minutes=3)
        for counter in ("W1", "W2"):
            ticket = desk.counter(counter, "call-next")["ticket"]
            called += ticket is not None and ticket["number"] in numbers
        # minutes at a counter, in a hall: the call's notice leaves before the citizen does
        wait_for(
            lambda n=called: sum(x["kind"] != "booked" for x in _outbox(gateway)) >= n, 10, f"{called} calls' notices"
        )
    gateway.hall.clock.advance(minutes=3)
    desk.counter("W1", "finish", outcome="done")
    desk.counter("W2", "finish", outcome="done")
    for token in tokens:
        keep(gateway.http.get(f"/api/v1/tickets/{token}"))

    folder = gateway.data_dir
    everything = "\n".join(bodies) + caplog.text + _files(folder).decode("utf-8", "replace")
    everything += json.dumps(_outbox(gateway), ensure_ascii=False)
    found = id_numbers_in(everything)
    assert not found & {p["id_number"] for p in people + [bad]}, "an ID number left the gateway"
    for p in people:
        assert p["name"] not in everything and json_escaped(p["name"]) not in everything, p["name"]
    # the check can fail: the holders did travel to the broker, on cmd/ticket/issue and cmd/appointment/book
    assert all(t.holder_hash for t in gateway.hall.service.engine.tickets.values() if t.id.endswith(("A001", "B001")))

    # the tickets ended: their phones are gone from every file; the appointments' go when they end
    for i in range(4):
        wait_for(lambda i=i: f"1390000000{i}".encode() not in _files(folder / "gateway"), 5, f"phone {i} erased")
    for code, _ in gateway.gw.notices.store.appointment_contacts():
        gateway.partner("DELETE", f"/api/v1/appointments/{code}")
    for i in range(4):
        assert f"1370000000{i}".encode() not in _files(folder / "gateway")
    assert all("****" in n["to"] for n in _outbox(gateway))
