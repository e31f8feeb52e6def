"""The gateway under test: its ASGI app served by uvicorn on a free port, talking over the session's real
Mosquitto to the real queue broker (HallService with an injected clock), as any node does."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import yaml

from gateway.__main__ import build
from provisioning.mosquitto import free_port
from queue_broker.engine.come_now import come_now_task

from ..broker.conftest import MINI, TZ, Hall, Node
from ..clock import Clock

PARTNER = "yushiban"


def gateway_site(tmp_path: Path, site_id: str, url: str, **gateway: Any) -> Path:
    """The mini hall's site file with a gateway node and section, written for this test."""
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    data["site"]["id"] = site_id
    data["mqtt"] = {"url": url}
    data["nodes"].append({"id": "gateway", "role": "gateway"})
    # the tests poll on loopback faster than a phone would: the per-address limit is the flood test's own
    data["gateway"] = {"public_url": "https://hall.example.gov.cn/q", "limits": {"per_address_per_s": 1000}, **gateway}
    data["services_file"] = None
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


class Served:
    """An ASGI app on uvicorn in a thread, on a free loopback port."""

    def __init__(self, app: Any):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="gateway-uvicorn", daemon=True)

    def start(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the gateway did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


class GatewayUnderTest:
    def __init__(self, hall: Hall, site: Path, data_dir: Path):
        self.hall = hall
        self.site = site
        self.data_dir = data_dir
        env = {"HALL_MQTT_URL": hall.url, "HALL_DATA_DIR": str(data_dir)}
        self.gw, self.app = build(str(site), None, None, env=env)
        self.gw.clock = hall.clock  # one time for the hall and its door
        self.served = Served(self.app).start()
        self.base = self.served.base
        self.http = httpx.Client(base_url=self.base, timeout=10.0)
        self.key = self.gw.keys.add(PARTNER)
        deadline = time.monotonic() + 10
        while True:  # the retained state has arrived: the hall answers
            if self.http.get("/api/v1/hall").status_code == 200:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the gateway never heard the hall's state")
            time.sleep(0.05)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def partner(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {**self.auth, **kw.pop("headers", {})}
        return self.http.request(method, path, headers=headers, **kw)

    def stop(self) -> None:
        self.http.close()
        self.served.stop()


@pytest.fixture
def clock():
    return Clock(datetime(2026, 11, 27, 9, 0, tzinfo=TZ))  # a Friday morning; the mini hall never closes


@pytest.fixture
def gw_hall(mosquitto, site_id, tmp_path, clock, request):
    """The real broker on the mini hall (its gateway section from the test's `gateway_settings` marker)."""
    marker = request.node.get_closest_marker("gateway_settings")
    settings = marker.kwargs if marker else {}
    site = gateway_site(tmp_path, site_id, mosquitto.url, **settings)
    h = Hall(mosquitto.url, site_id, tmp_path / "broker-data", clock, config_path=site)
    h.start()
    h.service.tick_tasks.append(come_now_task)  # the broker's task (service/tasks.py) that decides notices
    h.site_path = site
    yield h
    h.close()


@pytest.fixture
def gateway(gw_hall, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    g = GatewayUnderTest(gw_hall, gw_hall.site_path, tmp_path / "gateway-data")
    yield g
    g.stop()


@pytest.fixture
def kiosk(gw_hall) -> Node:
    return gw_hall.node("kiosk-1", "kiosk")


@pytest.fixture
def desk(gw_hall) -> Node:
    """The counter terminal of W1."""
    return gw_hall.node("counter-W1", "counter")


def open_counter(desk: Node, counter: str = "W1") -> None:
    assert desk.counter(counter, "open", operator_id="demo", pin="123456")["ok"]
