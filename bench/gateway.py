"""The gateway under load, loopback only, bounded (not a test; figures in docs/benchmarks.md):

    .venv/bin/python bench/gateway.py                    # both parts, about two minutes
    .venv/bin/python bench/gateway.py --rate 200 --seconds 30 --pages 500

The sample hall (examples/neixiang, opened around the clock) runs as it does in production: its own
Mosquitto, `python -m queue_broker run` and `python -m gateway run` as separate processes. The hall is
put at peak first: every counter open, ~300 tickets waiting, and through the run kiosks keep issuing
and counters keep calling and finishing (about 2 commands a second).

1. Status: `GET /api/v1/tickets/{token}` for the waiting tickets at a fixed rate (open loop: a request
   is sent on schedule whether or not the last has come back), latency p50/p99/max; first each token once
   (a page's first load, answered by the broker's engine thread), then the measured run (the pages'
   polls, answered from the broker's snapshot: queue_broker/service/reads.py). `--no-events`: only this.
2. Events: `--pages` event streams on tickets of one queue; one call at a counter changes every one of
   them (one fewer ahead); the time from the call's reply to each page's event.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from procfs import ProcStat, pct  # noqa: E402  (bench/, on sys.path when run as a script)

from provisioning.mosquitto import MosquittoProcess, free_port  # noqa: E402
from queue_broker.link import HallLink  # noqa: E402
from tests.sample_hall import SAMPLE, open_around_the_clock, sample_site, write_site_yaml  # noqa: E402


def open_sample(dest: Path, mqtt_url: str) -> Path:
    dest.mkdir(parents=True)
    shutil.copy(SAMPLE / "services.yaml", dest / "services.yaml")
    raw = open_around_the_clock(sample_site())
    raw["mqtt"]["url"] = mqtt_url
    raw["caps"] = {"per_person_per_day": None, "per_person_per_queue_per_day": None}
    # every request of the bench comes from one address: the per-address limit (20/s) would answer 429
    raw.setdefault("gateway", {}).setdefault("limits", {})["per_address_per_s"] = 100_000
    if os.environ.get("BENCH_NO_REBALANCER"):
        raw["rebalancer"]["enabled"] = False
    raw.setdefault("queues", [])
    for q in raw["queues"]:
        q["daily_cap"] = None
    return write_site_yaml(raw, dest / "site.yaml")


class Hall:
    def __init__(self, work: Path):
        self.work = work
        self.mosquitto = MosquittoProcess(workdir=work / "mosquitto")
        (work / "mosquitto").mkdir(parents=True)
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        self.mosquitto.start()
        self.url = self.mosquitto.url
        self.site = open_sample(self.work / "site", self.url)
        self.metrics = f"127.0.0.1:{free_port()}"  # the broker's /metrics: who answered the status reads
        env = {
            **os.environ,
            "HALL_MQTT_URL": self.url,
            "HALL_DATA_DIR": str(self.work / "broker"),
            "HALL_METRICS_ADDR": self.metrics,
        }
        self.broker = self._spawn(
            [sys.executable, "-m", "queue_broker", "run", "--config", str(self.site)], env, "broker"
        )
        self.port = free_port()
        genv = {**os.environ, "HALL_MQTT_URL": self.url, "HALL_DATA_DIR": str(self.work / "gateway")}
        self.gateway = self._spawn(
            [sys.executable, "-m", "gateway", "run", "--config", str(self.site), "--listen", f"127.0.0.1:{self.port}"],
            genv,
            "gateway",
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.base + "/api/v1/hall", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the gateway did not come up; see {self.work}/*.log")
            time.sleep(0.2)

    def status_reads(self) -> dict[str, float]:
        """From the broker's /metrics: cmd/ticket/view requests by what answered them (snapshot, engine), and
        how many were answered within each latency bucket (`le:0.005`...: arrival to reply, in the broker)."""
        out = {}
        for line in httpx.get(f"http://{self.metrics}/metrics", timeout=5).text.splitlines():
            if line.startswith("hall_status_reads_total{"):
                out[line.split('"')[1]] = float(line.rsplit(" ", 1)[1])
            elif line.startswith('hall_command_latency_seconds_bucket{kind="ticket/view"'):
                out["le:" + line.split('le="')[1].split('"')[0]] = float(line.rsplit(" ", 1)[1])
        return out

    def _spawn(self, argv: list[str], env: dict[str, str], name: str) -> subprocess.Popen[bytes]:
        log = open(self.work / f"{name}.log", "wb")  # noqa: SIM115 - kept open for the child's life
        p = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=str(ROOT))
        self.procs.append(p)
        return p

    def stop(self) -> None:
        for p in reversed(self.procs):
            p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        self.mosquitto.cleanup()


class Floor:
    """Kiosks and counters of the sample hall as MQTT nodes: tickets in, calls out."""

    def __init__(self, url: str):
        self.kiosk = HallLink(url, "neixiang", "kiosk-1", "kiosk").start()
        self.desk = HallLink(url, "neixiang", "supervisor-1", "supervisor").start()
        assert self.kiosk.wait_connected(10) and self.desk.wait_connected(10)
        self.t = self.kiosk.topics
        cfg = sample_site()
        self.counters = [c["id"] for c in cfg["counters"]]
        services = yaml.safe_load((SAMPLE / "services.yaml").read_text(encoding="utf-8"))["services"]
        self.service_of = {}
        for s in services:
            self.service_of.setdefault(s["queue_id"], s["id"])
        self._stop = threading.Event()
        self.issued: list[dict] = []

    def ask(self, link: HallLink, topic: str, **body) -> dict:
        return link.request(topic, {"request_id": uuid.uuid4().hex, **body}, timeout=10)

    def issue(self, queue: str) -> dict:
        r = self.ask(
            self.kiosk, self.t.ticket_issue(), kiosk_id="kiosk-1", service_id=self.service_of[queue], channel="walk_in"
        )
        assert r["ok"], r
        self.issued.append(r["ticket"])
        return r["ticket"]

    def open_all(self) -> None:
        for c in self.counters:
            self.ask(self.desk, self.t.counter_cmd(c, "open"), operator_id="demo", pin="123456")

    def churn(self, every_s: float = 1.0, skip_queue: str | None = None) -> threading.Thread:
        """Through the run: a ticket issued and a counter calling its next, each `every_s`."""

        def loop() -> None:
            i = 0
            queues = [q for q in self.service_of if q != skip_queue]
            callers = [c for c in self.counters if c not in ("c01", "c02", "c03", "c04", "c05")]
            while not self._stop.wait(every_s):
                i += 1
                try:
                    self.issue(queues[i % len(queues)])
                    self.ask(self.desk, self.t.counter_cmd(callers[i % len(callers)], "call-next"))
                except Exception as exc:  # the bench reports, it does not stop
                    print(f"churn: {exc}", file=sys.stderr)

        t = threading.Thread(target=loop, daemon=True)
        t.start()
        return t

    def stop(self) -> None:
        self._stop.set()
        self.kiosk.stop()
        self.desk.stop()


class RawConnection:
    """HTTP/1.1 keep-alive GETs over one asyncio stream: a load generator far lighter than an HTTP
    library, so that on two shared cores the bench measures the gateway, not its own client."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await self.reader.readexactly(length)
        return status


