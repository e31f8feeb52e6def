"""Halls of one county on this machine: each hall provisioned by `init` from the mini site under its own
site id, bridged by `python -m provisioning bridge`, with real Mosquittos running the generated files."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import yaml

from provisioning.__main__ import main
from provisioning.generate import Options, Provisioner, read_node_env
from provisioning.mosquitto import MosquittoProcess, free_pair, free_port, port_open
from provisioning.passwd import hash_password, read_passwd, write_passwd
from queue_broker.link import HallLink
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
MINI_SITE = ROOT / "tests" / "fixtures" / "mini-site.yaml"
TZ = ZoneInfo("Asia/Shanghai")
NAMES = {"county": "测试县政务服务中心", "city": "测试市政务服务中心"}


class HallDir:
    """One provisioned hall: its folder, ports, and its Mosquitto once started."""

    def __init__(self, root: Path, site: str):
        self.site = site
        self.mqtt_port = free_port()
        self.mqtts_port = free_port()
        self.link_port = free_pair()  # the link's listener and, on the next port, its stunnel
        raw = yaml.safe_load(MINI_SITE.read_text(encoding="utf-8"))
        raw["site"] = {**raw["site"], "id": site, "name": NAMES.get(site, f"测试镇便民服务中心 {site}")}
        site_file = root / f"{site}.yaml"
        site_file.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
        self.out = root / site
        self.prov = Provisioner(self.out)
        self.prov.init(
            site_file,
            Options(
                hosts=["127.0.0.1"],
                mqtt_port=self.mqtt_port,
                mqtts_port=self.mqtts_port,
                bind="127.0.0.1",
                in_place=True,
            ),
        )
        self.mosquitto: MosquittoProcess | None = None
        self.link: subprocess.Popen | None = None

    @property
    def mq(self) -> Path:
        return self.prov.mosquitto_dir

    @property
    def ca_file(self) -> str:
        return str(self.out / "ca" / "ca.crt")

    def env(self, node: str) -> dict[str, str]:
        return read_node_env(self.out / "nodes" / node / "node.env")

    def password(self, node: str) -> str:
        return urlsplit(self.env(node)["HALL_MQTT_URL"]).password

    def county_reader(self, name: str, node: str | None = None) -> tuple[str, str]:
        """A reader made by `python -m provisioning reader` (role county-reader); its user and password, as
        the tablet gets them (the URL in readers/<name>/county.env)."""
        from provisioning.__main__ import main

        args = ["reader", name, "--dir", str(self.out), *(["--node", node] if node else [])]
        assert main(args) == 0
        env = read_node_env(self.out / "readers" / name / "county.env")
        return name, urlsplit(env["HALL_COUNTY_MQTT_URL"]).password

    def add_reader(self, user: str, password: str, filters: tuple[str, ...] = ("#",)) -> None:
        """A recorder of the test's own that reads `filters` (default everything): appended to the
        generated password file and ACL, after every provisioning command. Kept for the privacy checks,
        which must see any topic that crossed, not only what the county-reader role may read."""
        hashes = read_passwd(self.mq / "passwd")
        hashes[user] = hash_password(password)
        write_passwd(self.mq / "passwd", hashes)
        with open(self.mq / "acl", "a") as f:
            f.write(f"\n# test only\nuser {user}\n" + "".join(f"topic read {t}\n" for t in filters))

    def node_link(self, node: str, role: str) -> HallLink:
        """A started HallLink of this hall's node, with the node's credentials; connected."""
        env = self.env(node)
        link = HallLink(env["HALL_MQTT_URL"], self.site, node, role, ca_file=env["HALL_MQTT_CA_FILE"]).start()
        assert link.wait_connected(10), link.last_connack_failure
        return link

    def bridge_to(self, county: HallDir, *options: str) -> None:
        """`python -m provisioning bridge` from this hall to `county`, on this hall's link port."""
        args = ["bridge", str(self.out), "--county", str(county.out), "--link-port", str(self.link_port)]
        assert main([*args, *options]) == 0

    def start(self) -> MosquittoProcess:
        run = self.out / "run"
        run.mkdir(exist_ok=True)
        self.mosquitto = MosquittoProcess(
            port=self.mqtt_port, config=(self.mq / "mosquitto.conf").read_text(), workdir=run
        )
        self.mosquitto.start()
        wait_for(lambda: port_open("127.0.0.1", self.mqtts_port), 10, "the TLS listener did not open")
        return self.mosquitto

    def stop(self) -> None:
        self.stop_link()
        if self.mosquitto:
            self.mosquitto.cleanup()

    def start_link(self, probe_s: float = 1.0) -> subprocess.Popen:
        """The county link as the unit runs it: the generated county-link.sh, with its own Mosquitto and
        stunnel (`apt-get install stunnel4`)."""
        d = self.prov.node_dir(self.prov.server) / "county-link"
        if not shutil.which("stunnel4"):
            raise RuntimeError("stunnel4 is not installed (apt-get install stunnel4): the county link needs it")
        env = {
            **os.environ,
            "HALL_LINK_PROBE_S": str(probe_s),
            "MOSQUITTO": shutil.which("mosquitto"),
            "STUNNEL": shutil.which("stunnel4"),
        }
        log = open(self.out / "run" / "county-link.log", "ab")
        self.link = subprocess.Popen(
            ["bash", str(d / "county-link.sh"), str(d / "county-link.conf"), str(d / "county-link.stunnel")],
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        wait_for(lambda: port_open("127.0.0.1", self.link_port), 10, "the county link did not start")
        return self.link

    def stop_link(self) -> None:
        if self.link and self.link.poll() is None:
            self.link.terminate()  # the script's trap stops its Mosquitto
            try:
                self.link.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.link.pid, signal.SIGKILL)
                self.link.wait(5)
        self.link = None

    def link_log(self) -> str:
        return (self.out / "run" / "county-link.log").read_text(errors="replace")
