"""One county broker receiving the bridged traffic of many township halls at peak (not a test).

    .venv/bin/python bench/county.py                      # 20 halls, about 6 minutes; figures in docs/county.md
    .venv/bin/python bench/county.py --halls 20 --seconds 60 --outage 20 --json /tmp/county.json
    .venv/bin/python bench/county.py --phases "" --outage 20   # the outages only

Every hall is provisioned as in production (`init`, then `bridge` to the county with the default
options): its own Mosquitto with the generated configuration, and its county link (a Mosquitto of its
own with a bridge in from the hall and a bridge out to the county, stunnel for TLS, run by the generated
county-link.sh); the county's Mosquitto has the generated configuration, password file and ACL.
Instead of 20 queue brokers, a load generator publishes protocol-shaped messages directly to each
township's Mosquitto, as the queue broker would (its user, its loopback listener): `state/queues` and
`state/counters` (retained) after every change and every 10 s, `event/issued`, `event/called`,
`event/finished` and now and then `event/alert`. Each payload carries one extra field, `bench` (send
time, phase, hall, sequence number). A subscriber in its own process, connected to the county's TLS
listener with a read-only user, takes the latency township -> county from those stamps.

Phases: `1x` (a busy hall's peak: 4 tickets a minute, that is 12 ticket events a minute, each followed
by state/queues and state/counters), then `10x` and `50x` of that rate. Then two outages under 1x load,
--outage seconds each, with the links going through a TCP proxy of the bench's own from then on (the
links restart to read that; the halls' Mosquittos do not): `wan-cut` (the proxy refuses and drops every
connection) and `county-restart` (the county's Mosquitto stops and starts; the links are held out until
the subscriber is back). For each phase: messages/s at the county, latency p50/p99/max, lost messages,
the county Mosquitto's CPU (from /proc/<pid>/stat) and memory (VmRSS, VmHWM); for the outages also the
time until every link is back and everything delivered, messages out of order, and how many links their
script had to restart.
"""

from __future__ import annotations

import argparse
import heapq
import json
import multiprocessing as mp
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from procfs import ProcStat, cpu_model, pct  # noqa: E402  (bench/, on sys.path when run as a script)

from provisioning import bridge  # noqa: E402
from provisioning.generate import Options, Provisioner, link, read_node_env  # noqa: E402
from provisioning.mosquitto import MosquittoProcess, free_pair, free_port, port_open  # noqa: E402
from provisioning.passwd import hash_password, read_passwd, write_passwd  # noqa: E402
from queue_broker.link import HallLink  # noqa: E402

MINI = ROOT / "tests" / "fixtures" / "mini-site.yaml"
READER = ("county-bench", "county-bench-reader-password")
QUEUES = [
    ("ZH", "A", "综合受理"),
    ("SB", "C", "社保医保"),
    ("HJ", "F", "户籍"),
    ("BDC", "B", "不动产登记"),
    ("SW", "E", "税务"),
    ("MZ", "G", "民政残联"),
]
COUNTERS = 10
BASE_ACTIONS_PER_S = 12 / 60  # 1x: 4 tickets a minute -> issued, called, finished
STATE_REFRESH_S = 10.0
ALERT_EVERY = 40  # one alert per this many ticket events


# ------------------------------------------------------------------------------ the county's subscriber
def subscriber(url: str, ca_file: str, conn) -> None:
    """Runs in its own process: records (phase, hall, seq, latency) of every live message."""
    lock = threading.Lock()
    seen: dict[str, dict] = {}

    def on_message(topic, payload, inbound) -> None:
        now = time.time()
        if inbound.retain:  # a retained copy sent at (re)subscription, not a live message
            return
        try:
            b = json.loads(payload)["bench"]
        except (ValueError, KeyError, TypeError):
            return
        with lock:
            s = seen.setdefault(
                b["phase"], {"lat": [], "seqs": set(), "first": now, "last": now, "bytes": 0, "order": []}
            )
            s["lat"].append((now - b["sent"]) * 1000)
            s["seqs"].add((b["hall"], b["seq"]))
            s["order"].append((b["hall"], b["seq"]))
            s["last"] = now
            s["bytes"] += len(payload)

    link = HallLink(url, "county", READER[0], "supervisor", ca_file=ca_file, reconnect_max_s=1)
    connects: list[float] = []
    link.on_connected(lambda: connects.append(time.time()))
    link.subscribe("hall/+/state/#", on_message)
    link.subscribe("hall/+/event/#", on_message)
    link.start()
    link.wait_connected(10)
    conn.send("ready")
    while True:
        cmd = conn.recv()
        if cmd == "stop":
            break
        if cmd == "connected":
            conn.send(link.wait_connected(30) and connects[-1])
            continue
        phase = cmd
        with lock:
            s = seen.get(phase, {"lat": [], "seqs": set(), "first": 0, "last": 0, "bytes": 0, "order": []})
            conn.send(
                {
                    "lat": list(s["lat"]),
                    "seqs": sorted(s["seqs"]),
                    "first": s["first"],
                    "last": s["last"],
                    "bytes": s["bytes"],
                    "order": list(s["order"]),
                }
            )
    link.stop()