async def status_load(base: str, tokens: list[str], rate: float, seconds: float, conns: int = 32) -> dict:
    host, port = base.rsplit("/", 1)[-1].split(":")
    pool: asyncio.Queue[RawConnection] = asyncio.Queue()
    for _ in range(conns):
        pool.put_nowait(RawConnection(host, int(port)))
    lat: list[float] = []
    slow_at: list[float] = []  # when (s into the run) the requests over 50 ms were due: a stall, or spread?
    codes: dict[int | str, int] = {}

    async def one(token: str, due: float) -> None:
        conn = await pool.get()
        try:
            status = await conn.get(f"/api/v1/tickets/{token}")
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:  # counted, not fatal
            codes[type(exc).__name__] = codes.get(type(exc).__name__, 0) + 1
            conn.writer = None
            return
        finally:
            pool.put_nowait(conn)
        lat.append(time.perf_counter() - due)  # from when it was due: waiting for a connection counts
        if lat[-1] > 0.05:
            slow_at.append(due - start)
        codes[status] = codes.get(status, 0) + 1

    tasks = []
    start = time.perf_counter()
    n = int(rate * seconds)
    for i in range(n):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(tokens[i % len(tokens)], due)))
    await asyncio.gather(*tasks)
    took = time.perf_counter() - start
    return {
        "requests": n,
        "achieved_per_s": round(n / took, 1),
        "codes": codes,
        "p50_ms": round(1000 * pct(lat, 50), 2),
        "p99_ms": round(1000 * pct(lat, 99), 2),
        "max_ms": round(1000 * max(lat), 2),
        "over_50ms": len(slow_at),
        "over_50ms_seconds": sorted({int(t) for t in slow_at}),  # the seconds of the run they fell in
    }


