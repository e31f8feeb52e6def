"""Run a real kiosk (`python -m kiosk_app`) in its own process and drive it like a person would.

Kivy's window is a process singleton, so each kiosk runs in a child process with a real window
(SDL's offscreen driver when there is no DISPLAY, X11 under xvfb-run); the test talks to it through
the kiosk's control socket (kiosk_app/control.py): taps are real touch events, device faults are set
on the simulators inside the kiosk, screenshots are its rendered frames. The queue broker
(HallService) and Mosquitto are real and run in the test process.
"""

from __future__ import annotations

import copy
import itertools
import os
import secrets
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from multiprocessing.connection import Client
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "mini-site.yaml"
SCREENSHOTS = ROOT / "docs" / "screenshots"

SIM_DEVICES = [
    {"id": "printer", "kind": "printer", "backend": "simulator", "options": {}},
    {"id": "idcard", "kind": "idcard", "backend": "simulator", "options": {}},
    {"id": "scanner", "kind": "scanner", "backend": "simulator", "options": {}},
]
# a 21.5-inch portrait panel, as in most hall kiosks; quick timeouts unless a test wants others
SCREEN = {"width": 1080, "height": 1920, "diagonal_in": 21.5, "display_name": "1号自助机",
          "request_timeout_s": 2.0, "retry_max_s": 2.0, "speech": False,
          "frequent_service_ids": ["zh-general", "bdc-transfer", "sb-card", "sb-print"]}

_n = itertools.count()


class Clock:
    """The broker's injected clock (and what the kiosk's KIOSK_CLOCK starts from)."""

    def __init__(self, start: datetime):
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def advance(self, **kw) -> None:
        with self._lock:
            self.now += timedelta(**kw)


def write_site(tmp: Path, site_id: str, *, screen: dict | None = None, devices: list | None = None,
               site_overrides: dict | None = None, services: list | None = None) -> Path:
    """The mini test hall, with this test's site id and a kiosk-1 node carrying simulated devices."""
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    data["site"]["id"] = site_id
    data["data_dir"] = str(tmp / "data")
    if site_overrides:
        data["site"].update(site_overrides)
    if services is not None:
        data["services"] = services
    kiosk = {"id": "kiosk-1", "role": "kiosk", "zone": "main", "language": "zh",
             "devices": copy.deepcopy(SIM_DEVICES if devices is None else devices),
             "screen": {**SCREEN, **(screen or {})}}
    data["nodes"] = [n for n in data["nodes"] if n["id"] != "kiosk-1"] + [kiosk]
    path = tmp / f"site-{next(_n)}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


class KioskError(AssertionError):
    pass


class KioskProcess:
    def __init__(self, site_path: Path, mqtt_url: str, workdir: Path, *, node: str = "kiosk-1",
                 clock_start: datetime | None = None, env: dict | None = None):
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.socket = str(workdir / f"control-{os.getpid()}-{next(_n)}.sock")
        self.key = secrets.token_bytes(16)
        self.log_path = workdir / "kiosk.log"
        full_env = {
            **os.environ,
            "HALL_MQTT_URL": mqtt_url,
            "KIOSK_CONTROL": self.socket,
            "KIOSK_CONTROL_KEY": self.key.hex(),
            "KIVY_HOME": str(workdir / "kivy-home"),
            "KIVY_NO_ARGS": "1",
            "KIVY_NO_CONSOLELOG": "1",
            "KIVY_NO_FILELOG": "1",
            "KIOSK_SPEECH_CACHE": str(workdir / "speech"),
            **(env or {}),
        }
        if clock_start is not None:
            full_env["KIOSK_CLOCK"] = clock_start.isoformat()
        if not full_env.get("DISPLAY"):
            full_env.pop("DISPLAY", None)  # SDL then renders offscreen
        self.started = time.perf_counter()
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk_app", "--config", str(site_path), "--node", node],
            cwd=ROOT, env=full_env, stdout=self._log, stderr=subprocess.STDOUT,
        )
        self.conn = None
        self.taps = 0

    # --- connection -----------------------------------------------------------------------------
    def connect(self, timeout: float = 30.0) -> KioskProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise KioskError(f"the kiosk exited with {self.proc.returncode}:\n{self.log()}")
            if os.path.exists(self.socket):
                try:
                    self.conn = Client(self.socket, family="AF_UNIX", authkey=self.key)
                    return self
                except (ConnectionRefusedError, FileNotFoundError):
                    pass
            time.sleep(0.05)
        raise KioskError(f"the kiosk's control socket did not appear in {timeout} s:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-6000:]
        except OSError:
            return ""

    def call(self, command: str, **kwargs) -> Any:
        self.conn.send((command, kwargs))
        reply = self.conn.recv()
        if "error" in reply:
            raise KioskError(f"{command}: {reply['error']}\n{self.log()}")
        return reply["result"]

    def close(self) -> None:
        try:
            if self.conn is not None and self.proc.poll() is None:
                self.call("quit")
                self.proc.wait(10)
        except Exception:
            pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()

    # --- what a test does -----------------------------------------------------------------------
    def state(self) -> dict:
        return self.call("state")

    def wait_for(self, predicate, timeout: float = 10.0, what: str = "condition") -> dict:
        deadline = time.monotonic() + timeout
        st = {}
        while time.monotonic() < deadline:
            st = self.state()
            if predicate(st):
                return st
            time.sleep(0.05)
        keys = ("screen", "online", "server_ok", "ticket_phase", "print_phase", "ticket", "catalog_version")
        raise KioskError(f"timed out waiting for {what}; state: { {k: st.get(k) for k in keys} }\n{self.log()}")

    def ready(self, timeout: float = 30.0) -> dict:
        return self.wait_for(lambda s: s["online"] and s["catalog_items"] > 0 and s["queues"], timeout, "catalog")

    def tap(self, tid: str | None = None, text: str | None = None) -> None:
        result = self.call("tap", tid=tid, text=text)
        if not result["tapped"]:
            raise KioskError(f"could not tap: {result['why']}; visible texts: {self.texts()[:40]}")
        self.taps += 1

    def can_tap(self, tid: str) -> bool:
        return any(t["tid"] == tid for t in self.call("targets"))

    def texts(self) -> list[str]:
        return self.call("texts")

    def screen_text(self) -> str:
        return "\n".join(self.texts())

    def screenshot(self, name: str) -> Path:
        path = SCREENSHOTS / f"kiosk-{name}.png"
        self.call("screenshot", path=str(path))
        return path

    def device(self, kind: str, action: str, **args) -> None:
        result = self.call("device", kind=kind, action=action, args=args)
        if not result.get("ok"):
            raise KioskError(result.get("why"))

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0