def proxy_process(target_port: int, conn) -> None:
    """Runs in its own process: the WAN between the townships and the county, which the bench cuts."""
    from tests.faults.proxy import CuttableProxy

    proxy = CuttableProxy("127.0.0.1", target_port)
    conn.send(proxy.port)
    while (cmd := conn.recv()) in ("cut", "restore"):
        proxy.cut() if cmd == "cut" else proxy.restore()
        conn.send("ok")
    proxy.close()


# ------------------------------------------------------------------------------ one simulated hall
class Hall:
    def __init__(self, site: str, url: str, rng: random.Random):
        self.site, self.rng = site, rng
        self.link = HallLink(url, site, "broker", "broker").start()
        self.seq = 0
        self.waiting = {q: 0 for q, _, _ in QUEUES}
        self.number = dict.fromkeys(self.waiting, 0)
        self.serving: dict[str, str | None] = {f"W{i + 1}": None for i in range(COUNTERS)}
        self.events = 0
        self.published: dict[str, int] = {}
        self.sent_at: dict[int, float] = {}  # seq -> time.time(), for the outage phases
        self.phase_seqs: dict[str, list[int]] = {}

    def _stamp(self, body: dict, phase: str) -> dict:
        self.seq += 1
        self.published[phase] = self.published.get(phase, 0) + 1
        body["bench"] = {"sent": time.time(), "phase": phase, "hall": self.site, "seq": self.seq}
        if phase in ("wan-cut", "county-restart"):
            self.sent_at[self.seq] = body["bench"]["sent"]
            self.phase_seqs.setdefault(phase, []).append(self.seq)
        return body

    def publish_state(self, phase: str) -> None:
        at = datetime.now(UTC).isoformat()
        queues = [
            {
                "id": q,
                "prefix": p,
                "name": n,
                "waiting": self.waiting[q],
                "longest_wait_s": self.rng.randint(0, 1800) if self.waiting[q] else 0,
                "estimated_wait_s": 300 * self.waiting[q],
                "counter_ids": [c for i, c in enumerate(self.serving) if i % len(QUEUES) == k],
            }
            for k, (q, p, n) in enumerate(QUEUES)
        ]
        counters = [
            {
                "id": c,
                "number": i + 1,
                "name": f"{i + 1}号窗口 {QUEUES[i % len(QUEUES)][2]}",
                "status": "open",
                "mode": "fixed",
                "locked": False,
                "queue_ids": [QUEUES[i % len(QUEUES)][0]],
                "serving": {"ticket_id": t, "number": t.split("-")[1], "state": "serving"} if t else None,
            }
            for i, (c, t) in enumerate(self.serving.items())
        ]
        self.link.publish(
            self.link.topics.state_queues(), self._stamp({"at": at, "queues": queues}, phase), retain=True
        )
        self.link.publish(
            self.link.topics.state_counters(), self._stamp({"at": at, "counters": counters}, phase), retain=True
        )

    def action(self, phase: str) -> None:
        """One ticket event (issued, called or finished), then the state it changed."""
        at = datetime.now(UTC).isoformat()
        q, prefix, _ = self.rng.choice(QUEUES)
        kind = self.rng.choice(("issued", "called", "finished"))
        self.number[q] += 1
        ticket = f"{datetime.now():%Y%m%d}-{prefix}{self.number[q] % 1000:03d}"
        counter = self.rng.choice(list(self.serving))
        body: dict[str, object] = {"at": at, "ticket_id": ticket, "number": ticket[-4:], "queue_id": q}
        if kind == "issued":
            self.waiting[q] += 1
            body |= {
                "service_id": f"s-{q.lower()}",
                "channel": "walk_in",
                "waiting_ahead": self.waiting[q] - 1,
                "kiosk_id": "kiosk-1",
            }
        elif kind == "called":
            self.waiting[q] = max(0, self.waiting[q] - 1)
            self.serving[counter] = ticket
            body |= {
                "counter_id": counter,
                "counter_number": int(counter[1:]),
                "counter_name": f"{counter[1:]}号窗口",
                "recall": 0,
            }
        else:
            self.serving[counter] = None
            body |= {
                "counter_id": counter,
                "outcome": "done",
                "waited_s": self.rng.randint(60, 1800),
                "served_s": self.rng.randint(60, 900),
            }
        self.link.publish(self.link.topics.event(kind), self._stamp(body, phase))
        self.events += 1
        if self.events % ALERT_EVERY == 0:
            self.link.publish(
                self.link.topics.event("alert"),
                self._stamp(
                    {
                        "at": at,
                        "id": f"al-{self.seq}",
                        "kind": "wait_over_sla",
                        "severity": "yellow",
                        "message": f"{q} 等候超过时限的80%",
                        "rule": "wait_over_sla",
                        "subject": q,
                    },
                    phase,
                ),
            )
        self.publish_state(phase)


