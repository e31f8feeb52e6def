"""`python -m provisioning up` starts the county link of a hall that was bridged to its county, and stops it.

A township (the mini site with no node but its server, so nothing graphical starts) is provisioned into
a work folder as `up` does it, bridged to a county whose generated Mosquitto runs here; then `up` runs on
that folder as a subprocess. The county's broker getting the township's state proves the link runs;
after SIGTERM to `up`, nothing of it is left."""

from __future__ import annotations

import sys

import yaml

from provisioning.__main__ import main
from provisioning.generate import Options, Provisioner
from provisioning.mosquitto import free_pair, free_port, port_open
from tests.waiting import wait_for

from ..provisioning.test_up import UpRun, _processes_mentioning
from .conftest import MINI_SITE, HallDir
from .test_two_halls import _tap, received


def test_up_starts_the_county_link_and_stops_it(tmp_path):
    county = HallDir(tmp_path, "county")
    raw = yaml.safe_load(MINI_SITE.read_text(encoding="utf-8"))
    raw["site"] = {**raw["site"], "id": "township-a", "name": "测试镇便民服务中心"}
    raw["nodes"] = []
    site = tmp_path / "township-a.yaml"
    site.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    work, p1, p2, link_port = tmp_path / "work", free_port(), free_port(), free_pair()
    Provisioner(work).init(
        site,
        Options(
            hosts=["127.0.0.1"], mqtt_port=p1, mqtts_port=p2, bind="127.0.0.1", in_place=True, python=sys.executable
        ),
    )
    assert (
        main(
            [
                "bridge",
                str(work),
                "--county",
                str(county.out),
                "--link-port",
                str(link_port),
                "--restart-timeout",
                "1",
                "--keepalive",
                "5",
            ]
        )
        == 0
    )
    reader = county.county_reader("overview")  # what a county overview reads with (role county-reader)
    county.start()
    tap = _tap(county, *reader, topic="hall/township-a/#")
    up = UpRun(site, work, p1, p2)
    try:
        wait_for(lambda: up.started() or up.proc.poll() is not None, 60, "up to start")
        out = up.out
        assert up.proc.poll() is None, out
        assert "county-link" in out and "skipped: county-link" not in out, out
        wait_for(lambda: port_open("127.0.0.1", link_port), 10, "the link's listener")
        wait_for(
            lambda: received(tap, "hall/township-a/state/queues"),
            20,
            "the township's state at the county, through the link up started",
        )
    finally:
        tap.stop()
        rc = up.stop(ctrl_c=False)  # SIGTERM to `up` alone, as systemd or a script would stop it
        county.stop()
    out = up.out
    assert rc == 0 and "no process is left" in out, out
    wait_for(lambda: not port_open("127.0.0.1", link_port), 5, "the link's Mosquitto gone")
    assert _processes_mentioning(str(work)) == []  # and its stunnel, and the script
