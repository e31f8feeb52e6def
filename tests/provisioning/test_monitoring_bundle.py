"""Provisioning turns the broker's metrics on and ships the monitoring kit in the server's bundle."""

from __future__ import annotations

import subprocess

from provisioning.generate import Options, Provisioner
from provisioning.monitoring import DASHBOARD, RULES

from .conftest import MINI_SITE


def test_a_hall_server_bundle_has_metrics_on_and_the_kit(tmp_path):
    out = tmp_path / "hall"
    Provisioner(out).init(MINI_SITE, Options(hosts=["hall.lan"]))
    broker = out / "nodes" / "broker"
    env = (broker / "node.env").read_text()
    assert "HALL_METRICS_ADDR=127.0.0.1:9464" in env
    assert "HALL_METRICS_ADDR" not in (out / "nodes" / "kiosk-1" / "node.env").read_text()
    kit = broker / "monitoring"
    assert (kit / RULES.name).read_bytes() == RULES.read_bytes()
    assert (kit / DASHBOARD.name).read_bytes() == DASHBOARD.read_bytes()
    scrape = (kit / "prometheus-hall.yaml").read_text()
    assert (
        "job_name: hall-broker" in scrape
        and "127.0.0.1:9464" in scrape
        and "/etc/hall/monitoring/hall-alerts.yaml" in scrape
    )
    install = (broker / "install.sh").read_text()
    assert "install -m 0644 monitoring/* /etc/hall/monitoring/" in install
    assert subprocess.run(["sh", "-n", str(broker / "install.sh")]).returncode == 0
    assert not (out / "nodes" / "kiosk-1" / "monitoring").exists()


def test_in_place_halls_take_any_free_metrics_port(hall):
    # `up` and the tests run several halls on one machine: a fixed port would collide
    assert hall.env("broker")["HALL_METRICS_ADDR"] == "127.0.0.1:0"
