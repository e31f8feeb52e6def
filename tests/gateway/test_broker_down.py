"""The hall server away: a stalled broker (no Last Will, no answers) gives 503 within 5 s, never a stale
state; what was sent while it stalled is done once when it comes back, and a retry with the same
request_id gets the same ticket, not a second one. The real `python -m gateway run` process serves it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import httpx

from tests.waiting import wait_for

from .conftest import PARTNER
from .process import gateway_process


def test_a_stalled_broker_is_503_within_5_s_and_nothing_is_done_twice(gateway, kiosk):
    token = kiosk.issue()["ticket"]["status_token"]
    service = gateway.hall.service
    release = threading.Event()
    real = service.process_batch

    def stalled(batch):  # the engine thread hangs: requests pile up in its inbox, none is answered
        release.wait(30)
        real(batch)

    service.process_batch = stalled
    try:
        kiosk.link.request_async(kiosk.t.ticket_status(), {"request_id": "wake", "ticket_id": "x"})  # it is now stuck
        t0 = time.monotonic()
        r = gateway.http.get(f"/api/v1/tickets/{token}")
        took = time.monotonic() - t0
        assert r.status_code == 503 and r.json()["error"]["code"] == "unavailable" and r.headers["Retry-After"]
        assert took <= 5.5, took
        body = {"service_id": "zh-general", "request_id": "while-away"}
        assert gateway.partner("POST", "/api/v1/remote-tickets", json=body).status_code == 503
    finally:
        service.process_batch = real
        release.set()
    # back: the request that waited in the broker's inbox was done once; the partner's retry gets that ticket
    again = gateway.partner("POST", "/api/v1/remote-tickets", json=body)
    assert again.status_code == 201
    wait_for(lambda: len(service.engine.tickets) == 2, 5, "the two tickets")
    assert gateway.partner("POST", "/api/v1/remote-tickets", json=body).json() == again.json()
    remote = [t for t in service.engine.tickets.values() if t.id in service.engine.remote_ticket_ids]
    assert len(remote) == 1 and remote[0].number == again.json()["number"]
    assert gateway.http.get(f"/api/v1/tickets/{token}").status_code == 200


def test_the_real_gateway_process_serves_the_sample_contract_and_stops_clean(gw_hall, tmp_path):
    env = {**os.environ, "HALL_MQTT_URL": gw_hall.url, "HALL_DATA_DIR": str(tmp_path / "gw")}
    out = subprocess.run(
        [sys.executable, "-m", "gateway", "key", "add", PARTNER], env=env, capture_output=True, text=True, check=True
    ).stdout
    key = out.split()[-1]
    with gateway_process("--config", str(gw_hall.site_path), env=env) as gateway:
        base = f"http://127.0.0.1:{gateway.port}"
        wait_for(lambda: _get(base + "/api/v1/hall") == 200, 20, "the gateway process")
        r = httpx.post(
            base + "/api/v1/remote-tickets",
            json={"service_id": "zh-general", "request_id": "proc-1"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert (
            r.status_code == 201 and httpx.get(base + f"/api/v1/tickets/{r.json()['status_token']}").status_code == 200
        )
    assert gateway.proc.returncode == 0, gateway.log
    assert "Traceback" not in gateway.log and "serving hall" in gateway.log


def _get(url: str) -> int:
    try:
        return httpx.get(url, timeout=1).status_code
    except httpx.HTTPError:
        return 0
