"""`python -m provisioning up`: the sample hall on this machine serves a ticket end to end through a
simulated kiosk and counter (HallLink clients with the generated credentials, over TLS), and stops
with no process left behind. Plus the port choice beside another broker."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from provisioning.__main__ import main
from provisioning.generate import read_node_env
from provisioning.mosquitto import free_port
from provisioning.up import choose_port
from queue_broker.link import HallLink
from tests.sample_hall import SAMPLE, open_around_the_clock, sample_site, write_site_yaml

ROOT = Path(__file__).resolve().parents[2]
HOLDER = {"id_number": "411325198001010014", "name": "慕容星辰"}


def _sample_open_around_the_clock(dest: Path) -> Path:
    """The sample hall, open at every hour of every day, so the test can run at night and on Sundays."""
    dest.mkdir()
    shutil.copy(SAMPLE / "services.yaml", dest / "services.yaml")
    write_site_yaml(open_around_the_clock(sample_site()), dest / "site.yaml")
    return dest


def _link(work: Path, node: str, role: str) -> HallLink:
    env = read_node_env(work / "nodes" / node / "node.env")
    assert env["HALL_MQTT_URL"].startswith("mqtts://")
    link = HallLink(env["HALL_MQTT_URL"], "neixiang", node, role, ca_file=env["HALL_MQTT_CA_FILE"]).start()
    assert link.wait_connected(10), link.last_connack_failure
    return link


class UpRun:
    """`python -m provisioning up SITE` as a subprocess in a session of its own, its output collected."""

    def __init__(self, site: Path, work: Path, mqtt_port: int, mqtts_port: int, *options: str):
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "provisioning",
                "up",
                str(site),
                "--workdir",
                str(work),
                "--mqtt-port",
                str(mqtt_port),
                "--mqtts-port",
                str(mqtts_port),
                *options,
            ],
            # as an operator runs it (no HALL_ variable), but for the gateway's port a test picks
            env={k: v for k, v in os.environ.items() if not k.startswith("HALL_") or k == "HALL_UP_GATEWAY_PORT"},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(
            target=lambda: self.lines.extend(iter(self.proc.stdout.readline, "")), daemon=True
        )
        self._reader.start()

    @property
    def out(self) -> str:
        return "".join(self.lines)

    def started(self) -> bool:
        """The hall is up: `up` printed how to stop it."""
        return any("Ctrl-C" in line for line in self.lines)

    def stop(self, *, ctrl_c: bool) -> int:
        """SIGTERM to `up` alone, or with `ctrl_c` SIGINT to its whole process group as a terminal's Ctrl-C
        does: either way `up` must stop everything it started. Its exit status."""
        if self.proc.poll() is None:
            if ctrl_c:
                os.killpg(self.proc.pid, signal.SIGINT)
            else:
                self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(40)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            raise
        self._reader.join(5)
        return rc


def _live_in_group(pgid: int) -> list[str]:
    """Processes of a process group that still run. Not zombies: a grandchild that ends after its parent
    is adopted by PID 1, which on this machine (a sandbox's process_api, not an init) may never reap it;
    under systemd it is reaped at once."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": state ppid pgrp ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(stat[:80])
    return found


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(f"{pid}: {cmdline}")
    return found


def _operator(*args: str) -> str:
    """`python -m queue_broker ARGS` as an operator types it (no HALL_ variable set): its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HALL_")}
    run = [sys.executable, "-m", "queue_broker", *args]
    done = subprocess.run(run, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_up_serves_a_ticket_end_to_end_and_stops_clean(tmp_path, monkeypatch):
    site = _sample_open_around_the_clock(tmp_path / "neixiang")
    work = tmp_path / "work"
    p1, p2 = free_port(), free_port()
    gateway_port = free_port()
    monkeypatch.setenv("HALL_UP_GATEWAY_PORT", str(gateway_port))
    up = UpRun(site, work, p1, p2)
    proc = up.proc
    links: list[HallLink] = []
    try:
        deadline = time.monotonic() + 60
        while not up.started():
            assert proc.poll() is None, up.out
            assert time.monotonic() < deadline, up.out
            time.sleep(0.05)
        out = up.out
        assert f"127.0.0.1:{p1}" in out and f"127.0.0.1:{p2}" in out
        assert "sd_notify READY=1" in out
        assert f"log {work / 'logs' / 'broker.log'}" in out
        gateway_url = f"http://127.0.0.1:{gateway_port}"
        assert f"gateway: {gateway_url}/api/v1/hall" in out  # up starts the HTTP gateway and says where
        deadline = time.monotonic() + 120  # a dozen programs start at once on two shared cores
        while _http_status(gateway_url + "/api/v1/hall") != 200:
            assert time.monotonic() < deadline, "the gateway never answered"
            time.sleep(0.1)

        # a supervisor credential of the test's own: the sample's tablet (supervisor-1) runs under up, and two
        # clients of one id push each other off
        assert main(["node", "add", "sim-super", "--role", "supervisor", "--dir", str(work), "--reload"]) == 0
        supervisor = _link(work, "sim-super", "supervisor")
        links.append(supervisor)
        online = threading.Event()
        supervisor.subscribe(
            supervisor.topics.node_status("broker"),
            lambda topic, payload, inbound: json.loads(payload)["online"] and online.set(),
        )
        assert online.wait(10), "the queue broker's status never said online"
        # the sample's own kiosks may be running (kiosk_app): a simulated kiosk and counter terminal of
        # their own are added to the running hall, as IT staff would add a board
        assert main(["node", "add", "sim-kiosk", "--role", "kiosk", "--dir", str(work), "--reload"]) == 0
        assert (
            main(
                ["node", "add", "sim-counter", "--role", "counter", "--counter", "c01", "--dir", str(work), "--reload"]
            )
            == 0
        )
        kiosk, counter = _link(work, "sim-kiosk", "kiosk"), _link(work, "sim-counter", "counter")
        links += [kiosk, counter]
        t = kiosk.topics
        issued = kiosk.request(
            t.ticket_issue(),
            {
                "request_id": "up-1",
                "kiosk_id": "sim-kiosk",
                "service_id": "zh-consult",
                "channel": "walk_in",
                "holder": HOLDER,
            },
        )
        assert issued["ok"], issued
        ticket = issued["ticket"]
        assert ticket["number"].startswith("Z")
        assert counter.request(
            t.counter_cmd("c01", "open"), {"request_id": "up-2", "operator_id": "demo", "pin": "123456"}
        )["ok"]
        called = counter.request(t.counter_cmd("c01", "call-next"), {"request_id": "up-3"})
        assert called["ok"] and called["ticket"]["id"] == ticket["id"], called
        assert called["ticket"]["holder_masked"]["name"] == "慕***"
        assert counter.request(t.counter_cmd("c01", "start"), {"request_id": "up-4"})["ok"]
        assert counter.request(t.counter_cmd("c01", "finish"), {"request_id": "up-5", "outcome": "done"})["ok"]
        status = kiosk.request(t.ticket_status(), {"request_id": "up-6", "ticket_id": ticket["id"]})
        assert status["ticket"]["state"] == "done"
        # the operator commands given the site file read the hall `up` runs (issue 17: they read another
        # folder and showed an empty hall); up's summary says so
        assert f"python -m queue_broker status --config {site / 'site.yaml'}" in out
        tickets = _operator("tickets", "--today", "--config", str(site / "site.yaml"))
        assert "1 tickets" in tickets and ticket["number"] in tickets and "done" in tickets, tickets
        assert "综合受理" in _operator("status", "--config", str(site / "site.yaml"))
    finally:
        for link in links:
            link.stop()
        # Ctrl-C as a terminal sends it: SIGINT to every process of up's foreground group. Only `up` may
        # act on it, stopping the nodes, then the broker, then Mosquitto
        rc = up.stop(ctrl_c=True)
    out = up.out
    assert rc == 0, out
    assert "no process is left" in out, out
    assert _live_in_group(proc.pid) == []  # nothing is left running in up's process group
    assert _processes_mentioning(str(work)) == []
    # no password in what up printed or in any log
    passwords = [urlsplit(read_node_env(p)["HALL_MQTT_URL"]).password for p in (work / "nodes").glob("*/node.env")]
    assert len(passwords) >= 12
    logs = [out] + [
        p.read_text(errors="replace") for p in [*(work / "logs").glob("*.log"), *(work / "run").glob("*.log")]
    ]
    assert len(logs) >= 3
    assert not [pw for pw in passwords for text in logs if pw in text]
    assert "411325198001010014" not in "".join(logs)
    # stopped in order: no node died of the Ctrl-C itself, none lost Mosquitto before it was stopped
    node_logs = {p.name: p.read_text(errors="replace") for p in (work / "logs").glob("*.log")}
    assert not [name for name, text in node_logs.items() if "KeyboardInterrupt" in text or "Traceback" in text]
    assert not [name for name, text in node_logs.items() if "lost the MQTT broker" in text]


def test_up_takes_other_ports_when_the_usual_ones_are_taken():
    said: list[str] = []
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        port = choose_port(taken, None, set(), said.append)
        assert port != taken and said and f"port {taken} is taken" in said[0]
        from provisioning.generate import ProvisionError

        with pytest.raises(ProvisionError, match=f"port {taken} is in use"):
            choose_port(1883, taken, set(), said.append)
    free = free_port()
    assert choose_port(free, None, set(), said.append) == free


def _http_status(url: str) -> int:
    import httpx

    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.HTTPError:
        return 0
