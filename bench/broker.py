"""Queue broker benchmark over a real Mosquitto on loopback (not a test: run it by hand).

    .venv/bin/python bench/broker.py [--rate 50] [--seconds 20] [--clients 8] [--inflight 32]

1. Latency: issue and call-next requests at a steady rate (half each), each timed from publish to
   reply; prints p50/p99/max per kind.
2. Throughput: several clients keep many requests in flight; counts durable (acknowledged, hence
   committed) commands per second.
The broker runs as `python -m queue_broker run` in its own process, as in production.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from procfs import cpu_model, pct  # noqa: E402  (bench/, on sys.path when run as a script)

from provisioning.mosquitto import MosquittoProcess  # noqa: E402
from queue_broker.link import HallLink  # noqa: E402
from queue_broker.processes import stop_process  # noqa: E402

CONFIG = ROOT / "tests" / "fixtures" / "mini-site.yaml"


def start_broker(url: str, data: str) -> subprocess.Popen:
    env = {**os.environ, "HALL_MQTT_URL": url, "HALL_DATA_DIR": data, "HALL_LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "-m", "queue_broker", "run", "--config", str(CONFIG)], env=env)


def wait_ready(link: HallLink) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if link.request(link.topics.ticket_status(), {"request_id": uuid.uuid4().hex, "ticket_id": "x"}, 1.0):
                return
        except Exception:
            time.sleep(0.2)
    raise SystemExit("broker did not answer")


def latency(url: str, rate: float, seconds: float) -> dict[str, list[float]]:
    kiosk = HallLink(url, "mini", "bench-kiosk", "kiosk").start()
    desk = HallLink(url, "mini", "bench-desk", "counter").start()
    kiosk.wait_connected(5)
    desk.wait_connected(5)
    wait_ready(kiosk)
    for c in ("W1", "W2", "W3", "T1"):
        desk.request(
            desk.topics.counter_cmd(c, "open"), {"request_id": uuid.uuid4().hex, "operator_id": "demo", "pin": "123456"}
        )
    times: dict[str, list[float]] = {"issue": [], "call-next": []}
    interval = 1.0 / rate
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        t0 = time.monotonic()
        if n % 2 == 0:
            kind, link, topic = "issue", kiosk, kiosk.topics.ticket_issue()
            body = {
                "request_id": uuid.uuid4().hex,
                "kiosk_id": "bench-kiosk",
                "service_id": "zh-general",
                "channel": "walk_in",
            }
        else:
            kind, link, topic = "call-next", desk, desk.topics.counter_cmd(("W1", "T1")[n % 4 // 2], "call-next")
            body = {"request_id": uuid.uuid4().hex}
        reply = link.request(topic, body, 5.0)
        assert reply["ok"], reply
        times[kind].append((time.monotonic() - t0) * 1000)
        n += 1
        time.sleep(max(0.0, interval - (time.monotonic() - t0)))
    kiosk.stop()
    desk.stop()
    return times


def throughput(url: str, clients: int, inflight: int, seconds: float, mixed: bool) -> tuple[int, float]:
    """Acknowledged commands per second. `mixed`: half the clients are counters calling the next
    citizen while the other half issue tickets, so the line stays as long as a hall's; otherwise
    every client issues, and the line grows by thousands (no hall's)."""
    done = [0] * clients
    stop = threading.Event()
    counters = ("W1", "W2", "W3", "T1")

    def run(i: int) -> None:
        calling = mixed and i % 2 == 1
        link = HallLink(url, "mini", f"bench-tp-{i}", "counter" if calling else "kiosk").start()
        link.wait_connected(5)
        window = []
        n = 0
        while not stop.is_set():
            while len(window) < inflight:
                n += 1
                if calling:
                    topic = link.topics.counter_cmd(counters[(i // 2 + n) % len(counters)], "call-next")
                    window.append(link.request_async(topic, {"request_id": uuid.uuid4().hex}))
                    continue
                body = {
                    "request_id": uuid.uuid4().hex,
                    "kiosk_id": f"bench-tp-{i}",
                    "service_id": ("zh-general", "bdc-transfer")[n % 2] if mixed else "zh-general",
                    "channel": "walk_in",
                }
                window.append(link.request_async(link.topics.ticket_issue(), body))
            reply = window.pop(0).wait(10)
            # count what was committed: an ok that changed something (a ticket issued or called)
            if reply is not None:
                body = json.loads(reply)
                if body.get("ok") and body.get("ticket"):
                    done[i] += 1
        link.stop()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(2)  # warm up
    base, tb = sum(done), time.monotonic()
    time.sleep(seconds)
    count, elapsed = sum(done) - base, time.monotonic() - tb
    stop.set()
    for t in threads:
        t.join(30)
    del t0
    return count, elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=50)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--inflight", type=int, default=32)
    args = ap.parse_args()
    cpu = cpu_model() or "?"
    print(f"machine: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}")
    with tempfile.TemporaryDirectory() as tmp, MosquittoProcess(workdir=tmp) as mq:
        data = os.path.join(tmp, "data")
        broker = start_broker(mq.url, data)
        try:
            times = latency(mq.url, args.rate, args.seconds)
            for kind, values in times.items():
                print(
                    f"{kind:<10} n={len(values):5d}  p50={statistics.median(values):6.2f} ms  "
                    f"p99={pct(values, 99):6.2f} ms  max={max(values):6.2f} ms  (at {args.rate:g} req/s)"
                )
            for mixed in (True, False):
                count, elapsed = throughput(mq.url, args.clients, args.inflight, args.seconds, mixed)
                what = "issue and call-next, the line bounded" if mixed else "issue only, the line growing"
                print(
                    f"durable commands ({what}): {count} in {elapsed:.1f} s = {count / elapsed:.0f} per second "
                    f"({args.clients} clients x {args.inflight} in flight)"
                )
        finally:
            stop_process(broker, 10)


if __name__ == "__main__":
    main()
