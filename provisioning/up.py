"""`python -m provisioning up [examples/neixiang]`: the whole hall on this one machine, until Ctrl-C.

1. `init --in-place` into the work folder (default SITE_DIR/var/up, kept between runs: the CA, the
   passwords and the tickets survive a restart), with both listeners on 127.0.0.1;
2. Mosquitto with that configuration, on 1883/8883 when they are free, else on free ports of its own
   (another broker already on 1883 is left alone; the ports taken are printed);
3. the queue broker (`python -m queue_broker run`), told where it may send sd_notify messages: `up`
   waits for its READY=1 and watches its WATCHDOG=1, as systemd does on a real hall server;
4. every other node whose program exists in this checkout (voice, kiosk, screens, ...), each with its
   own bundle's node.env (mqtts://, its own password and the hall's CA) and site file; the programs
   that do not exist yet are listed as skipped;
5. the county link, when the work folder was bridged to a county (`bridge WORKDIR --county DIR`,
   docs/county.md): the generated county-link.sh, as hall-county-link.service runs it, started again
   5 s after it ends (the unit's Restart=always), and stopped with the hall.

The queue broker keeps the hall's data where the site file's `data_dir` says, so the operator commands
with `--config SITE` read this hall. The screens are laid out side by side on the display
(up_screens.py); `--screenshots DIR` takes a picture of each once it has drawn, `--exit` then stops the
hall; `--open-now` opens every queue for a demonstration (HALL_DEMO=open_now), never in a folder
provisioned for production.

Everything runs in `up`'s own process group: Ctrl-C reaches every process at once, and `up` then
waits for each, ends what is left (SIGTERM, then SIGKILL), and says so. Each child also gets
PR_SET_PDEATHSIG, so none outlives an `up` that was killed outright.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from queue_broker.protocol.waiting import DEMO_OPEN_NOW

from .bridge import LINK_DIR
from .files import write_secret
from .generate import Options, Provisioner, ProvisionError, load_site, read_node_env, read_raw_site
from .mosquitto import MosquittoProcess, port_open
from .roles import PROGRAMS, Program
from .up_screens import (
    NO_DISPLAY_CANVAS,
    FaceControl,
    Place,
    display_size,
    face_size,
    layout,
    montage,
    take_screenshots,
)

REPO = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 30.0
WATCHDOG_LATE_S = 30.0
STOP_GRACE_S = 10.0
LINK_RESTART_S = 5.0  # hall-county-link.service's RestartSec

_PR_SET_PDEATHSIG = 1


def hall_data_dir(site: Path, env: Mapping[str, str] | None = None) -> str:
    """Where the hall keeps its events: the site file's data_dir (from the file's folder), or
    HALL_DATA_DIR, as the operator commands (`python -m queue_broker status --config SITE`) read it."""
    env = os.environ if env is None else env
    return env.get("HALL_DATA_DIR") or load_site(site).data_dir


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when `up` dies, however it dies (Linux); and ignore
    SIGINT, which a Ctrl-C in the terminal sends to every process of the foreground group: `up` alone
    answers it, stopping the hall in order (a Python child started with SIGINT ignored keeps it so)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def choose_port(preferred: int, explicit: int | None, taken: set[int], say) -> int:
    """`explicit` when given (it must be free), else `preferred` when free, else any free port."""
    if explicit:
        if not port_free(explicit) or explicit in taken:
            raise ProvisionError(f"port {explicit} is in use on 127.0.0.1: choose another")
        return explicit
    if preferred not in taken and port_free(preferred):
        return preferred
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in taken:
            say(
                f"port {preferred} is taken on 127.0.0.1 (another MQTT broker?): this hall uses {port} instead "
                f"and leaves the other one alone"
            )
            return port


@dataclass(frozen=True)
class UpOptions:
    """What `up` is asked for beyond running the hall."""

    open_now: bool = False  # every queue open while `up` runs (HALL_DEMO=open_now): a demonstration, 演示
    screenshots: Path | None = None  # one PNG per face there, and hall.png, once each has drawn
    exit_after: bool = False  # with screenshots: stop the hall once they are taken
    screenshot_timeout_s: float = 180.0


@dataclass
class Child:
    name: str
    what: str
    proc: subprocess.Popen
    log: Path
    core: bool = False
    window: str | None = None
    ended: bool = field(default=False)
    restart_at: float | None = None  # the county link: started again then, as systemd would
    argv: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)


class Hall:
    def __init__(self, site: Path, workdir: Path, say=print, options: UpOptions | None = None):
        self.site = site
        self.workdir = workdir
        self.options = options or UpOptions()
        self.data_dir = hall_data_dir(site)
        self.places: dict[str, Place] = {}
        self.faces: dict[str, FaceControl] = {}
        self.display: str | None = None
        self.say = say
        self.prov: Provisioner | None = None
        self.children: list[Child] = []
        self.mosquitto: MosquittoProcess | None = None
        self.notify_sock: socket.socket | None = None
        self.ready = False
        self.last_watchdog = 0.0
        self.stopping = False
        self.gateway_url: str | None = None

    # ------------------------------------------------------------------ start
    def start(self, mqtt_port: int | None, mqtts_port: int | None) -> None:
        say = self.say
        taken: set[int] = set()
        p1 = choose_port(1883, mqtt_port, taken, say)
        taken.add(p1)
        p2 = choose_port(8883, mqtts_port, taken, say)
        prov = Provisioner(self.workdir)
        production = bool(prov.state_path.exists() and json.loads(prov.state_path.read_text()).get("production"))
        if production and self.options.open_now:
            raise ProvisionError(
                f"refusing --open-now: {self.workdir} was provisioned for production (init --production); the "
                f"demonstration mode opens every queue whatever the hall's hours say"
            )
        report = prov.init(
            self.site,
            Options(
                hosts=["127.0.0.1"],
                mqtt_port=p1,
                mqtts_port=p2,
                bind="127.0.0.1",
                in_place=True,
                python=sys.executable,
                production=production,  # a production folder stays one
            ),
        )
        for note in report.notes:
            say(f"  {note}")
        self.prov = prov
        (self.workdir / "logs").mkdir(exist_ok=True)
        run = self.workdir / "run"
        run.mkdir(exist_ok=True)

        conf = (prov.mosquitto_dir / "mosquitto.conf").read_text()
        self.mosquitto = MosquittoProcess(
            port=p1, config=conf, workdir=run, new_session=True, preexec_fn=_die_with_parent
        )
        self.mosquitto.start()
        deadline = time.monotonic() + 10
        while not port_open("127.0.0.1", p2):
            if time.monotonic() > deadline:
                raise RuntimeError(f"Mosquitto did not open its TLS listener {p2}; see {self.mosquitto.log_path}")
            time.sleep(0.02)
        (run / "mosquitto.pid").write_text(f"{self._mosquitto_proc.pid}\n")
        say(
            f"Mosquitto (pid {self._mosquitto_proc.pid}): 127.0.0.1:{p1} for the hall server's processes, "
            f"127.0.0.1:{p2} TLS for the nodes; log {self.mosquitto.log_path}"
        )

        # the queue broker, with an sd_notify socket of ours
        sock_path = run / "notify.sock"
        sock_path.unlink(missing_ok=True)
        self.notify_sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify_sock.bind(str(sock_path))
        server = prov.server
        self._spawn(
            server,
            "queue broker",
            cast(Program, PROGRAMS["broker"]).argv(sys.executable, self._site_of(server), server),  # always one
            env_file=prov.node_dir(server) / "node.env",
            core=True,
            # the hall's data where its site file says, so `python -m queue_broker status --config SITE`
            # (and tickets, export, audit, report) read the hall that `up` runs
            extra_env={
                "NOTIFY_SOCKET": str(sock_path),
                "HALL_DATA_DIR": self.data_dir,
                **({"HALL_DEMO": DEMO_OPEN_NOW} if self.options.open_now else {}),
            },
        )
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not self.ready:
            self._read_notify(0.1)
            if self.children[-1].proc.poll() is not None:
                raise RuntimeError(
                    f"the queue broker exited with {self.children[-1].proc.returncode}; see {self.children[-1].log}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the queue broker sent no READY=1 within {READY_TIMEOUT_S:g} s; see {self.children[-1].log}"
                )
        say(f"queue broker (pid {self.children[-1].proc.pid}) is ready (sd_notify READY=1); data in {self.data_dir}")

        if self.options.open_now:
            say(
                "DEMONSTRATION (--open-now): every queue issues tickets while up runs, whatever the hours; screens show 演示"
            )
        self._lay_out(prov)
        skipped = []
        env: dict[str, str]
        window: str | None
        for node in prov.nodes():
            if node.id == server:
                continue
            program = PROGRAMS[node.role]
            if node.role == "broker":
                skipped.append(f"{node.id} (a second broker-role user: credentials only)")
            elif program is None:
                skipped.append(
                    f"{node.id} ({node.role}: run by a third party; its credentials are in "
                    f"{prov.node_dir(node.id) / 'node.env'})"
                )
            elif not program.present():
                skipped.append(f"{node.id} ({node.role}: no {program.module}/__main__.py in this checkout yet)")
            else:
                argv, env, window = program.argv(sys.executable, self._site_of(node.id), node.id), {}, None
                if program.graphical:
                    argv, env, window = self._face(node.id, argv)
                if node.role == "gateway":
                    env = {**env, **self._gateway_listen(taken | {p2})}
                    self.gateway_url = f"http://{env['HALL_GATEWAY_LISTEN']}"
                self._spawn(
                    node.id, node.role, argv, env_file=prov.node_dir(node.id) / "node.env", window=window, extra_env=env
                )
        link_skipped = self._start_county_link()
        if link_skipped:
            skipped.append(link_skipped)
        self._summary(p1, p2, skipped)

    # ------------------------------------------------------------------ the faces' windows
    def _lay_out(self, prov: Provisioner) -> None:
        """Every face's window, side by side on this display (provisioning/up_screens.py)."""
        raw = {n.get("id"): n for n in (read_raw_site(self.site).get("nodes") or []) if isinstance(n, dict)}
        faces = []
        for node in prov.nodes():
            program = PROGRAMS[node.role]
            if program is not None and program.graphical and program.present():
                faces.append((node.id, node.role, face_size(node.role, (raw.get(node.id) or {}).get("screen"))))
        self.display = os.environ.get("WAYLAND_DISPLAY") or os.environ.get("DISPLAY")
        measured = display_size(os.environ.get("DISPLAY"))
        screen = measured or NO_DISPLAY_CANVAS
        self.places = {p.node: p for p in layout(faces, screen)}
        for place in self.places.values():  # the face's size: its own bundle's screen settings
            place.write_into(prov.node_dir(place.node) / "site.yaml")
        over = [p.node for p in self.places.values() if p.x + p.width > screen[0] or p.y + p.height > screen[1]]
        if faces:
            where = f"display {self.display} ({screen[0]}x{screen[1]})" if measured else "no display: drawn off screen"
            self.say(f"{len(faces)} screens laid out side by side on {where}")
        if over and measured:
            self.say(f"  the display is too small for every screen at its smallest: {', '.join(over)} overflow it")

    def _face(self, node: str, argv: list[str]) -> tuple[list[str], dict[str, str], str]:
        """A face's command line, environment and the line `up` prints about its window."""
        place = self.places.get(node)
        env: dict[str, str] = {}
        if place is not None:
            argv = [*argv, *place.args()]
            env.update(place.env())
        if self.options.screenshots is not None:
            self.faces[node] = FaceControl(self.workdir / "run" / "screens", node)
            env.update(self.faces[node].env())
        size = f" at {place.x},{place.y} {place.width}x{place.height}" if place else ""
        if self.display:
            return argv, env, f"window '{node}' on display {self.display}{size}"
        return argv, env, f"no screen here: drawn off screen{size}"

    def _write_controls(self) -> None:
        """The screens' control sockets and this run's keys (0600), for a demo or a test that drives
        them while `up` runs (kiosk_app/common/remote.py: tap, type, screenshot ...)."""
        if self.faces:
            controls = {n: {"socket": f.address, "key": f.key.hex()} for n, f in self.faces.items()}
            write_secret(self.workdir / "run" / "screens" / "control.json", json.dumps(controls, indent=1) + "\n")

    def screenshots(self) -> bool:
        """One PNG per face and hall.png in the screenshots folder, once each face has drawn; True when
        every face's picture was taken."""
        folder = self.options.screenshots
        if folder is None or not self.faces:
            return folder is None
        self._write_controls()
        self.say(f"taking screenshots into {folder} (each face once it has drawn the hall)")
        core = [c for c in self.children if c.core]
        shots = take_screenshots(
            self.faces,
            folder,
            self.options.screenshot_timeout_s,
            alive=lambda: all(c.proc.poll() is None for c in core),
            say=self.say,
            exited=lambda node: next((c.proc.poll() for c in self.children if c.name == node), None),
        )
        whole = montage(list(self.places.values()), shots, folder / "hall.png")
        if whole is not None:
            self.say(f"  the whole hall: {whole}")
        return len(shots) == len(self.faces)

    def _start_county_link(self) -> str | None:
        """The link to the county when this hall has one; a sentence saying why not when it cannot run."""
        up = self._prov.state.upstream
        if not up:
            return None
        d = self._prov.node_dir(self._prov.server) / LINK_DIR
        mosquitto, stunnel = shutil.which("mosquitto"), shutil.which("stunnel4")
        if not stunnel or not mosquitto:
            return f"county-link (to {up.county_site}: stunnel4 or mosquitto is not installed here)"
        if not (d / "county-link.conf").exists():
            return f"county-link (to {up.county_site}: no {d / 'county-link.conf'}; run `bridge` again)"
        self._spawn(
            "county-link",
            f"link to {up.county_site}",
            ["bash", str(d / "county-link.sh"), str(d / "county-link.conf"), str(d / "county-link.stunnel")],
            env_file=None,
            extra_env={"MOSQUITTO": mosquitto, "STUNNEL": stunnel},
        )
        self.children[-1].restart_at = 0.0  # restarted when it ends (see watch)
        return None

    def _gateway_listen(self, taken: set[int]) -> dict[str, str]:
        """The HTTP gateway (docs/gateway.md) on 8480 when free, else a free port (QR codes then name 8480)."""
        explicit = os.environ.get("HALL_UP_GATEWAY_PORT")  # tests: a free port of their own
        port = choose_port(8480, int(explicit) if explicit and explicit.isdigit() else None, taken, self.say)
        taken.add(port)
        # plain HTTP on loopback for the sample hall: the bundle's certificate (gateway_tls.py) is for a hall server
        return {"HALL_GATEWAY_LISTEN": f"127.0.0.1:{port}", "HALL_GATEWAY_TLS_CERT": "", "HALL_GATEWAY_TLS_KEY": ""}

    # set by start(): what the methods after it use
    @property
    def _prov(self) -> Provisioner:
        assert self.prov is not None, "the hall is not started"
        return self.prov

    @property
    def _mosquitto(self) -> MosquittoProcess:
        assert self.mosquitto is not None, "Mosquitto is not started"
        return self.mosquitto

    @property
    def _mosquitto_proc(self) -> subprocess.Popen[Any]:
        assert self._mosquitto.proc is not None, "Mosquitto is not started"
        return self._mosquitto.proc

    def _site_of(self, node: str) -> str:
        return str(self._prov.node_dir(node) / "site.yaml")

    def _spawn(
        self,
        name: str,
        what: str,
        argv: list[str],
        env_file: Path | None,
        core: bool = False,
        extra_env: dict[str, str] | None = None,
        window: str | None = None,
    ) -> Child:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HALL_") and k != "NOTIFY_SOCKET"}
        env.update(read_node_env(env_file) if env_file else {})
        env.update(extra_env or {})
        env["PYTHONUNBUFFERED"] = "1"
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        env.setdefault("KIVY_NO_ARGS", "1")
        kivy_home = self.workdir / "var" / name / "kivy"  # not ~/.kivy: each window keeps its own
        kivy_home.mkdir(parents=True, exist_ok=True)
        env.setdefault("KIVY_HOME", str(kivy_home))
        log_path = self.workdir / "logs" / f"{name}.log"
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=str(REPO),
                preexec_fn=_die_with_parent,
            )
        child = Child(name, what, proc, log_path, core=core, window=window, argv=argv, env=env)
        self.children.append(child)
        return child

    def _restart_links(self) -> None:
        """A county link that ended is started again after LINK_RESTART_S, as its unit's Restart=always."""
        now = time.monotonic()
        for c in self.children:
            if c.ended and c.restart_at is not None and now >= c.restart_at:
                with open(c.log, "ab") as log:
                    c.proc = subprocess.Popen(
                        c.argv,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        env=c.env,
                        cwd=str(REPO),
                        preexec_fn=_die_with_parent,
                    )
                c.ended = False
                self.say(f"{c.name} started again (pid {c.proc.pid})")

    def _summary(self, p1: int, p2: int, skipped: list[str]) -> None:
        say = self.say
        say("")
        say(f"Hall {self._prov.site_id} ({self._prov.state.site_name}) is up:")
        say(f"  {'mosquitto':<16} pid {self._mosquitto_proc.pid:<8} log {self._mosquitto.log_path}")
        for c in self.children:
            say(f"  {c.name:<16} pid {c.proc.pid:<8} log {c.log}" + (f"   {c.window}" if c.window else ""))
        for s in skipped:
            say(f"  skipped: {s}")
        if self.gateway_url:
            say(f"  gateway: {self.gateway_url}/api/v1/hall (citizen pages {self.gateway_url}/t/<status_token>)")
        say(
            f"  MQTT: 127.0.0.1:{p1} (loopback, password) and 127.0.0.1:{p2} (TLS, password); each node's "
            f"credentials are in {self.workdir / 'nodes'}/<node>/node.env"
        )
        say(
            f"  operator commands read this hall: python -m queue_broker status --config {self.site}"
            + ("" if self.data_dir == hall_data_dir(self.site, {}) else f" (with HALL_DATA_DIR={self.data_dir})")
        )
        say("Ctrl-C (or SIGTERM) stops the whole hall.")

    # ------------------------------------------------------------------ run
    def _read_notify(self, timeout: float) -> None:
        if self.notify_sock is None:
            time.sleep(timeout)
            return
        ready, _, _ = select.select([self.notify_sock], [], [], timeout)
        while ready:
            data = self.notify_sock.recv(4096).decode(errors="replace")
            for line in data.splitlines():
                if line == "READY=1":
                    self.ready = True
                    self.last_watchdog = time.monotonic()
                elif line == "WATCHDOG=1":
                    self.last_watchdog = time.monotonic()
            ready, _, _ = select.select([self.notify_sock], [], [], 0)

    def watch(self) -> int:
        """Until a signal or a core process's end. Returns the exit status for `up`."""
        stop = {"signal": None}

        def on_signal(signum, _frame):
            stop["signal"] = signum

        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, on_signal)
        status = 0
        warned_watchdog = False
        while stop["signal"] is None:
            self._read_notify(0.2)
            if stop["signal"] is not None:
                break
            if self._mosquitto_proc.poll() is not None:
                self.say(f"Mosquitto exited with {self._mosquitto_proc.returncode}; see {self._mosquitto.log_path}")
                status = 1
                break
            core_down = False
            for c in self.children:
                if not c.ended and c.proc.poll() is not None:
                    c.ended = True
                    self.say(f"{c.name} ({c.what}) exited with {c.proc.returncode}; see {c.log}")
                    core_down = core_down or c.core
                    if c.restart_at is not None:
                        c.restart_at = time.monotonic() + LINK_RESTART_S
            if core_down:
                status = 1
                break
            self._restart_links()
            late = time.monotonic() - self.last_watchdog
            if self.ready and late > WATCHDOG_LATE_S and not warned_watchdog:
                broker_log = next(c.log for c in self.children if c.core)
                self.say(
                    f"the queue broker sent no WATCHDOG=1 for {late:.0f} s: it may be hung (systemd would "
                    f"restart it); see {broker_log}"
                )
                warned_watchdog = True
            elif late < WATCHDOG_LATE_S:
                warned_watchdog = False
        if stop["signal"] is not None:
            self.say(f"{signal.Signals(stop['signal']).name}: stopping the hall")
        return status

    def stop(self) -> None:
        """Nodes first, then the queue broker, then Mosquitto; nothing is left running."""
        if self.stopping:
            return
        self.stopping = True
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C must not leave things half stopped
        nodes = [c for c in self.children if not c.core]
        core = [c for c in self.children if c.core]
        for group in (nodes, core):
            for c in group:
                if c.proc.poll() is None:
                    c.proc.terminate()
            deadline = time.monotonic() + STOP_GRACE_S
            for c in group:
                try:
                    c.proc.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    self.say(f"{c.name} did not stop within {STOP_GRACE_S:g} s: killed")
                    c.proc.kill()
                    c.proc.wait(5)
        if self.mosquitto is not None:
            self.mosquitto.stop()
        (self.workdir / "run" / "mosquitto.pid").unlink(missing_ok=True)
        (self.workdir / "run" / "screens" / "control.json").unlink(missing_ok=True)
        if self.notify_sock is not None:
            self.notify_sock.close()
            (self.workdir / "run" / "notify.sock").unlink(missing_ok=True)
        left = [c.name for c in self.children if c.proc.poll() is None]
        if self.mosquitto is not None and self.mosquitto.proc is not None:
            left.append("mosquitto")
        self.say("stopped: " + (f"still running: {', '.join(left)}" if left else "no process is left"))


