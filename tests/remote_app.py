"""A hall app (the kiosk, the call screen, the counter terminal, the supervisor tablet) run as
`python -m kiosk_app[.X]` in its own process and driven through its remote-control socket
(kiosk_app/common/remote.py). Kivy's window is a process singleton, so every app gets a child
process with a real window (SDL's offscreen driver without DISPLAY, X11 under xvfb-run); no Kivy
import in the test process. tests/kiosk/harness.py (KioskProcess) and tests/ui/harness.py
(ScreenProcess) add what their apps need.

Screenshots go to a temporary folder of this test session, removed at its end, so a test run never
rewrites the tracked pictures; with HALL_UPDATE_SCREENSHOTS=1 they go to docs/screenshots/ (to
refresh the pictures in docs/).
"""

from __future__ import annotations

import atexit
import itertools
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Client
from pathlib import Path
from typing import Any

from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[1]
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"


def _screenshot_dir() -> Path:
    if os.environ.get("HALL_UPDATE_SCREENSHOTS") == "1":
        return DOCS_SCREENSHOTS
    folder = Path(tempfile.mkdtemp(prefix="hall-screenshots-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


SCREENSHOTS = _screenshot_dir()

_n = itertools.count()


class RemoteAppError(AssertionError):
    pass


class RemoteApp:
    """One app in a child process, with its remote control. Subclasses set `error` and may set
    `connect_timeout`, `state_keys` (what a timeout shows of the state) and `shot_prefix`."""

    error: type[RemoteAppError] = RemoteAppError
    connect_timeout = 30.0
    state_keys: tuple[str, ...] = ()
    shot_prefix = ""

    def __init__(
        self, name: str, module: str, args: list[str], mqtt_url: str, workdir: Path, *, env: dict | None = None
    ):
        self.name = name
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.socket = str(workdir / f"{name}-{os.getpid()}-{next(_n)}.sock")
        self.authkey = secrets.token_bytes(16)
        self.log_path = workdir / f"{name}.log"
        full_env = {
            **os.environ,
            "HALL_MQTT_URL": mqtt_url,
            "HALL_SCREEN_CONTROL": self.socket,
            "HALL_SCREEN_CONTROL_KEY": self.authkey.hex(),
            "KIVY_HOME": str(workdir / "kivy-home"),
            "KIVY_NO_ARGS": "1",
            "KIVY_NO_CONSOLELOG": "1",
            "KIVY_NO_FILELOG": "1",
            **(env or {}),
        }
        if not full_env.get("DISPLAY"):
            full_env.pop("DISPLAY", None)  # SDL then renders offscreen
        self.started = time.perf_counter()
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, *args], cwd=ROOT, env=full_env, stdout=self._log, stderr=subprocess.STDOUT
        )
        self.conn = None
        self.taps = 0

    # --- connection -------------------------------------------------------------------------------
    def connect(self, timeout: float | None = None):
        timeout = timeout or self.connect_timeout
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise self.error(f"{self.name} exited with {self.proc.returncode}:\n{self.log()}")
            if os.path.exists(self.socket):
                try:
                    self.conn = Client(self.socket, family="AF_UNIX", authkey=self.authkey)
                    return self
                except (ConnectionRefusedError, FileNotFoundError):
                    pass
            time.sleep(0.05)
        raise self.error(f"{self.name}'s remote control did not appear in {timeout} s:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-6000:]
        except OSError:
            return ""

    def call(self, command: str, **kwargs) -> Any:
        self.conn.send((command, kwargs))
        reply = self.conn.recv()
        if "error" in reply:
            raise self.error(f"{command}: {reply['error']}\n{self.log()}")
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

    # --- what a test does -------------------------------------------------------------------------
    def state(self) -> dict:
        return self.call("state")

    def wait_for(self, predicate, timeout: float = 10.0, what: str = "condition", keys: tuple = ()) -> dict:
        seen: dict = {}

        def check() -> dict | None:
            seen.update(self.state())
            return dict(seen) if predicate(seen) else None

        def describe() -> str:
            shown_keys = keys or self.state_keys
            shown = (
                {k: seen.get(k) for k in shown_keys}
                if shown_keys
                else {k: v for k, v in seen.items() if k != "metrics"}
            )
            return f"state: {shown}\n{self.log()}"

        return wait_for(check, timeout, f"{self.name}: {what}", step=0.05, describe=describe, error=self.error)

    def tap(self, tid: str | None = None, text: str | None = None) -> None:
        result = self.call("tap", tid=tid, text=text)
        if not result["tapped"]:
            raise self.error(f"{self.name}: could not tap: {result['why']}; visible: {self.texts()[:60]}")
        self.taps += 1

    def can_tap(self, tid: str) -> bool:
        return any(t["tid"] == tid for t in self.call("targets"))

    def texts(self) -> list[str]:
        return self.call("texts")

    def screen_text(self) -> str:
        return "\n".join(self.texts())

    def wait_text(self, needle: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen_text()
            if needle in text:
                return text
            time.sleep(0.05)
        raise self.error(f"{self.name}: {needle!r} not on screen within {timeout} s; screen:\n{text}\n{self.log()}")

    def screenshot(self, name: str) -> Path:
        """The next frame as SCREENSHOTS/<shot_prefix><name>.png (or as <name>.png for an absolute name)."""
        path = Path(name + ".png") if name.startswith("/") else SCREENSHOTS / f"{self.shot_prefix}{name}.png"
        self.call("screenshot", path=str(path))
        return path