def run_load(halls: list[Hall], phase: str, scale: float, seconds: float, stop: threading.Event | None = None) -> float:
    """Poisson ticket events in every hall at `scale` x the 1x rate, plus the 10-s state refresh.
    Returns the achieved publish rate (messages/s)."""
    rng = random.Random(phase)
    t0 = time.monotonic()
    heap = [(t0 + rng.expovariate(BASE_ACTIONS_PER_S * scale), "action", i) for i in range(len(halls))]
    heap += [(t0 + rng.uniform(0, STATE_REFRESH_S), "state", i) for i in range(len(halls))]
    heapq.heapify(heap)
    before = sum(h.published.get(phase, 0) for h in halls)
    end = t0 + seconds
    while heap and not (stop and stop.is_set()):
        when, what, i = heapq.heappop(heap)
        if when >= end:
            break
        delay = when - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if what == "action":
            halls[i].action(phase)
            heapq.heappush(heap, (when + rng.expovariate(BASE_ACTIONS_PER_S * scale), "action", i))
        else:
            halls[i].publish_state(phase)
            heapq.heappush(heap, (when + STATE_REFRESH_S, "state", i))
    elapsed = time.monotonic() - t0
    return (sum(h.published.get(phase, 0) for h in halls) - before) / elapsed


# ------------------------------------------------------------------------------ set-up
def provision(root: Path, n: int) -> tuple[Provisioner, list[Provisioner]]:
    raw = yaml.safe_load(MINI.read_text(encoding="utf-8"))

    def init(site: str) -> Provisioner:
        r = dict(raw)
        r["site"] = {**raw["site"], "id": site}
        f = root / f"{site}.yaml"
        f.write_text(yaml.safe_dump(r, allow_unicode=True), encoding="utf-8")
        p = Provisioner(root / site)
        p.init(
            f,
            Options(
                hosts=["127.0.0.1"], mqtt_port=free_port(), mqtts_port=free_port(), bind="127.0.0.1", in_place=True
            ),
        )
        return p

    county = init("county")
    towns = [init(f"hall-{i + 1:02d}") for i in range(n)]
    for t in towns:
        # the generated defaults (restart_timeout 5 60, keepalive 30); a free loopback port for each link
        link(t.out, county.out, bridge.BridgeOptions(link_port=free_pair()))
    add_reader(county)
    return county.load(), [t.load() for t in towns]  # link() changed their provision.json


def add_reader(county: Provisioner) -> None:
    """The bench's subscriber: a county overview's rights (the overview itself is not part of this work)."""
    hashes = read_passwd(county.mosquitto_dir / "passwd")
    hashes[READER[0]] = hash_password(READER[1])
    write_passwd(county.mosquitto_dir / "passwd", hashes)
    with open(county.mosquitto_dir / "acl", "a") as f:
        f.write(
            f"\nuser {READER[0]}\ntopic read hall/+/state/#\ntopic read hall/+/event/#\n"
            f"topic write hall/county/node/{READER[0]}/#\n"
        )


