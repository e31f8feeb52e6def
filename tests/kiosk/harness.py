"""Run a real kiosk (`python -m kiosk_app`) in its own process and drive it like a person would.

Kivy's window is a process singleton, so each kiosk runs in a child process with a real window
(SDL's offscreen driver when there is no DISPLAY, X11 under xvfb-run); the test talks to it through
the kiosk's remote-control socket (kiosk_app/common/remote.py, plus the kiosk's own commands in
kiosk_app/kiosk/remote_commands.py): taps are real touch events, device faults are set on the simulators inside
the kiosk, screenshots are its rendered frames (tests/remote_app.py: where they go). The queue
broker (HallService) and Mosquitto are real and run in the test process.
"""

from __future__ import annotations

import copy
import itertools
import time
from datetime import datetime
from pathlib import Path

import yaml

from tests.remote_app import ROOT, SCREENSHOTS, RemoteApp, RemoteAppError

from ..clock import Clock  # noqa: F401 - re-exported for the kiosk tests

__all__ = ["ROOT", "SCREENSHOTS", "SCREEN", "SIM_DEVICES", "Clock", "KioskError", "KioskProcess", "write_site"]

MINI = ROOT / "tests" / "fixtures" / "mini-site.yaml"

SIM_DEVICES = [
    {"id": "printer", "kind": "printer", "backend": "simulator", "options": {}},
    {"id": "idcard", "kind": "idcard", "backend": "simulator", "options": {}},
    {"id": "scanner", "kind": "scanner", "backend": "simulator", "options": {}},
]
# a 21.5-inch portrait panel, as in most hall kiosks; quick timeouts unless a test wants others
SCREEN = {
    "width": 1080,
    "height": 1920,
    "diagonal_in": 21.5,
    "display_name": "1号自助机",
    "request_timeout_s": 2.0,
    "retry_max_s": 2.0,
    "speech": False,
    "frequent_service_ids": ["zh-general", "bdc-transfer", "sb-card", "sb-print"],
}

_n = itertools.count()


def write_site(
    tmp: Path,
    site_id: str,
    *,
    screen: dict | None = None,
    devices: list | None = None,
    site_overrides: dict | None = None,
    services: list | None = None,
) -> Path:
    """The mini test hall, with this test's site id and a kiosk-1 node carrying simulated devices."""
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    data["site"]["id"] = site_id
    data["data_dir"] = str(tmp / "data")
    if site_overrides:
        data["site"].update(site_overrides)
    if services is not None:
        data["services"] = services
    kiosk = {
        "id": "kiosk-1",
        "role": "kiosk",
        "zone": "main",
        "language": "zh",
        "devices": copy.deepcopy(SIM_DEVICES if devices is None else devices),
        "screen": {**SCREEN, **(screen or {})},
    }
    data["nodes"] = [n for n in data["nodes"] if n["id"] != "kiosk-1"] + [kiosk]
    path = tmp / f"site-{next(_n)}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


class KioskError(RemoteAppError):
    pass


class KioskProcess(RemoteApp):
    """A kiosk in a child process: its node's simulated devices, its clock, its own state summary."""

    error = KioskError
    connect_timeout = 30.0
    state_keys = ("screen", "online", "server_ok", "ticket_phase", "print_phase", "ticket", "catalog_version")
    shot_prefix = "kiosk-"

    def __init__(
        self,
        site_path: Path,
        mqtt_url: str,
        workdir: Path,
        *,
        node: str = "kiosk-1",
        clock_start: datetime | None = None,
        env: dict | None = None,
    ):
        kiosk_env = {"KIOSK_SPEECH_CACHE": str(workdir / "speech"), **(env or {})}
        if clock_start is not None:
            kiosk_env["KIOSK_CLOCK"] = clock_start.isoformat()
        super().__init__(
            "kiosk", "kiosk_app", ["--config", str(site_path), "--node", node], mqtt_url, workdir, env=kiosk_env
        )

    def ready(self, timeout: float = 30.0) -> dict:
        return self.wait_for(lambda s: s["online"] and s["catalog_items"] > 0 and s["queues"], timeout, "catalog")

    def device(self, kind: str, action: str, **args) -> None:
        # devices open in the background after the first frame: right after start, wait for them
        deadline = time.monotonic() + 10
        while True:
            result = self.call("device", kind=kind, action=action, args=args)
            if result.get("ok"):
                return
            if not str(result.get("why")).startswith("no simulated") or time.monotonic() > deadline:
                raise KioskError(result.get("why"))
            time.sleep(0.05)

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0