async def sse_fanout(base: str, tokens: list[str], call) -> dict:  # noqa: ANN001
    """Open a stream per token, wait for each first event, make the call, time each page's next event."""
    got_first = asyncio.Event()
    firsts = 0
    arrivals: list[float] = []
    done = asyncio.Event()
    limits = httpx.Limits(max_connections=len(tokens) + 10, max_keepalive_connections=len(tokens) + 10)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=None) as c:

        async def page(token: str) -> None:
            nonlocal firsts
            seen = 0
            async with c.stream("GET", f"/api/v1/tickets/{token}/events") as r:
                assert r.status_code == 200, r.status_code
                async for line in r.aiter_lines():
                    if line.startswith("event: ticket") or line.startswith("event:ticket"):
                        seen += 1
                        if seen == 1:
                            firsts += 1
                            if firsts == len(tokens):
                                got_first.set()
                        else:
                            arrivals.append(time.perf_counter())
                            if len(arrivals) == len(tokens):
                                done.set()
                            return

        tasks = [asyncio.create_task(page(t)) for t in tokens]
        await asyncio.wait_for(got_first.wait(), 120)
        await asyncio.sleep(1.0)
        loop = asyncio.get_running_loop()
        t0 = time.perf_counter()
        await loop.run_in_executor(None, call)
        replied = time.perf_counter()
        try:
            await asyncio.wait_for(done.wait(), 10)
        except TimeoutError:
            pass
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    delays = [a - replied for a in arrivals]
    return {
        "pages": len(tokens),
        "told": len(delays),
        "call_reply_ms": round(1000 * (replied - t0), 1),
        "p50_ms": round(1000 * pct(delays, 50), 1) if delays else None,
        "p99_ms": round(1000 * pct(delays, 99), 1) if delays else None,
        "max_ms": round(1000 * max(delays), 1) if delays else None,
        "within_1s": sum(1 for d in delays if d <= 1.0),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--pages", type=int, default=500)
    ap.add_argument("--waiting", type=int, default=300, help="tickets waiting before the status part")
    ap.add_argument("--spread", action="store_true", help="event pages over every queue, not all in the called one")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--no-events", action="store_true", help="the status part only")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    hall = Hall(work)
    out: dict = {"machine": f"{os.cpu_count()} cores, {sys.version.split()[0]}"}
    out["load_before"] = os.getloadavg()[0]  # the machine is shared: its load average goes with the figures
    try:
        hall.start()
        floor = Floor(hall.url)
        # the peak: every counter open and busy, tickets waiting in every queue
        floor.open_all()
        queues = list(floor.service_of)
        for i in range(args.waiting):
            floor.issue(queues[i % len(queues)])
        for c in floor.counters:
            floor.ask(floor.desk, floor.t.counter_cmd(c, "call-next"))
        tokens = [t["status_token"] for t in floor.issued]
        broker_stat, gateway_stat = ProcStat(hall.broker.pid), ProcStat(hall.gateway.pid)
        churn = floor.churn(1.0)
        # first reads: each token once, at the same rate (a page's first load; the broker's engine answers it
        # and leases the ticket). Measured apart: at 200/s in a hall, new tokens come at the rate tickets do
        out["first_reads"] = asyncio.run(status_load(hall.base, tokens, args.rate, len(tokens) / args.rate))
        b0, g0, r0 = broker_stat.cpu_s(), gateway_stat.cpu_s(), hall.status_reads()
        status = asyncio.run(status_load(hall.base, tokens, args.rate, args.seconds))
        r1 = hall.status_reads()
        counts = {k: int(v - r0.get(k, 0)) for k, v in r1.items()}
        status["answered_by"] = {k: v for k, v in counts.items() if not k.startswith("le:")}
        total = counts.get("le:+Inf") or 1
        status["broker_within"] = {  # the broker's own part: from the request's arrival to its reply
            f"{float(k[3:]) * 1000:g} ms": round(v / total, 4)
            for k, v in counts.items()
            if k.startswith("le:") and k != "le:+Inf" and float(k[3:]) <= 0.1
        }
        status["broker_cpu_pct"] = round(100 * (broker_stat.cpu_s() - b0) / args.seconds, 1)
        status["gateway_cpu_pct"] = round(100 * (gateway_stat.cpu_s() - g0) / args.seconds, 1)
        out["status"] = status
        floor._stop.set()
        churn.join(5)
        if args.no_events:
            floor.stop()
            return _report(out, args)

        # the events: `pages` tickets of one queue (ZH, served by c01..c05), one call changes them all
        if args.spread:  # a realistic hall: the pages are of tickets in every queue, the call changes one queue's
            page_tokens = [floor.issue(queues[i % len(queues)])["status_token"] for i in range(args.pages)]
        else:  # the worst case: every page is of a ticket in the queue that the call moves
            page_tokens = [floor.issue("ZH")["status_token"] for _ in range(args.pages)]

        def call() -> None:
            r = floor.ask(floor.desk, floor.t.counter_cmd("c01", "call-next"))
            assert r["ok"], r

        out["events"] = asyncio.run(sse_fanout(hall.base, page_tokens, call))
        out["events"]["gateway_rss_mb"] = round(gateway_stat.mem_mb(), 1)
        floor.stop()
    finally:
        hall.stop()
        shutil.rmtree(work, ignore_errors=True)
    return _report(out, args)


def _report(out: dict, args: argparse.Namespace) -> int:
    out["load_after"] = os.getloadavg()[0]
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        s, f = out["status"], out["first_reads"]
        print(f"machine: {out['machine']}; load average {out['load_before']:.1f} before, {out['load_after']:.1f} after")
        print(
            f"GET /api/v1/tickets/{{token}} at {s['achieved_per_s']}/s for {args.seconds:g} s, hall at peak: "
            f"p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms, max {s['max_ms']} ms, codes {s['codes']}; "
            f"CPU broker {s['broker_cpu_pct']}%, gateway {s['gateway_cpu_pct']}%; broker answered {s['answered_by']}; "
            f"{s['over_50ms']} over 50 ms, in seconds {s['over_50ms_seconds']} of the run; "
            f"the broker answered within {s['broker_within']}"
        )
        print(
            f"first reads of the {f['requests']} tokens: p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms, max {f['max_ms']} ms"
        )
    if "events" in out and not args.json:
        e = out["events"]
        print(
            f"a call to {e['pages']} connected pages: {e['told']} told, {e['within_1s']} within 1 s; after the "
            f"call's reply p50 {e['p50_ms']} ms, p99 {e['p99_ms']} ms, max {e['max_ms']} ms; gateway RSS {e['gateway_rss_mb']} MB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
