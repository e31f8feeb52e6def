"""One queue broker per hall (issue 17): `python -m queue_broker run` refuses to start where another live
broker of the same site already answers on the MQTT broker, or on the same data folder; a stale retained
`online` status (a broker that is gone) does not stop it. A real Mosquitto, real broker processes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import yaml

from queue_broker.link import HallLink

from .conftest import MINI, BrokerProcess


def _site(tmp_path: Path, site_id: str) -> Path:
    raw = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    raw["site"]["id"] = site_id
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _answers(url: str, site_id: str) -> bool:
    """A kiosk's question to the hall's broker gets an answer."""
    link = HallLink(url, site_id, f"kiosk-check-{time.monotonic_ns()}", "kiosk").start()
    try:
        assert link.wait_connected(5)
        reply = link.request(link.topics.ticket_status(), {"request_id": f"r-{time.monotonic_ns()}", "ticket_id": "x"})
        return reply["ok"] is False and reply["error"]["code"] == "not_found"
    finally:
        link.stop()


def test_a_second_broker_of_the_same_hall_is_refused(mosquitto, site_id, tmp_path):
    site = _site(tmp_path, site_id)
    first = BrokerProcess(site, mosquitto.url, tmp_path / "first")
    try:
        first.wait_running()
        assert "anonymous" in first.out and mosquitto.url.split("//")[1] in first.out  # says what it connects to
        # another data folder, same MQTT broker: the first one answers there, so no second broker
        second = BrokerProcess(site, mosquitto.url, tmp_path / "second")
        assert second.finished() == 2, second.out
        assert f"another queue broker of hall {site_id} already answers" in second.out
        assert not (tmp_path / "second" / "hall.db").exists()  # it did nothing
        # the same data folder: refused at once, whatever MQTT broker it is given
        third = BrokerProcess(site, "mqtt://127.0.0.1:9", tmp_path / "first")
        assert third.finished() == 2, third.out
        assert f"another queue broker (pid {first.proc.pid}) is running on the data folder" in third.out
        assert _answers(mosquitto.url, site_id)  # the first one was never displaced
    finally:
        assert first.stop() == 0, first.out


def test_a_stale_online_status_does_not_stop_a_broker(mosquitto, site_id, tmp_path):
    """A retained `online` status with no broker behind it (its Last Will lost): the new broker asks, gets
    no answer, says so and starts."""
    ghost = HallLink(mosquitto.url, site_id, f"ghost-{site_id}", "supervisor").start()
    assert ghost.wait_connected(5)
    status = {"online": True, "role": "broker", "version": "0.0.1", "at": "2026-11-27T08:00:00+08:00"}
    ghost.publish(ghost.topics.node_status("broker"), json.dumps(status), qos=1, retain=True)
    ghost.stop()
    run = BrokerProcess(_site(tmp_path, site_id), mosquitto.url, tmp_path / "data")
    try:
        run.wait_running()
        assert "does not answer: a stale status, starting" in run.out
        assert _answers(mosquitto.url, site_id)
    finally:
        assert run.stop() == 0, run.out
