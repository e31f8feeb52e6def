"""Kiosk benchmark (not a test: run it by hand): cold start, tap to ticket on screen, memory.

    .venv/bin/python bench/kiosk_start.py [--starts 5] [--tickets 30] [--display auto|xvfb|offscreen]

The sample hall's catalog (内乡县, 62 items and 5 bundles, 112 kB) with opening hours set to the whole
day, a real Mosquitto and the real queue broker (`python -m queue_broker run`, its own process) on
loopback, the kiosk as `python -m kiosk_app` with simulated printer, ID-card reader and scanner, in a
1080x1920 window (a 21.5-inch portrait panel).

- cold start: from spawning the kiosk process to the first frame drawn with the catalog on it
  (the home screen a citizen can use), wall clock, interpreter start included;
- tap to ticket: from the release of the finger on 取号 (a real touch event through the window) to the
  buffer swap of the first frame that shows the ticket, measured inside the kiosk; also from the
  benchmark's own side (command sent to ticket seen, which adds the control round trip);
- memory: the kiosk's resident set right after the tickets and idle on the home screen after them
  (VmRSS, of which anonymous and file-backed, and by mapping: libLLVM, the software renderer, the heap
  and anonymous memory...), then idle again after a visit to every other screen (search typed in,
  departments, ID card, appointment, where is my ticket), its peak (VmHWM), and a bare Kivy window of
  the same size for comparison (Kivy's default settings, and the kiosk's: no multisampling).

Display: `auto` uses Xvfb (a real X server, as a kiosk's display) when there is no DISPLAY. Without a
GPU, Mesa's llvmpipe renders every frame in software on the CPU: that is what these figures measure.
"""

from __future__ import annotations

import argparse
import collections
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from procfs import pct  # noqa: E402  (bench/, on sys.path when run as a script)

from provisioning.mosquitto import MosquittoProcess  # noqa: E402
from queue_broker.link import HallLink  # noqa: E402
from queue_broker.processes import stop_process  # noqa: E402
from tests.sample_hall import SAMPLE, open_around_the_clock, sample_site, write_site_yaml  # noqa: E402
from tests.ui.hall import KIOSK_DEVICES as SIM_DEVICES  # noqa: E402
from tests.ui.hall import KIOSK_SCREEN as SCREEN  # noqa: E402
from tests.ui.hall import NEIXIANG_FREQUENT as FREQUENT  # noqa: E402
from tests.ui.harness import KioskProcess  # noqa: E402


def site_file(tmp: Path, site_id: str) -> Path:
    data = open_around_the_clock(sample_site())
    data["site"]["id"] = site_id
    data["data_dir"] = str(tmp / "data")
    data["services_file"] = str(SAMPLE / data["services_file"])
    data["caps"] = {"per_person_per_day": None, "per_person_per_queue_per_day": None}
    for q in data["queues"]:
        q.pop("daily_cap", None)
    for node in data["nodes"]:
        if node["id"] == "kiosk-1":
            node["devices"] = SIM_DEVICES
            node["screen"] = {**SCREEN, "frequent_service_ids": FREQUENT, "request_timeout_s": 4.0}
    return write_site_yaml(data, tmp / "site.yaml")


def start_xvfb() -> tuple[subprocess.Popen, str]:
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1080x1920x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    number = b""
    while not number.endswith(b"\n"):
        chunk = os.read(read_fd, 16)
        if not chunk:
            break
        number += chunk
    os.close(read_fd)
    return proc, f":{int(number)}"


def memory(pid: int) -> dict[str, float]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key = line.split(":")[0]
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            out[key] = int(line.split()[1]) / 1024
    return out


def by_mapping(pid: int) -> list[tuple[str, float]]:
    """Resident MB by what is mapped: a library's file name, [heap], [anon], the X shared image..."""
    groups: collections.Counter[str] = collections.Counter()
    name = ""
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        parts = line.split()
        if parts and not parts[0].endswith(":"):  # a mapping's header line: address perms offset dev inode [path]
            name = (
                os.path.basename(parts[5])
                if len(parts) > 5 and parts[5].startswith("/")
                else (parts[5] if len(parts) > 5 else "[anon]")
            )
            name = "SYSV shared memory (X image)" if name.startswith("SYSV") else name
        elif parts and parts[0] == "Rss:":
            groups[name] += int(parts[1]) / 1024
    return groups.most_common()


