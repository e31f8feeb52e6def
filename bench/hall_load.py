"""A hall at peak, as separate MQTT clients against the real broker process (not a test).

    .venv/bin/python bench/hall_load.py                          # 60 hall minutes at 10x: 6 real minutes
    .venv/bin/python bench/hall_load.py --hall-minutes 1440 --speed 120 --soak   # a day at high speed

30 kiosks issue tickets (Poisson arrivals sized to keep 60 counters about 90% busy), 60 counter
terminals call, serve (lognormal service times, scaled by --speed) and call again, 10 call screens and
voice nodes subscribe to state/# and event/#. Measured: command latency (p50, p99), the broker
process's CPU and resident memory (from /proc), messages per second at the screens. With --soak,
resident memory is sampled through the run and the growth after warm-up is reported. With
--trace-memory, the broker runs under tracemalloc (bench/traced_broker.py; slower) and the lines whose
allocations grew most between the end of warm-up and the end are printed.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from procfs import ProcStat, cpu_model, pct  # noqa: E402  (bench/, on sys.path when run as a script)

from provisioning.mosquitto import MosquittoProcess  # noqa: E402
from queue_broker.link import HallLink, LinkTimeout  # noqa: E402
from queue_broker.processes import stop_process  # noqa: E402

QUEUES = [
    ("ZH", "A", "综合受理", 8.0),
    ("BDC", "B", "不动产", 15.0),
    ("SB", "C", "社保", 7.0),
    ("YB", "D", "医保", 6.0),
    ("SW", "E", "税务", 10.0),
    ("HJ", "F", "户籍", 5.0),
]
PIN_HASH = "pbkdf2_sha256$200000$CSfO5gqpjK67jlx3b07K0w==$SvnJWWuAD+HzY0w6Dq74Hd4lyKaWfpcCCor+qBYQfVY="  # 123456


def site_yaml(counters: int) -> str:
    days = "\n".join(
        f"    {d}: [{{start: '00:00', end: '24:00'}}]" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    )
    lines = [
        "site:",
        "  id: load",
        "  name: 负载测试大厅",
        "  timezone: Asia/Shanghai",
        "  opening_hours:",
        days,
        "  ticketing_closes_before_min: 0",
        "caps: {per_person_per_day: null, per_person_per_queue_per_day: null}",
        "queues:",
    ]
    lines += [f"  - {{id: {q}, prefix: {p}, name: {n}, mean_service_min: {m}}}" for q, p, n, m in QUEUES]
    lines.append("counters:")
    for i in range(counters):
        q = QUEUES[i % len(QUEUES)][0]
        lines.append(f"  - {{id: C{i + 1:02d}, number: {i + 1}, name: {i + 1}号窗口, home: [{q}]}}")
    lines += [
        "operators:",
        f'  - {{id: demo, name: 演示, pin_hash: "{PIN_HASH}", counters: "*", demo_only: true}}',
        "services:",
    ]
    for q, _p, n, _m in QUEUES:
        lines += [
            f"  - id: s-{q.lower()}",
            f"    name: {n}事项",
            f"    queue_id: {q}",
            "    department: 测试",
            "    guide: {implementing_body: 测试, legal_basis: [], conditions: [], fee: 不收费, process: [],",
            "            time_limit_days: 0, result: 办结, contact: 无}",
            "    materials: []",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kiosks", type=int, default=30)
    ap.add_argument("--counters", type=int, default=60)
    ap.add_argument("--screens", type=int, default=10)
    ap.add_argument("--hall-minutes", type=float, default=60)
    ap.add_argument("--speed", type=float, default=10)
    ap.add_argument("--load", type=float, default=0.9, help="offered load per counter (arrivals x service / counters)")
    ap.add_argument("--soak", action="store_true", help="sample the broker's memory through the run")
    ap.add_argument("--trace-memory", action="store_true", help="what grows, by allocating line (tracemalloc)")
    args = ap.parse_args()
    real_s = args.hall_minutes * 60 / args.speed
    mean_service_min = statistics.mean(m for *_, m in QUEUES)
    arrivals_per_hall_min = args.load * args.counters / mean_service_min
    cpu = cpu_model() or "?"
    print(f"machine: {os.cpu_count()} cores, {cpu}; {time.strftime('%Y-%m-%d %H:%M')}")
    print(
        f"{args.kiosks} kiosks, {args.counters} counters, {args.screens} screens; {args.hall_minutes:g} hall minutes "
        f"at {args.speed:g}x = {real_s:.0f} s; {arrivals_per_hall_min * 60:.0f} tickets per hall hour"
    )
    with tempfile.TemporaryDirectory() as tmp, MosquittoProcess(workdir=tmp) as mq:
        cfg = Path(tmp) / "site.yaml"
        cfg.write_text(site_yaml(args.counters), encoding="utf-8")
        env = {
            **os.environ,
            "HALL_MQTT_URL": mq.url,
            "HALL_DATA_DIR": str(Path(tmp) / "data"),
            "HALL_LOG_LEVEL": "WARNING",
        }
        cmd = [sys.executable, "-m", "queue_broker"]
        if args.trace_memory:
            env["HALL_TRACE_DIR"] = tmp
            cmd = [sys.executable, str(ROOT / "bench" / "traced_broker.py")]
        broker = subprocess.Popen([*cmd, "run", "--config", str(cfg)], env=env)
        stat = ProcStat(broker.pid)
        lat: dict[str, list[float]] = {"issue": [], "call-next": []}
        lock, stop = threading.Lock(), threading.Event()
        counts = {"screen_msgs": 0, "timeouts": 0, "issued": 0, "served": 0}

        def timed(link: HallLink, kind: str, topic: str, body: dict) -> dict | None:
            t0 = time.monotonic()
            try:
                reply = link.request(topic, body, 10)
            except LinkTimeout:
                with lock:
                    counts["timeouts"] += 1
                return None
            with lock:
                lat[kind].append((time.monotonic() - t0) * 1000)
            return reply

        def kiosk(k: int) -> None:
            rng = random.Random(k)
            link = HallLink(mq.url, "load", f"kiosk-{k}", "kiosk").start()
            link.wait_connected(10)
            rate = arrivals_per_hall_min / args.kiosks / 60 * args.speed  # per real second
            while not stop.wait(rng.expovariate(rate)):
                q = rng.choices(QUEUES, weights=[1.0] * len(QUEUES))[0][0]
                r = timed(
                    link,
                    "issue",
                    link.topics.ticket_issue(),
                    {
                        "request_id": uuid.uuid4().hex,
                        "kiosk_id": f"kiosk-{k}",
                        "service_id": f"s-{q.lower()}",
                        "channel": "walk_in",
                    },
                )
                if r and r.get("ok"):
                    with lock:
                        counts["issued"] += 1
            link.stop()

        def counter(c: int) -> None:
            rng = random.Random(1000 + c)
            cid = f"C{c + 1:02d}"
            mean = QUEUES[c % len(QUEUES)][3] * 60 / args.speed
            sigma = math.sqrt(math.log(1 + 0.8**2))
            link = HallLink(mq.url, "load", f"counter-{cid}", "counter").start()
            link.wait_connected(10)
            link.request(
                link.topics.counter_cmd(cid, "open"),
                {"request_id": uuid.uuid4().hex, "operator_id": "demo", "pin": "123456"},
                30,
            )
            while not stop.is_set():
                r = timed(
                    link, "call-next", link.topics.counter_cmd(cid, "call-next"), {"request_id": uuid.uuid4().hex}
                )
                if r and r.get("ticket"):
                    with lock:
                        counts["served"] += 1
                    stop.wait(rng.lognormvariate(math.log(mean) - sigma**2 / 2, sigma))
                else:
                    stop.wait(20 / args.speed)  # nobody waiting: look again in 20 hall seconds
            link.stop()

        def screen(s: int) -> None:
            link = HallLink(mq.url, "load", f"screen-{s}", "display")

            def on(topic, payload, inbound):
                with lock:
                    counts["screen_msgs"] += 1

            link.subscribe(link.topics.all_state(), on)
            link.subscribe(link.topics.all_events(), on)
            link.start()
            stop.wait()
            link.stop()

        probe = HallLink(mq.url, "load", "probe", "supervisor").start()
        probe.wait_connected(10)
        for _ in range(100):
            try:
                probe.request(probe.topics.ticket_status(), {"request_id": uuid.uuid4().hex, "ticket_id": "x"}, 1)
                break
            except LinkTimeout:
                continue
        probe.stop()
        threads = [threading.Thread(target=screen, args=(s,)) for s in range(args.screens)]
        threads += [threading.Thread(target=counter, args=(c,)) for c in range(args.counters)]
        threads += [threading.Thread(target=kiosk, args=(k,)) for k in range(args.kiosks)]
        for t in threads:
            t.start()
        t0, cpu0 = time.monotonic(), stat.cpu_s()
        samples: list[tuple[float, float]] = []
        snaps: list[Path] = []
        while time.monotonic() - t0 < real_s:
            time.sleep(min(5.0, real_s / 40))
            samples.append((time.monotonic() - t0, stat.mem_mb()))
            if args.trace_memory and not snaps and samples[-1][0] >= 0.1 * real_s:
                snaps.append(snapshot(broker, tmp, 0))
        if args.trace_memory:
            snaps.append(snapshot(broker, tmp, 1))
            growth = top_growth(*snaps)
        elapsed, cpu_used = time.monotonic() - t0, stat.cpu_s() - cpu0
        stop.set()
        for t in threads:
            t.join(30)
        stop_process(broker, 10)
    all_lat = lat["issue"] + lat["call-next"]
    print(
        f"commands: {len(all_lat)} ({len(all_lat) / elapsed:.1f}/s), timeouts {counts['timeouts']}; "
        f"tickets issued {counts['issued']}, called {counts['served']}"
    )
    for kind, values in lat.items():
        print(
            f"  {kind:<10} p50 {statistics.median(values):6.2f} ms  p99 {pct(values, 99):6.2f} ms  "
            f"max {max(values):7.2f} ms"
        )
    print(f"  all        p50 {statistics.median(all_lat):6.2f} ms  p99 {pct(all_lat, 99):6.2f} ms")
    print(
        f"broker CPU {100 * cpu_used / elapsed:.0f}% of one core; resident memory {samples[-1][1]:.1f} MB "
        f"(peak {max(m for _, m in samples):.1f} MB)"
    )
    print(f"screens and voice: {counts['screen_msgs'] / elapsed / max(1, args.screens):.1f} messages/s each")
    if args.trace_memory:
        print("grew most between the end of warm-up and the end (tracemalloc, Python allocations only):")
        for line in growth:
            print("  " + line)
    if args.soak:
        warm = [m for t, m in samples if t >= 0.1 * elapsed]
        growth = 100 * (warm[-1] - warm[0]) / warm[0]
        print(f"memory after warm-up: {warm[0]:.1f} MB -> {warm[-1]:.1f} MB ({growth:+.1f}%), max {max(warm):.1f} MB")
        for t, m in samples[:: max(1, len(samples) // 12)]:
            print(f"  t={t:6.0f} s  hall {t * args.speed / 3600:5.1f} h  rss {m:6.1f} MB")


def snapshot(broker: subprocess.Popen, tmp: str, n: int) -> Path:
    broker.send_signal(signal.SIGUSR1)
    done = Path(tmp) / f"snap{n:02d}.done"
    while not done.exists():
        time.sleep(0.2)
    return Path(tmp) / f"snap{n:02d}.dump"


def top_growth(first: Path, last: Path, n: int = 12) -> list[str]:
    diff = tracemalloc.Snapshot.load(str(last)).compare_to(tracemalloc.Snapshot.load(str(first)), "lineno")
    lines = [f"total {sum(d.size_diff for d in diff) / 1024:+.0f} KB"]
    lines += [f"{d.size_diff / 1024:+8.0f} KB {d.count_diff:+7d} objects  {d.traceback}" for d in diff[:n]]
    return lines


if __name__ == "__main__":
    main()