def _say(line: str) -> None:
    print(line, flush=True)


def _interrupt(signum, _frame) -> None:
    raise KeyboardInterrupt


def run_up(
    site: str,
    workdir: str | None = None,
    mqtt_port: int | None = None,
    mqtts_port: int | None = None,
    say=_say,
    options: UpOptions | None = None,
) -> int:
    options = options or UpOptions()
    site_path = Path(site)
    if site_path.is_dir():
        site_path = site_path / "site.yaml"
    if not site_path.exists():
        raise ProvisionError(f"no site file at {site_path} (give a hall's folder or its site.yaml)")
    if options.exit_after and options.screenshots is None:
        raise ProvisionError("--exit stops the hall once the screenshots are taken: give --screenshots DIR too")
    work = Path(workdir) if workdir else site_path.parent / "var" / "up"
    work.mkdir(parents=True, exist_ok=True)
    say(f"Starting hall from {site_path} in {work.resolve()}")
    hall = Hall(site_path, work.resolve(), say=say, options=options)
    for sig in (signal.SIGTERM, signal.SIGHUP):  # while starting: stop what was started, like Ctrl-C
        signal.signal(sig, _interrupt)
    status = 1
    try:
        hall.start(mqtt_port, mqtts_port)
        took_all = hall.screenshots()
        if options.exit_after:
            status = 0 if took_all else 1
        else:
            status = hall.watch()
    except KeyboardInterrupt:
        status = 0
    except (RuntimeError, OSError) as exc:
        say(f"up: {exc}")
    finally:
        hall.stop()
    return status
