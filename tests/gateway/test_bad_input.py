"""Every row of the contract's error table (docs/gateway-api.md "Errors"), each with its JSON error, no
500 and no stack trace, nothing half-done in the broker; and the rate limits, including a flood of
1,000 requests a second from one address while a kiosk keeps issuing tickets."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from ..people import citizens
from .conftest import open_counter

PERSON = citizens(1, 7)[0]


def _error(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]
    assert "Traceback" not in r.text and 'File "' not in r.text
    return body["error"]


@pytest.mark.gateway_settings(limits={"per_address_per_s": 1000})  # this test alone sends ~40 at once
def test_every_error_row_is_json_and_changes_nothing(gateway, kiosk):
    h, p = gateway.http, gateway.partner
    t = kiosk.issue()["ticket"]
    token = t["status_token"]
    # 400: junk JSON, and JSON that is not an object
    _error(
        h.post(f"/api/v1/tickets/{token}/rating", content=b"{level: 5", headers={"Content-Type": "application/json"}),
        400,
        "bad_json",
    )
    _error(
        p("POST", "/api/v1/remote-tickets", content=b"[1, 2]", headers={"Content-Type": "application/json"}),
        400,
        "bad_json",
    )
    # 422: wrong types, missing fields, out of range; the field is named
    assert _error(h.post(f"/api/v1/tickets/{token}/rating", json={"level": "5"}), 422, "invalid")["field"] == "level"
    assert _error(h.post(f"/api/v1/tickets/{token}/rating", json={"level": 9}), 422, "invalid")["field"] == "level"
    assert (
        _error(h.post(f"/api/v1/tickets/{token}/notify", json={"channel": "sms", "travel_min": 10}), 422, "invalid")[
            "field"
        ]
        == "address"
    )
    assert (
        _error(h.post(f"/api/v1/tickets/{token}/notify", json={"channel": "fax", "travel_min": 10}), 422, "invalid")[
            "field"
        ]
        == "channel"
    )
    assert (
        _error(h.post(f"/api/v1/tickets/{token}/notify", json={"channel": "web", "travel_min": True}), 422, "invalid")[
            "field"
        ]
        == "travel_min"
    )
    assert (
        _error(p("POST", "/api/v1/remote-tickets", json={"service_id": "zh-general"}), 422, "invalid")["field"]
        == "request_id"
    )
    # unknown service: 422 on the field; nothing issued
    assert (
        _error(p("POST", "/api/v1/remote-tickets", json={"service_id": "no-such", "request_id": "u"}), 422, "invalid")[
            "field"
        ]
        == "service_id"
    )
    bad_card = {**PERSON, "id_number": PERSON["id_number"][:-1] + ("0" if PERSON["id_number"][-1] != "0" else "1")}
    err = _error(
        p("POST", "/api/v1/remote-tickets", json={"service_id": "zh-general", "holder": bad_card, "request_id": "c"}),
        422,
        "invalid",
    )
    assert err["field"] == "holder.id_number" and bad_card["id_number"] not in err["message"]
    # past and full slots
    assert (
        _error(p("GET", "/api/v1/slots", params={"service_id": "zh-general", "date": "2026-13-40"}), 422, "invalid")[
            "field"
        ]
        == "date"
    )
    _error(
        p(
            "POST",
            "/api/v1/appointments",
            json={
                "service_id": "zh-general",
                "slot_start": "2026-11-27T08:00:00+08:00",
                "holder": PERSON,
                "request_id": "p",
            },
        ),
        409,
        "conflict",
    )
    _error(
        p(
            "POST",
            "/api/v1/appointments",
            json={"service_id": "zh-general", "slot_start": "2026-11-27T10:00:00", "holder": PERSON, "request_id": "n"},
        ),
        422,
        "invalid",
    )  # a time without its offset
    # 401: no key, an unknown key, a malformed header
    _error(h.get("/api/v1/slots", params={"service_id": "zh-general", "date": "2026-11-27"}), 401, "unauthorized")
    _error(
        h.get(
            "/api/v1/slots",
            params={"service_id": "zh-general", "date": "2026-11-27"},
            headers={"Authorization": "Bearer hgk_wrong"},
        ),
        401,
        "unauthorized",
    )
    _error(h.post("/api/v1/remote-tickets", json={}, headers={"Authorization": "Basic eDp5"}), 401, "unauthorized")
    # 404: a tampered token, an unknown one, a malformed one, an unknown route: all alike
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (tampered, "A" * 22, "../../etc/passwd", "x"):
        _error(h.get(f"/api/v1/tickets/{bad}"), 404, "not_found")
    _error(h.post(f"/api/v1/tickets/{tampered}/cancel"), 404, "not_found")
    assert h.get(f"/t/{tampered}").status_code == 404 and "不存在" in h.get(f"/t/{tampered}").text
    _error(h.get("/api/v1/nothing-here"), 404, "not_found")
    _error(h.put("/api/v1/hall"), 405, "method_not_allowed")
    # 413: a body over 16 KiB (a 1 MB one), announced or streamed without a length
    big = b'{"level": 5, "comment": "' + b"x" * 1_000_000 + b'"}'
    _error(
        h.post(f"/api/v1/tickets/{token}/rating", content=big, headers={"Content-Type": "application/json"}),
        413,
        "too_large",
    )

    def chunks():
        for _ in range(64):
            yield b" " * 1024

    _error(
        h.post(f"/api/v1/tickets/{token}/rating", content=chunks(), headers={"Content-Type": "application/json"}),
        413,
        "too_large",
    )
    # Accept-Language: English when asked
    assert _error(
        h.get(f"/api/v1/tickets/{tampered}", headers={"Accept-Language": "en-US,en;q=0.9"}), 404, "not_found"
    )["message"].startswith("Not found")
    assert (
        "没有找到"
        in _error(h.get(f"/api/v1/tickets/{tampered}", headers={"Accept-Language": "zh-CN"}), 404, "not_found")[
            "message"
        ]
    )

    engine = gateway.hall.service.engine
    assert list(engine.tickets) == [t["id"]] and engine.appointments == {} and engine.ratings == {}
    assert engine.notice_requests == {} and engine.tickets[t["id"]].state == "waiting"


def test_five_posts_a_minute_per_token(gateway, kiosk):
    token = kiosk.issue()["ticket"]["status_token"]
    for _ in range(5):
        assert gateway.http.post(f"/api/v1/tickets/{token}/rating", json={"level": 5}).status_code == 409  # not served
    r = gateway.http.post(f"/api/v1/tickets/{token}/rating", json={"level": 5})
    err = _error(r, 429, "rate_limited")
    assert 1 <= int(r.headers["Retry-After"]) <= 60 and err["message"]
    assert gateway.http.get(f"/api/v1/tickets/{token}").status_code == 200  # reading is not a post


@pytest.mark.gateway_settings(limits={"per_address_per_s": 20})
def test_a_flood_from_one_address_is_limited_and_the_kiosks_do_not_notice(gateway, kiosk, desk):
    token = kiosk.issue()["ticket"]["status_token"]
    open_counter(desk)

    before = []
    for _ in range(5):  # the kiosk's own latency on this (shared, busy) machine, before the flood
        t0 = time.monotonic()
        kiosk.issue()
        before.append(time.monotonic() - t0)

    async def flood() -> list[int]:
        # 20 keep-alive connections: the flood is requests, not a storm of TCP connects
        limits = httpx.Limits(max_connections=20, max_keepalive_connections=20)
        async with httpx.AsyncClient(base_url=gateway.base, limits=limits, timeout=60) as c:

            async def one(i: int) -> int:
                await asyncio.sleep(i / 1000)  # 1,000 requests spread over one second
                return (await c.get(f"/api/v1/tickets/{token}")).status_code

            return await asyncio.gather(*(one(i) for i in range(1000)))

    kiosk_times: list[float] = []
    other: list[int] = []

    async def everyone_else() -> None:
        loop = asyncio.get_running_loop()
        async with httpx.AsyncClient(
            base_url=gateway.base, transport=httpx.AsyncHTTPTransport(local_address="127.0.0.2"), timeout=10
        ) as c:
            for _ in range(10):
                t0 = time.monotonic()
                await loop.run_in_executor(None, kiosk.issue)
                kiosk_times.append(time.monotonic() - t0)
                other.append((await c.get(f"/api/v1/tickets/{token}")).status_code)
                await asyncio.sleep(0.1)

    async def both() -> list[int]:
        codes, _ = await asyncio.gather(flood(), everyone_else())
        return codes

    t0 = time.monotonic()
    codes = asyncio.run(both())
    took = time.monotonic() - t0
    assert set(codes) <= {200, 429}
    ok = codes.count(200)
    assert ok <= 20 * took + 20 + 1, (ok, took)  # the bucket: 20 a second, a burst of 20
    assert codes.count(429) >= 1000 - ok
    assert other == [200] * 10  # another address is served all along
    # the hall's kiosks are unaffected: the broker never saw the flood
    assert max(kiosk_times) < max(1.0, 5 * max(before)), (kiosk_times, before)
    assert len(gateway.hall.service.engine.tickets) == 16