def start(p: Provisioner) -> MosquittoProcess:
    run = p.out / "run"
    run.mkdir(exist_ok=True)
    m = MosquittoProcess(port=p.state.mqtt_port, config=(p.mosquitto_dir / "mosquitto.conf").read_text(), workdir=run)
    m.start()
    deadline = time.monotonic() + 10
    while not port_open("127.0.0.1", p.state.mqtts_port):
        if time.monotonic() > deadline:
            raise RuntimeError("the TLS listener did not open")
        time.sleep(0.02)
    return m


class Link:
    """A township's county link as hall-county-link.service runs it: the generated county-link.sh."""

    def __init__(self, p: Provisioner):
        self.p = p
        self.dir = p.node_dir(p.server) / bridge.LINK_DIR
        self.proc: subprocess.Popen | None = None
        self.restarts = 0

    def start(self) -> Link:
        env = {
            **os.environ,
            "MOSQUITTO": shutil.which("mosquitto") or "/usr/sbin/mosquitto",
            "STUNNEL": shutil.which("stunnel4") or "/usr/bin/stunnel4",
        }
        log = open(self.p.out / "run" / "county-link.log", "ab")
        self.proc = subprocess.Popen(
            [
                "bash",
                str(self.dir / "county-link.sh"),
                str(self.dir / "county-link.conf"),
                str(self.dir / "county-link.stunnel"),
            ],
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 10
        while not port_open("127.0.0.1", self.p.state.upstream.link_port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the county link of {self.p.site_id} did not start")
            time.sleep(0.05)
        return self

    def mosquitto_pid(self) -> int | None:
        try:
            kids = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
            return next(int(k) for k in kids if b"mosquitto" in Path(f"/proc/{k}/cmdline").read_bytes())
        except (OSError, StopIteration):
            return None

    def keep_running(self) -> None:
        """What systemd does (Restart=always) when county-link.sh exits."""
        if self.proc and self.proc.poll() is not None:
            self.restarts += 1
            self.start()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--halls", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60, help="length of the 1x phase (10x: 3/4 of it, 50x: 1/2)")
    ap.add_argument("--outage", type=float, default=20, help="seconds the county's Mosquitto is down (0: skip)")
    ap.add_argument("--phases", default="1x,10x,50x", help="load phases before the outage (comma-separated)")
    ap.add_argument("--json", help="write the figures here too")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (logs) and print where it is")
    args = ap.parse_args()
    cpu = cpu_model() or "?"
    print(
        f"machine: {os.cpu_count()} cores, {cpu}, {os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') >> 30} GB; "
        f"load average {os.getloadavg()[0]:.2f} at start; {time.strftime('%Y-%m-%d %H:%M')}"
    )
    root = Path(tempfile.mkdtemp(prefix="county-bench-"))
    procs: list[MosquittoProcess] = []
    links: list[Link] = []
    supervisor_stop = threading.Event()
    sub = None
    results: dict[str, dict] = {"halls": args.halls, "machine": cpu}
    try:
        t = time.monotonic()
        county, towns = provision(root, args.halls)
        county_mq = start(county)
        procs.append(county_mq)
        for p in towns:
            procs.append(start(p))
        links = [Link(p).start() for p in towns]
        print(
            f"provisioned and started 1 county + {len(towns)} township Mosquittos and their {len(links)} county "
            f"links in {time.monotonic() - t:.1f} s"
        )

        def supervise() -> None:  # systemd's Restart=always for the links
            while not supervisor_stop.wait(1):
                for lk in links:
                    lk.keep_running()

        threading.Thread(target=supervise, daemon=True).start()
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        sub = ctx.Process(
            target=subscriber,
            args=(
                f"mqtts://{READER[0]}:{READER[1]}@127.0.0.1:{county.state.mqtts_port}",
                str(county.out / "ca" / "ca.crt"),
                child,
            ),
            daemon=True,
        )
        sub.start()
        assert parent.poll(20) and parent.recv() == "ready"
        rng = random.Random(20)
        halls = []
        for p in towns:
            env = read_node_env(p.node_dir("broker") / "node.env")
            halls.append(Hall(p.site_id, env["HALL_MQTT_URL"], random.Random(rng.random())))
        for h in halls:
            assert h.link.wait_connected(10)
        log = county_mq.log_path
        deadline = time.monotonic() + 90
        while log.read_text().count("New bridge connected") < len(towns):
            assert time.monotonic() < deadline, "not every bridge connected"
            time.sleep(0.2)
        run_load(halls, "warmup", 1, 5)
        town_stats = [ProcStat(m.proc.pid) for m in procs[1:]] + [ProcStat(lk.mosquitto_pid()) for lk in links]

        def phase(name: str, scale: float, seconds: float) -> None:
            stat = ProcStat(county_mq.proc.pid)
            c0, w0 = stat.cpu_s(), time.monotonic()
            t0 = sum(s.cpu_s() for s in town_stats)
            rate = run_load(halls, name, scale, seconds)
            time.sleep(3)  # let the last ones arrive
            cpu_pct = (stat.cpu_s() - c0) / (time.monotonic() - w0) * 100
            towns_pct = (sum(s.cpu_s() for s in town_stats) - t0) / (time.monotonic() - w0) * 100
            parent.send(name)
            got = parent.recv()
            sent = sum(h.published.get(name, 0) for h in halls)
            lat = got["lat"]
            span = max(got["last"] - got["first"], 1e-9)
            r = {
                "sent": sent,
                "received": len(got["seqs"]),
                "lost": sent - len(got["seqs"]),
                "offered_per_s": rate,
                "county_per_s": len(lat) / max(span, seconds),
                "p50_ms": pct(lat, 50),
                "p99_ms": pct(lat, 99),
                "max_ms": max(lat),
                "county_cpu_pct": cpu_pct,
                "county_rss_mb": stat.mem_mb(),
                "county_hwm_mb": stat.mem_mb("VmHWM"),
                "townships_cpu_pct": towns_pct,
                "kb_per_s": got["bytes"] / span / 1024,
            }
            results[name] = r
            print(
                f"{name:>6}: {r['county_per_s']:7.1f} msg/s at the county ({r['kb_per_s']:.0f} kB/s), latency p50 "
                f"{r['p50_ms']:.1f} ms p99 {r['p99_ms']:.1f} ms max {r['max_ms']:.0f} ms, lost {r['lost']}/{sent}; "
                f"county Mosquitto {cpu_pct:.1f}% CPU, RSS {r['county_rss_mb']:.1f} MB (peak {r['county_hwm_mb']:.1f}); "
                f"{len(towns)} township Mosquittos and their links together {towns_pct:.1f}% CPU"
            )

        lengths = {"1x": args.seconds, "10x": args.seconds * 3 / 4}
        for name in filter(None, args.phases.split(",")):
            phase(name, float(name.rstrip("x")), lengths.get(name, args.seconds / 2))

        if args.outage > 0:

            def log_len() -> int:
                return len(county_mq.log_path.read_text())

            def bridges_since(mark: int) -> int:
                return county_mq.log_path.read_text()[mark:].count("New bridge connected")

            def outage(name: str, cut, restore) -> dict:
                stop = threading.Event()
                load = threading.Thread(target=run_load, args=(halls, name, 1, 100_000, stop), daemon=True)
                load.start()
                time.sleep(5)
                mark = log_len()
                cut()
                down_wall = time.time()
                n0 = sum(h.published.get(name, 0) for h in halls)
                time.sleep(args.outage)
                queued = sum(h.published.get(name, 0) for h in halls) - n0
                restore()
                up_wall = time.time()
                parent.send("connected")
                sub_back = parent.recv()
                assert sub_back, "the subscriber did not reconnect"
                deadline = time.monotonic() + 120  # the load goes on until every bridge is back
                while bridges_since(mark) < len(towns) and time.monotonic() < deadline:
                    time.sleep(0.2)
                last_bridge_s = time.time() - up_wall
                stop.set()
                load.join(5)
                sent = sum(h.published.get(name, 0) for h in halls)
                deadline = time.monotonic() + 60
                while True:
                    parent.send(name)
                    got = parent.recv()
                    if len(got["seqs"]) >= sent or time.monotonic() > deadline:
                        break
                    time.sleep(0.5)
                have = {tuple(x) for x in got["seqs"]}
                missing = [
                    (h.site, q, h.sent_at[q])
                    for h in halls
                    for q in h.phase_seqs.get(name, [])
                    if (h.site, q) not in have
                ]
                where = {
                    "before the cut": 0,
                    "while down": 0,
                    "after, before the subscriber was back": 0,
                    "after the subscriber was back": 0,
                }
                for _site, _q, at in missing:
                    where[
                        "before the cut"
                        if at < down_wall
                        else "while down"
                        if at < up_wall
                        else "after, before the subscriber was back"
                        if at < sub_back
                        else "after the subscriber was back"
                    ] += 1
                restarted = county_mq.log_path.read_text()[mark:].splitlines()
                order = [ln.split(" as ")[-1].split()[0] for ln in restarted if "connected from" in ln and " as " in ln]
                early = order[: order.index(READER[0])] if READER[0] in order else []
                by_hall: dict[str, list[int]] = {}
                for hall, q in dict.fromkeys(tuple(x) for x in got["order"]):
                    by_hall.setdefault(hall, []).append(q)
                out_of_order = [h for h, qs in by_hall.items() if qs != sorted(qs)]
                # how many arrived after a later one of the same hall (at-least-once redelivery after a reconnect)
                late = sum(sum(1 for i, q in enumerate(qs) if q < max(qs[:i], default=0)) for qs in by_hall.values())
                r = {
                    "down_s": args.outage,
                    "published_while_down": queued,
                    "sent": sent,
                    "received": len(got["seqs"]),
                    "lost": sent - len(got["seqs"]),
                    "missing_by_send_time": where,
                    "bridges_back_before_the_subscriber": early,
                    "halls_out_of_order": out_of_order,
                    "messages_after_a_later_one": late,
                    "last_bridge_back_s": last_bridge_s,
                    "all_delivered_after_restore_s": got["last"] - up_wall,
                    "max_latency_s": max(got["lat"]) / 1000,
                    "link_restarts_so_far": sum(lk.restarts for lk in links),
                }
                print(
                    f"{name}: down {args.outage:.0f} s under 1x load, {queued} messages published meanwhile; last "
                    f"bridge back {last_bridge_s:.1f} s after the restore; everything delivered "
                    f"{r['all_delivered_after_restore_s']:.1f} s after it; lost {r['lost']}/{sent} {where}; "
                    f"halls out of order: {out_of_order or 'none'} ({late} messages arrived after a later one of "
                    f"their hall); worst latency {r['max_latency_s']:.1f} s"
                    + (f"; bridges back before the county's subscriber: {early}" if early else "")
                    + f"; county links restarted by their watchdog so far: {r['link_restarts_so_far']}"
                )
                return r

            # 1. the WAN between the townships and the county is cut: the bridges go through a TCP proxy of the
            # bench's own (its own process) from now on; the townships' Mosquittos restart to read that
            pparent, pchild = ctx.Pipe()
            proxy = ctx.Process(target=proxy_process, args=(county.state.mqtts_port, pchild), daemon=True)
            proxy.start()
            proxy_port = pparent.recv()
            for p in towns:
                link(p.out, county.out, bridge.BridgeOptions(port=proxy_port))
            add_reader(county)  # link() regenerated the county's ACL
            mark = log_len()
            for lk in links:  # bridges are read at start: the links restart (the halls' Mosquittos do not)
                lk.stop()
                lk.start()
            deadline = time.monotonic() + 90
            while bridges_since(mark) < len(towns):
                assert time.monotonic() < deadline, "not every bridge came back through the proxy"
                time.sleep(0.2)

            def command(what: str):
                return lambda: (pparent.send(what), pparent.recv())

            results["wan-cut"] = outage("wan-cut", command("cut"), command("restore"))

            # 2. the county's Mosquitto stops and starts again (a county server restart); the links are held
            # out until the bench's subscriber is back, or what they deliver before it resubscribes would be
            # counted as lost (a restarted Mosquitto without persistence keeps no session for it)
            def county_down() -> None:
                command("cut")()
                county_mq.stop()

            def county_back() -> None:
                county_mq.start()
                parent.send("connected")
                assert parent.recv(), "the subscriber did not reconnect"
                time.sleep(0.5)  # its SUBSCRIBEs
                command("restore")()

            results["county-restart"] = outage("county-restart", county_down, county_back)
            pparent.send("close")
            proxy.join(5)
        results["load_average_end"] = os.getloadavg()[0]
        print(f"load average at the end {os.getloadavg()[0]:.2f}")
        for h in halls:
            h.link.stop()
    finally:
        if sub is not None:
            try:
                parent.send("stop")
            except (OSError, NameError):
                pass
            sub.join(5)
            if sub.is_alive():
                sub.terminate()
        supervisor_stop.set()
        for lk in links:
            lk.stop()
        for m in procs:
            m.stop()
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2, default=str))
        if args.keep:
            print(f"work folder kept: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
