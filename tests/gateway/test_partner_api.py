"""The partner routes against the real broker: keys, slots with the appointment share, bookings (idempotent,
full, past, cancelled, checked in at the kiosk), remote same-day tickets with the site's switches and limits."""

from __future__ import annotations

import pytest

from gateway.__main__ import main as gateway_cli

from ..people import citizens
from .conftest import PARTNER, open_counter

PEOPLE = citizens(6, 1918)


def test_keys_are_shown_once_stored_hashed_and_revoked_at_once(gateway, tmp_path, capsys, monkeypatch):
    folder = gateway.data_dir / "gateway"
    stored = (folder / "partner-keys.json").read_text()
    assert gateway.key not in stored and PARTNER in stored
    assert oct((folder / "partner-keys.json").stat().st_mode & 0o777) == "0o600"
    monkeypatch.setenv("HALL_DATA_DIR", str(gateway.data_dir))
    assert gateway_cli(["key", "add", "wankuaiban"]) == 0
    new_key = capsys.readouterr().out.split()[-1]  # the key is the last word of the output
    assert (
        gateway.http.get(
            "/api/v1/slots",
            params={"service_id": "zh-general", "date": "2026-11-27"},
            headers={"Authorization": f"Bearer {new_key}"},
        ).status_code
        == 200
    )
    assert gateway_cli(["key", "revoke", "wankuaiban"]) == 0
    r = gateway.http.get(
        "/api/v1/slots",
        params={"service_id": "zh-general", "date": "2026-11-27"},
        headers={"Authorization": f"Bearer {new_key}"},
    )
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert gateway_cli(["key", "revoke", "nobody"]) == 2
    assert (
        gateway.http.get("/api/v1/slots", params={"service_id": "zh-general", "date": "2026-11-27"}).status_code == 401
    )


def test_slots_book_look_up_cancel(gateway, kiosk):
    slots = gateway.partner("GET", "/api/v1/slots", params={"service_id": "bdc-transfer", "date": "2026-11-27"}).json()
    assert [s["capacity"] for s in slots][:1] == [2]  # 4 a slot, half kept for walk-ins (mini hall)
    past = [s for s in slots if s["start"] < "2026-11-27T09:00"]
    assert past and all(s["available"] == 0 for s in past)
    start = "2026-11-27T10:00:00+08:00"
    body = {"service_id": "bdc-transfer", "slot_start": start, "holder": PEOPLE[0], "request_id": "b-1"}
    r = gateway.partner("POST", "/api/v1/appointments", json=body)
    assert r.status_code == 201, r.text
    appt = r.json()
    assert appt["appointment_id"] and appt["slot_end"].startswith("2026-11-27T10:30")
    assert appt["check_in"] == {"from": "2026-11-27T09:30:00+08:00", "until": "2026-11-27T10:15:00+08:00"}
    assert gateway.partner("POST", "/api/v1/appointments", json=body).json() == appt  # idempotent on request_id
    second = gateway.partner("POST", "/api/v1/appointments", json={**body, "holder": PEOPLE[1], "request_id": "b-2"})
    assert second.status_code == 201
    full = gateway.partner("POST", "/api/v1/appointments", json={**body, "holder": PEOPLE[2], "request_id": "b-3"})
    assert full.status_code == 409 and full.json()["error"]["code"] == "slot_full"
    after = gateway.partner("GET", "/api/v1/slots", params={"service_id": "bdc-transfer", "date": "2026-11-27"}).json()
    ten = next(s for s in after if s["start"] == start)
    assert (ten["booked"], ten["available"]) == (2, 0)
    gone = gateway.partner(
        "POST", "/api/v1/appointments", json={**body, "slot_start": "2026-11-27T08:00:00+08:00", "request_id": "b-4"}
    )
    assert gone.status_code == 409  # that slot has begun

    looked = gateway.partner("GET", f"/api/v1/appointments/{appt['appointment_id']}").json()
    assert looked["status"] == "booked" and looked["service_id"] == "bdc-transfer" and "ticket" not in looked
    # checked in at the kiosk by code, as today: the partner then sees the ticket and its token
    gateway.hall.clock.advance(minutes=45)
    issued = kiosk.issue(channel="appointment", appointment_code=appt["code"])
    assert issued["appointment_status"] == "on_time"
    looked = gateway.partner("GET", f"/api/v1/appointments/{appt['appointment_id']}").json()
    assert looked["status"] == "checked_in"
    assert looked["ticket"] == {"number": issued["ticket"]["number"], "status_token": issued["ticket"]["status_token"]}
    refused = gateway.partner("DELETE", f"/api/v1/appointments/{appt['appointment_id']}")
    assert refused.status_code == 409

    other = second.json()["appointment_id"]
    assert gateway.partner("DELETE", f"/api/v1/appointments/{other}").json() == {"status": "cancelled"}
    assert gateway.partner("GET", f"/api/v1/appointments/{other}").json()["status"] == "cancelled"
    assert gateway.partner("GET", "/api/v1/appointments/NOSUCHID").status_code == 404


