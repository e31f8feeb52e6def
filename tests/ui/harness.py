"""The one harness of the four faces' UI tests: a face (`python -m kiosk_app[.callscreen|.counter|
.supervisor]`) in its own process, driven like a person would, against the real queue broker and a
real Mosquitto (tests/ui/hall.py: the site file, the broker, plain MQTT nodes).

Kivy's window is a process singleton, so every face runs in a child process with a real window
(SDL's offscreen driver without DISPLAY, X11 under xvfb-run); no Kivy import in the test process.
The test talks to it through the face's remote-control socket (kiosk_app/common/remote.py, plus the
kiosk's own commands in kiosk_app/kiosk/remote_commands.py): taps are real touch events, keys go
through the window's key handler, device faults are set on the simulators inside the face,
screenshots are rendered frames.

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
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from multiprocessing.connection import Client
from pathlib import Path
from typing import Any

from queue_broker.processes import stop_process
from tests.waiting import wait_for

from .hall import ROOT, Broker, Node

DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"


def _screenshot_dir() -> Path:
    if os.environ.get("HALL_UPDATE_SCREENSHOTS") == "1":
        return DOCS_SCREENSHOTS
    folder = Path(tempfile.mkdtemp(prefix="hall-screenshots-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


SCREENSHOTS = _screenshot_dir()

_n = itertools.count()


class ScreenError(AssertionError):
    pass


class ScreenProcess:
    """One face (`face`: callscreen, counter, supervisor; the kiosk is a KioskProcess) on node `node` of
    a site file, in a child process, with its remote control. `connect()` before anything else."""

    error: type[ScreenError] = ScreenError
    connect_timeout = 40.0
    state_keys: tuple[str, ...] = ()  # what a timeout shows of the state (default: all but metrics)
    shot_prefix = ""
    module = "kiosk_app.{face}"
    windowed = True  # never full screen: the staff faces' test windows are smaller than the display

    def __init__(
        self,
        face: str,
        site_path: Path,
        node: str,
        mqtt_url: str,
        workdir: Path,
        *,
        window: str | None = None,
        env: dict | None = None,
        output: int | None = None,
    ):
        """`output`: a file descriptor for the face's stdout and stderr instead of its log file (a journal
        stream, tests/journald.py); `log()` is then empty."""
        self.name = self.app = face
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.socket = str(workdir / f"{face}-{os.getpid()}-{next(_n)}.sock")
        self.authkey = secrets.token_bytes(16)
        self.log_path = workdir / f"{face}.log"
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
        args = ["--config", str(site_path), "--node", node]
        args += (["--windowed"] if self.windowed else []) + (["--window", window] if window else [])
        self.started = time.perf_counter()
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.module.format(face=face), *args],
            cwd=ROOT,
            env=full_env,
            stdout=self._log if output is None else output,
            stderr=subprocess.STDOUT,
        )
        self.conn = None
        self.taps = 0

    # --- connection -------------------------------------------------------------------------------
    def connect(self, timeout: float | None = None):
        timeout = timeout or self.connect_timeout

        def connected():
            if self.proc.poll() is not None:
                raise self.error(f"{self.name} exited with {self.proc.returncode}:\n{self.log()}")
            try:
                return Client(self.socket, family="AF_UNIX", authkey=self.authkey)
            except (ConnectionRefusedError, FileNotFoundError):
                return None

        self.conn = wait_for(
            connected, timeout, f"{self.name}'s remote control", step=0.05, describe=self.log, error=self.error
        )
        return self

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
        stop_process(self.proc, 5)
        self._log.close()

    # --- what a person sees -----------------------------------------------------------------------
    def state(self) -> dict:
        return self.call("state")

    def wait_for(self, predicate, timeout: float = 10.0, what: str = "condition", keys: tuple = ()) -> dict:
        """The face's state once `predicate(state)` holds; on a timeout, what it was and the face's log."""
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

    def texts(self) -> list[str]:
        return self.call("texts")

    def screen_text(self) -> str:
        return "\n".join(self.texts())

    def wait_text(self, needle: str, timeout: float = 10.0) -> str:
        """The screen's text once `needle` is on it."""
        text = ""

        def shown() -> str | None:
            nonlocal text
            text = self.screen_text()
            return text if needle in text else None

        return wait_for(
            shown,
            timeout,
            f"{self.name}: {needle!r} on screen",
            step=0.05,
            describe=lambda: f"screen:\n{text}\n{self.log()}",
            error=self.error,
        )

    def can_tap(self, tid: str) -> bool:
        return any(t["tid"] == tid for t in self.call("targets"))

    def screenshot(self, name: str) -> Path:
        """The next frame as SCREENSHOTS/<shot_prefix><name>.png (or as <name>.png for an absolute name)."""
        path = Path(name + ".png") if name.startswith("/") else SCREENSHOTS / f"{self.shot_prefix}{name}.png"
        self.call("screenshot", path=str(path))
        return path

    # --- what a person does -----------------------------------------------------------------------
    def tap(self, tid: str | None = None, text: str | None = None) -> None:
        result = self.call("tap", tid=tid, text=text)
        if not result["tapped"]:
            raise self.error(f"{self.name}: could not tap: {result['why']}; visible: {self.texts()[:60]}")
        self.taps += 1

    def type(self, tid: str, text: str) -> None:
        result = self.call("type", tid=tid, text=text)
        if not result["typed"]:
            raise self.error(f"{self.name}: {result['why']}")

    def key(self, name: str) -> None:
        result = self.call("key", name=name)
        if not result["pressed"]:
            raise self.error(f"{self.name}: {result['why']}")

    def resize(self, width: int, height: int) -> None:
        self.call("resize", width=width, height=height)

    def do(self, method: str, *args) -> Any:
        """A controller method by name, as a button's on_release calls it."""
        return self.call("call", method=method, args=list(args))