VISITS = (
    ("home.search", ("key.b", "key.d", "key.c")),
    ("home.by_department", ()),
    ("home.card", ()),
    ("home.appointment", ()),
    ("home.lookup", ()),
)

BARE = """
import os, time, sys
from kivy.config import Config
Config.set('graphics', 'width', '1080'); Config.set('graphics', 'height', '1920')
Config.set('graphics', 'multisamples', os.environ.get('BARE_MULTISAMPLES', '2'))
from kivy.app import App
from kivy.uix.label import Label
from kivy.clock import Clock
class Bare(App):
    def build(self):
        Clock.schedule_once(self.report, 1.5)
        return Label(text='bare')
    def report(self, _dt):
        sys.stdout.write(open('/proc/self/status').read()); sys.stdout.flush(); self.stop()
Bare().run()
"""


def bare_window(env: dict, tmp: Path) -> dict[str, float]:
    script = tmp / "bare_window.py"  # a file: Kivy's App looks for its .kv beside its source
    script.write_text(BARE)
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60)
    out = {}
    for line in done.stdout.splitlines():
        key = line.split(":")[0]
        if key in ("VmRSS", "RssAnon", "RssFile"):
            out[key] = int(line.split()[1]) / 1024
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--tickets", type=int, default=30)
    parser.add_argument("--display", choices=("auto", "xvfb", "offscreen"), default="auto")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    site_id = f"bench-{secrets.token_hex(3)}"
    path = site_file(tmp, site_id)
    xvfb = None
    env = {"KIVY_NO_CONSOLELOG": "1", "KIVY_NO_ARGS": "1", "KIVY_HOME": str(tmp / "kivy-home")}
    display = os.environ.get("DISPLAY", "")
    if args.display == "xvfb" or (args.display == "auto" and not display and shutil.which("Xvfb")):
        xvfb, display = start_xvfb()
    if args.display == "offscreen":
        display = ""
    mode = f"X11 {display}" + (" (Xvfb)" if xvfb else "") if display else "SDL offscreen"
    env["DISPLAY"] = display
    mosquitto = MosquittoProcess(workdir=tmp / "mosquitto")
    (tmp / "mosquitto").mkdir()
    mosquitto.start()
    broker = subprocess.Popen(
        [sys.executable, "-m", "queue_broker", "run", "--config", str(path)],
        env={**os.environ, "HALL_MQTT_URL": mosquitto.url, "HALL_LOG_LEVEL": "WARNING"},
        cwd=ROOT,
    )
    staff = HallLink(mosquitto.url, site_id, "bench-desk", "counter").start()
    staff.wait_connected(10)
    kiosk = None
    try:
        deadline = time.monotonic() + 30
        while True:  # the broker answers: it has published its catalog
            try:
                staff.request(staff.topics.ticket_status(), {"request_id": secrets.token_hex(8), "ticket_id": "x"}, 1.0)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise SystemExit("the queue broker did not start") from None
        for counter in ("c01", "c07", "c09", "c17"):
            staff.request(
                staff.topics.counter_cmd(counter, "open"),
                {"request_id": secrets.token_hex(8), "operator_id": "demo", "pin": "123456"},
                10,
            )

        starts: list[float] = []
        inner: list[float] = []
        for n in range(args.starts):
            run_env = {**env, "KIVY_HOME": str(tmp / f"kivy-home-{n}")}  # cold: no Kivy config yet
            spawned = time.time()
            kiosk = KioskProcess(path, mosquitto.url, tmp / f"kiosk-{n}", env=run_env)
            kiosk.connect(60)
            st = kiosk.wait_for(lambda s: s["first_frame_wall"] is not None, 60, "the first frame")
            starts.append((st["first_frame_wall"] - spawned) * 1000)
            inner.append(st["first_frame_ms"])
            if n < args.starts - 1:
                kiosk.close()
                kiosk = None

        kiosk.ready()
        inside: list[float] = []
        outside: list[float] = []
        services = FREQUENT[:6]
        for n in range(args.tickets):
            kiosk.tap(f"home.item.{services[n % len(services)]}")
            kiosk.wait_for(lambda s: s["screen"] == "item")
            t0 = time.perf_counter()
            kiosk.tap("item.take")
            st = kiosk.wait_for(
                lambda s: s["ticket_phase"] == "shown" and "tap_to_ticket_ms" in s["metrics"], 10, "the ticket"
            )
            outside.append((time.perf_counter() - t0) * 1000)
            inside.append(st["metrics"]["tap_to_ticket_ms"])
            kiosk.wait_for(lambda s: s["print_phase"] in ("printed", "failed", "none"), 10)
            kiosk.tap("ticket.done")
            kiosk.wait_for(lambda s: s["screen"] == "home")
        busy_mem = memory(kiosk.proc.pid)
        time.sleep(8)  # the kiosk idle on its home screen (it gives freed memory back after 5 s)
        mem = memory(kiosk.proc.pid)
        parts = by_mapping(kiosk.proc.pid)
        debug = kiosk.call("debug")
        st = kiosk.state()
        swap = st["swap_ms_median"]
        visited_mem = 0.0
        for screen, taps in VISITS:
            kiosk.tap(screen)
            kiosk.wait_for(lambda s: s["screen"] != "home")
            for tid in taps:
                kiosk.tap(tid)
            visited_mem = max(visited_mem, memory(kiosk.proc.pid)["VmRSS"])
            kiosk.tap("nav.home")
            kiosk.wait_for(lambda s: s["screen"] == "home")
        time.sleep(8)
        after_visits = memory(kiosk.proc.pid)
    finally:
        if kiosk is not None:
            kiosk.close()
        staff.stop()
        stop_process(broker, 10)
        mosquitto.cleanup()
    bare = bare_window({**os.environ, **env}, tmp)
    bare0 = bare_window({**os.environ, **env, "BARE_MULTISAMPLES": "0"}, tmp)
    if xvfb is not None:
        xvfb.terminate()
    load = os.getloadavg()

    print(
        f"# Kiosk benchmark — {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"display: {mode}, load average before/after: {load[2]:.1f}/{load[0]:.1f}"
    )
    print(
        f"catalog: 内乡县 sample (62 items + 5 bundles), window 1080x1920, {args.starts} cold starts, "
        f"{args.tickets} tickets\n"
    )
    print("| measure | median | p90 | max | target |")
    print("|---|---|---|---|---|")
    print(
        f"| cold start to first frame with the catalog (ms, wall clock) | {statistics.median(starts):.0f} | "
        f"{pct(starts, 90):.0f} | {max(starts):.0f} | < 4000 |"
    )
    print(
        f"| of which after the interpreter started (ms) | {statistics.median(inner):.0f} | {pct(inner, 90):.0f} | "
        f"{max(inner):.0f} | |"
    )
    print(
        f"| tap on 取号 to ticket on the glass (ms, in the kiosk) | {statistics.median(inside):.0f} | "
        f"{pct(inside, 90):.0f} | {max(inside):.0f} | < 500 |"
    )
    print(
        f"| same, seen from the benchmark (ms, + control round trip) | {statistics.median(outside):.0f} | "
        f"{pct(outside, 90):.0f} | {max(outside):.0f} | |"
    )
    print(f"| one frame (buffer swap, ms, median) | {swap:.0f} | | | |")
    print(
        f"\nkiosk memory after {args.tickets} tickets, idle on the home screen: VmRSS {mem['VmRSS']:.0f} MB "
        f"(anonymous {mem['RssAnon']:.0f}, file-backed {mem['RssFile']:.0f}); right after the last ticket "
        f"{busy_mem['VmRSS']:.0f} MB; target < 250 MB"
    )
    print(
        f"then every other screen visited (at most {visited_mem:.0f} MB on them) and idle again: VmRSS "
        f"{after_visits['VmRSS']:.0f} MB (anonymous {after_visits['RssAnon']:.0f}, file-backed "
        f"{after_visits['RssFile']:.0f}); peak of the whole run (VmHWM) {after_visits['VmHWM']:.0f} MB"
    )
    print("idle after the tickets, by mapping (MB): " + ", ".join(f"{k} {v:.1f}" for k, v in parts[:8]))
    print(
        f"of which label and QR textures {debug['texture_mb']:.1f} MB ({debug['textures']}), "
        f"screens built: {', '.join(debug['screens_built'])}"
    )
    for label, b in (("Kivy's defaults (2x multisampling)", bare), ("no multisampling, as the kiosk", bare0)):
        if b:
            print(
                f"a bare Kivy window of the same size, {label}: VmRSS {b.get('VmRSS', 0):.0f} MB (anonymous "
                f"{b.get('RssAnon', 0):.0f}, file-backed {b.get('RssFile', 0):.0f})"
            )
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
