"""How long from the broker publishing event/called to the voice node starting playback?

    .venv/bin/python bench/voice_latency.py [--warm 100] [--cold 15] [--engine espeak-ng|pyttsx3|both]
                                            [--update-docs docs/voice.md]

A real Mosquitto (MosquittoProcess, own port), a real voice node process (`python -m voice run`), the
site's default voice settings (template 请{number}号到{counter}号窗口办理, repeat 2, chime, rate 150).
The bench publishes a CalledEvent as node 'broker' and reads the node's playback log: latency is the
log's `start_mono` minus the monotonic time just before publishing (one clock for every process on
Linux). Each call is published once the previous one was logged, so each measures an idle node.

- warm: one node, prewarmed (chime, fixed phrases, every counter); each call a new ticket number, so
  one phrase is rendered on the call path, as in a working hall.
- cached: the same node, the same tickets and counters again as new calls: every phrase from the cache
  (what a recall costs).
- cold: a new node process and an empty cache for every call, no prewarm: every phrase (chime
  included) rendered on the call path.

The node plays through `--player none`: this machine has no sound card, and the time stamp is taken
right before the player is called, so what aplay would add (its own start, ALSA buffering) is not in
these figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from procfs import cpu_model  # noqa: E402  (bench/, on sys.path when run as a script)

from provisioning.mosquitto import MosquittoProcess  # noqa: E402
from queue_broker.link import HallLink  # noqa: E402
from queue_broker.processes import stop_process  # noqa: E402
from queue_broker.protocol.messages import CalledEvent  # noqa: E402

SITE = "bench-voice"
NODE = "voice-1"
COUNTERS = list(range(1, 21))


def write_site(folder: Path, url: str) -> Path:
    site = {
        "site": {"id": SITE, "name": "基准测试大厅", "opening_hours": {"mon": [{"start": "08:30", "end": "17:30"}]}},
        "mqtt": {"url": url},
        "data_dir": str(folder / "var"),
        "queues": [{"id": "ZH", "prefix": "A", "name": "综合受理"}],
        "counters": [
            {"id": f"c{n:02d}", "number": n, "name": f"{n}号窗口", "zone": "main", "home": ["ZH"]} for n in COUNTERS
        ],
        "nodes": [{"id": "broker", "role": "broker"}, {"id": NODE, "role": "voice"}],
    }
    path = folder / "site.yaml"
    path.write_text(yaml.safe_dump(site, allow_unicode=True), encoding="utf-8")
    return path


class Node:
    """`python -m voice run` as a child process, and a way to wait for its playback log."""

    def __init__(self, site: Path, folder: Path, engine: str, prewarm: bool, broker: HallLink):
        self.log = folder / "play.jsonl"
        argv = [
            sys.executable,
            "-m",
            "voice",
            "--log-level",
            "WARNING",
            "run",
            "--config",
            str(site),
            "--node",
            NODE,
            "--player",
            "none",
            "--engine",
            engine,
            "--playback-log",
            str(self.log),
            "--cache-dir",
            str(folder / "cache"),
        ]
        if not prewarm:
            argv.append("--no-prewarm")
        online = threading.Event()
        status_topic = broker.topics.node_status(NODE)

        def on_status(topic: str, payload: bytes, inbound) -> None:
            if topic == status_topic and json.loads(payload).get("online"):
                online.set()

        broker.subscribe(status_topic, on_status)
        self.proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # the node's birth message follows its SUBSCRIBE on the same connection: once it is seen
        # online, a call published now is delivered
        if not online.wait(15):
            self.stop()
            raise RuntimeError("the voice node did not come online")
        self.seen = 0

    def entries(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(x) for x in self.log.read_text(encoding="utf-8").splitlines() if x.strip()]

    def call(self, broker: HallLink, number: str, counter: int, ticket_id: str, timeout: float = 30) -> dict:
        event = CalledEvent(
            at=datetime.now(UTC),
            ticket_id=ticket_id,
            number=number,
            queue_id="ZH",
            counter_id=f"c{counter:02d}",
            counter_number=counter,
            counter_name=f"{counter}号窗口",
            recall=0,
        )
        sent = time.monotonic()
        broker.publish(broker.topics.event("called"), event)
        deadline = sent + timeout
        while time.monotonic() < deadline:
            entries = self.entries()
            if len(entries) > self.seen:
                self.seen = len(entries)
                entry = entries[-1]
                return {
                    "total_ms": (entry["start_mono"] - sent) * 1000,
                    "network_ms": (entry["received_mono"] - sent) * 1000,
                    "ticket": entry["ticket"],
                }
            time.sleep(0.002)
        raise RuntimeError(f"no playback of {number} within {timeout} s")

    def stop(self) -> None:
        stop_process(self.proc, 15)


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"n": len(ordered), "p50": statistics.median(ordered), "p95": p95, "max": ordered[-1]}


def run_engine(engine: str, url: str, broker: HallLink, warm_n: int, cold_n: int) -> dict[str, dict]:
    results: dict[str, list[dict]] = {"warm": [], "cached": [], "cold": []}
    with tempfile.TemporaryDirectory(prefix="voice-bench-") as tmp:
        folder = Path(tmp) / "warm"
        folder.mkdir()
        site = write_site(folder, url)
        node = Node(site, folder, engine, prewarm=True, broker=broker)
        try:
            node.call(broker, "Z000", 1, "sync")  # returns once prewarming is over and the node is idle
            for i in range(warm_n):
                results["warm"].append(node.call(broker, f"A{i + 1:03d}", COUNTERS[i % len(COUNTERS)], f"w{i}"))
            for i in range(min(warm_n, 50)):
                # the same ticket and counter again as a new call: number, counter, fixed parts all cached
                results["cached"].append(node.call(broker, f"A{i + 1:03d}", COUNTERS[i % len(COUNTERS)], f"r{i}"))
        finally:
            node.stop()
        for i in range(cold_n):
            folder = Path(tmp) / f"cold{i}"
            folder.mkdir()
            node = Node(write_site(folder, url), folder, engine, prewarm=False, broker=broker)
            try:
                results["cold"].append(node.call(broker, f"B{i + 1:03d}", COUNTERS[i % len(COUNTERS)], f"c{i}"))
            finally:
                node.stop()
    return {
        kind: {"total": summary([r["total_ms"] for r in rows]), "network": summary([r["network_ms"] for r in rows])}
        for kind, rows in results.items()
        if rows
    }


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def machine() -> dict[str, str]:
    espeak = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout.split("Data")[0].strip()
    mosquitto = subprocess.run([shutil.which("mosquitto") or "mosquitto", "-h"], capture_output=True, text=True).stdout
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() or str(os.cpu_count()),
        "cpu": cpu_model() or "unknown",
        "os": platform.platform(),
        "python": platform.python_version(),
        "espeak": espeak,
        "mosquitto": (mosquitto.splitlines() or ["?"])[0],
    }


def markdown(info: dict[str, str], figures: dict[str, dict[str, dict]], warm_n: int, cold_n: int) -> str:
    lines = [
        f"Measured {info['date']} on {info['nproc']} cores ({info['cpu']}), {info['os']}, Python {info['python']}, "
        f"{info['espeak']}, {info['mosquitto']}. Load average (1/5/15 min) {info['load_before']} before, "
        f"{info['load_after']} after: other work shared the machine. Command: `.venv/bin/python "
        f"bench/voice_latency.py --warm {warm_n} --cold {cold_n}`.",
        "",
        "| engine | case | calls | p50 ms | p95 ms | max ms | of which MQTT p50 ms |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for engine, cases in figures.items():
        for case in ("warm", "cached", "cold"):
            if case in cases:
                t, n = cases[case]["total"], cases[case]["network"]
                lines.append(
                    f"| {engine} | {case} | {t['n']} | {t['p50']:.1f} | {t['p95']:.1f} | {t['max']:.1f} "
                    f"| {n['p50']:.2f} |"
                )
    return "\n".join(lines)


def update_docs(path: Path, block: str) -> None:
    text = path.read_text(encoding="utf-8")
    start, end = "<!-- bench:voice_latency -->", "<!-- /bench:voice_latency -->"
    if start not in text:
        raise SystemExit(f"{path} has no {start} ... {end} section")
    new = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: f"{start}\n{block}\n{end}", text, flags=re.S)
    path.write_text(new, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=100)
    parser.add_argument("--cold", type=int, default=15)
    parser.add_argument("--engine", choices=["espeak-ng", "pyttsx3", "both"], default="both")
    parser.add_argument("--update-docs", type=Path, help="rewrite the figures section of this markdown file")
    args = parser.parse_args()
    engines = ["espeak-ng", "pyttsx3"] if args.engine == "both" else [args.engine]
    figures: dict[str, dict[str, dict]] = {}
    load_before = loadavg()
    with MosquittoProcess() as mosquitto:
        broker = HallLink(mosquitto.url, SITE, "broker", "broker").start()
        if not broker.wait_connected(10):
            raise SystemExit("could not connect to the bench's own mosquitto")
        try:
            for engine in engines:
                figures[engine] = run_engine(engine, mosquitto.url, broker, args.warm, args.cold)
                for case, values in figures[engine].items():
                    t = values["total"]
                    print(
                        f"{engine:10} {case:7} n={t['n']:3d}  p50 {t['p50']:6.1f} ms  p95 {t['p95']:6.1f} ms  "
                        f"max {t['max']:6.1f} ms  (MQTT p50 {values['network']['p50']:.2f} ms)"
                    )
        finally:
            broker.stop()
    info = {**machine(), "load_before": load_before, "load_after": loadavg()}
    block = markdown(info, figures, args.warm, args.cold)
    print()
    print(block)
    if args.update_docs:
        update_docs(args.update_docs, block)
        print(f"\nwrote the figures into {args.update_docs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