class KioskProcess(ScreenProcess):
    """The kiosk (`python -m kiosk_app`, as its units start it): its node's simulated devices, its
    clock (`clock_start`), its own state summary."""

    connect_timeout = 30.0
    state_keys = ("screen", "online", "server_ok", "ticket_phase", "print_phase", "ticket", "catalog_version")
    shot_prefix = "kiosk-"
    module = "kiosk_app"
    windowed = False  # its panel's size, like a hall's kiosk

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
        super().__init__("kiosk", site_path, node, mqtt_url, workdir, env=kiosk_env)

    def ready(self, timeout: float = 30.0) -> dict:
        return self.wait_for(lambda s: s["online"] and s["catalog_items"] > 0 and s["queues"], timeout, "catalog")

    def device(self, kind: str, action: str, **args) -> None:
        """An action on a simulated device inside the kiosk (a fault, a card, a scan)."""
        result: dict = {}

        def done() -> bool:
            nonlocal result
            result = self.call("device", kind=kind, action=action, args=args)
            if not result.get("ok") and not str(result.get("why")).startswith("no simulated"):
                raise ScreenError(result.get("why"))
            return bool(result.get("ok"))

        # devices open in the background after the first frame: right after the start, wait for them
        wait_for(done, 10, f"the kiosk's simulated {kind}", step=0.05, describe=lambda: str(result), error=ScreenError)

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0


def start_kiosk(
    site_path: Path, url: str, workdir: Path, display: str | None, clock_start: datetime | None = None, **kw
) -> KioskProcess:
    """A connected kiosk on `display` (the kiosk tests' Xvfb, tests/kiosk/conftest.py)."""
    env = {"DISPLAY": display} if display else {}
    env.update(kw.pop("env", {}))
    return KioskProcess(site_path, url, workdir, clock_start=clock_start, env=env, **kw).connect()


def log_in_counter(ct: ScreenProcess, operator: str = "demo", pin: str = "123456") -> dict:
    """A connected counter terminal, once online, logged in as an operator does it (the id typed, the PIN on
    the on-screen pad); the state once the counter is open."""
    ct.wait_for(lambda s: s["online"], 30, "the counter terminal online")
    ct.type("login.operator", operator)
    for digit in pin:
        ct.tap(f"login.key.{digit}")
    ct.tap("login.submit")
    return ct.wait_for(lambda s: s["screen"] == "desk" and s["status"] == "open", 10, "logged in, counter open")


def log_in_supervisor(sup: ScreenProcess, supervisor: str = "super", pin: str = "123456") -> dict:
    """The login screen of a connected supervisor tablet, as a supervisor fills it in; the state once the
    hall screen shows."""
    sup.type("login.supervisor", supervisor)
    sup.type("login.pin", pin)
    sup.tap("login.submit")
    return sup.wait_for(lambda s: s["screen"] == "hall", 10, "logged in")


def take_case_step(face: ScreenProcess, button: str, state: str, **inputs: str) -> dict:
    """On the case screen (the counter's or the tablet's): type `inputs` into its `case.NAME` fields
    (note=..., to=...), tap the step `cases.step.BUTTON` and wait until the case is in `state`."""
    for name, text in inputs.items():
        face.type(f"case.{name}", text)
    face.tap(f"cases.step.{button}")
    return face.wait_for(lambda s: s["case"].get("state") == state, 10, f"the case {state}")


@contextmanager
def step(name: str) -> Iterator[None]:
    """One named step of a long UI scenario (`with step("recall"): ...`): a failure in it is reported as
    "step 'recall' failed: ..." in pytest's summary line, with the original error and its traceback as
    the cause. Later steps build on earlier ones, so the scenario stays one test."""
    try:
        yield
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise AssertionError(f"step {name!r} failed: {type(exc).__name__}: {first}") from exc


class HallParts:
    """What one UI test runs in its hall: the queue broker, plain MQTT nodes and face processes, made
    through it in a `with` block that closes each of them when the block ends, the last made first."""

    def __init__(self, mqtt_url: str, site_id: str, tmp_path: Path):
        self.mqtt_url, self.site_id, self.tmp_path = mqtt_url, site_id, tmp_path
        self._closing = ExitStack()

    def __enter__(self) -> HallParts:
        return self

    def __exit__(self, *exc) -> None:
        self._closing.close()

    def broker(self, site: Path, **options) -> Broker:
        """The real queue broker on `site`, its data in the test's `data` folder (`Broker`'s options)."""
        broker = Broker(site, self.mqtt_url, self.tmp_path / "data", **options)
        self._closing.callback(broker.stop)
        return broker

    def node(self, node_id: str, role: str) -> Node:
        node = Node(self.mqtt_url, self.site_id, node_id, role)
        self._closing.callback(node.stop)
        return node

    def watch(self) -> Node:
        """A node that records everything published under the site (`Node.watch`)."""
        node = Node.watch(self.mqtt_url, self.site_id)
        self._closing.callback(node.stop)
        return node

    def screen(self, face: str, site: Path, node: str, workdir: str, **options) -> ScreenProcess:
        """The face on `node`, in its own process, working in the test's folder `workdir`."""
        screen = ScreenProcess(face, site, node, self.mqtt_url, self.tmp_path / workdir, **options)
        self._closing.callback(screen.close)
        return screen

    def on_close(self, close) -> None:
        """Call `close()` too when the block ends (a fake platform's stop)."""
        self._closing.callback(close)