def test_a_partner_sees_only_its_own_appointments(gateway, monkeypatch, capsys):
    r = gateway.partner(
        "POST",
        "/api/v1/appointments",
        json={
            "service_id": "zh-general",
            "slot_start": "2026-11-27T11:00:00+08:00",
            "holder": PEOPLE[3],
            "request_id": "x",
        },
    )
    code = r.json()["appointment_id"]
    other_key = gateway.gw.keys.add("other-app")
    auth = {"Authorization": f"Bearer {other_key}"}
    assert gateway.http.get(f"/api/v1/appointments/{code}", headers=auth).status_code == 404
    assert gateway.http.delete(f"/api/v1/appointments/{code}", headers=auth).status_code == 404
    assert gateway.partner("GET", f"/api/v1/appointments/{code}").json()["status"] == "booked"


def test_remote_tickets_with_limits_and_the_item_switch(gateway, desk):
    body = {"service_id": "zh-general", "holder": PEOPLE[4], "request_id": "rt-1"}
    r = gateway.partner("POST", "/api/v1/remote-tickets", json=body)
    assert r.status_code == 201, r.text
    t = r.json()
    assert t["number"] == "A001" and t["status_url"].endswith("/t/" + t["status_token"])
    assert t["estimate"]["lo_min"] <= t["estimate"]["hi_min"]
    assert gateway.partner("POST", "/api/v1/remote-tickets", json=body).json() == t  # idempotent
    again = gateway.partner("POST", "/api/v1/remote-tickets", json={**body, "request_id": "rt-2"})
    assert again.status_code == 429 and again.json()["error"]["code"] == "limit" and again.headers["Retry-After"]
    view = gateway.http.get(f"/api/v1/tickets/{t['status_token']}").json()
    assert view["channel"] == "remote" and view["status"] == "waiting"
    # served and gone: the holder may take another remote place for the item
    open_counter(desk)
    desk.counter("W1", "call-next")
    desk.counter("W1", "finish", outcome="done")
    assert gateway.partner("POST", "/api/v1/remote-tickets", json={**body, "request_id": "rt-3"}).status_code == 201


@pytest.mark.gateway_settings(remote_tickets={"service_ids": ["zh-general"]})
def test_an_item_without_remote_tickets_is_403(gateway):
    r = gateway.partner("POST", "/api/v1/remote-tickets", json={"service_id": "bdc-transfer", "request_id": "no"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "remote_ticket_off"
    assert gateway.hall.service.engine.tickets == {}


@pytest.mark.gateway_settings(remote_tickets={"share": 0.01})
def test_the_days_share_of_remote_tickets(gateway):
    # SB: daily cap 50 in the mini hall, 1 % of it is 0 places
    r = gateway.partner("POST", "/api/v1/remote-tickets", json={"service_id": "sb-card", "request_id": "share"})
    assert r.status_code == 429 and r.json()["error"]["code"] == "limit"
    assert gateway.hall.service.engine.tickets == {}
