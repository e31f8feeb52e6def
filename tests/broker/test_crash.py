"""SIGKILL the queue broker at random moments during a burst of issues and calls from several
clients: after restart every acknowledged ticket is there, numbers are unique, no ticket was
called twice, and `audit verify` passes."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from queue_broker.config.loader import load_site_config
from queue_broker.engine.hall import HallEngine
from queue_broker.link import LinkTimeout
from queue_broker.store import SqliteEventStore
from tests.waiting import wait_for

from .conftest import MINI, BrokerProcess, Node


def start_broker(url: str, data_dir: Path) -> BrokerProcess:
    """The queue broker of the mini hall on `data_dir`, logging warnings only (a burst logs every request)."""
    return BrokerProcess(MINI, url, data_dir, env={"HALL_LOG_LEVEL": "WARNING"})


def send_until_acked(node: Node, topic: str, payload: dict, rid: str, attempts: int = 15) -> dict | None:
    for _ in range(attempts):
        try:
            reply = node.send(topic, timeout=2.0, request_id=rid, **payload)
        except LinkTimeout:
            continue  # the broker is down or restarting: same request id again
        if reply.get("ok") or reply.get("error", {}).get("code") != "unavailable":
            return reply
    return None


def test_sigkill_during_burst_loses_and_doubles_nothing(own_mosquitto, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    broker = start_broker(own_mosquitto.url, data)
    site = "mini"
    setup = Node(own_mosquitto.url, site, "setup", "supervisor")
    for counter in ("W1", "T1", "W3"):
        r = send_until_acked(
            setup, setup.t.counter_cmd(counter, "open"), {"operator_id": "demo", "pin": "123456"}, f"open-{counter}"
        )
        assert r and r["ok"], r
    acked_tickets: list[dict] = []
    acked_calls: list[dict] = []
    lock = threading.Lock()
    stop = threading.Event()

    def kiosk(n: int) -> None:
        node = Node(own_mosquitto.url, site, f"kiosk-{n}", "kiosk")
        i = 0
        while not stop.is_set():
            i += 1
            service = ("zh-general", "sb-card", "bdc-transfer")[i % 3]
            r = send_until_acked(
                node,
                node.t.ticket_issue(),
                {"kiosk_id": f"kiosk-{n}", "service_id": service, "channel": "walk_in"},
                f"k{n}-{i}",
            )
            if r and r["ok"]:
                with lock:
                    acked_tickets.append(r["ticket"])
            time.sleep(0.02)  # the pace of three busy kiosks, not a wait for anything
        node.stop()

    def desk(counter: str) -> None:
        node = Node(own_mosquitto.url, site, f"counter-{counter}", "counter")
        i = 0
        while not stop.is_set():
            i += 1
            r = send_until_acked(node, node.t.counter_cmd(counter, "call-next"), {}, f"{counter}-{i}")
            if r and r["ok"] and r["ticket"]:
                with lock:
                    acked_calls.append({**r["ticket"], "at_counter": counter})
            time.sleep(0.05)  # the pace of a busy counter, not a wait for anything
        node.stop()

    threads = [threading.Thread(target=kiosk, args=(n,)) for n in range(3)]
    threads += [threading.Thread(target=desk, args=(c,)) for c in ("W1", "T1", "W3")]
    for t in threads:
        t.start()
    rng = random.Random(20261127)
    for _ in range(6):  # six kills
        # the broker answers again after its restart, then dies at a random moment of the burst (the
        # seeded schedule of the faults: these sleeps are the experiment, not waits for a condition)
        answered = len(acked_tickets)
        wait_for(lambda n=answered: len(acked_tickets) > n, 30, "the broker answering after its start")
        time.sleep(rng.uniform(0.5, 1.7))
        broker.kill()
        time.sleep(rng.uniform(0.0, 0.3))
        broker = start_broker(own_mosquitto.url, data)
    # the requests in flight at the last kill are answered once the broker is back
    answered = len(acked_tickets)
    wait_for(lambda: len(acked_tickets) > answered + 3, 30, "the broker answering after the last start")
    stop.set()
    for t in threads:
        t.join(60)
    broker.stop()
    setup.stop()

    assert len(acked_tickets) > 30 and len(acked_calls) > 10, (len(acked_tickets), len(acked_calls))
    cfg = load_site_config(MINI, env={"HALL_DATA_DIR": str(data)})
    store = SqliteEventStore(str(data / "hall.db"))
    engine = HallEngine(cfg)
    events = [row.event for row in store.iter_events()]
    engine.replay(events)
    assert store.audit().ok
    store.close()
    # every acknowledged ticket is there, exactly as acknowledged
    for t in acked_tickets:
        assert t["id"] in engine.tickets, t
        assert engine.tickets[t["id"]].number == t["number"]
    # numbers unique: one ticket per number per day, and no acknowledged number handed out twice
    assert len({t["id"] for t in acked_tickets}) == len(acked_tickets)
    issued = [e.data["id"] for e in events if e.type == "ticket_issued"]
    assert len(issued) == len(set(issued))
    # no ticket called twice (first calls; recalls are a different thing)
    first_calls = Counter(e.data["ticket_id"] for e in events if e.type == "ticket_called" and e.data["recall"] == 0)
    assert max(first_calls.values()) == 1
    assert len({c["id"] for c in acked_calls}) == len(acked_calls)
    for c in acked_calls:
        assert engine.tickets[c["id"]].counter_id == c["at_counter"]
    audit = subprocess.run(
        [sys.executable, "-m", "queue_broker", "audit", "verify", "--config", str(MINI)],
        env={**os.environ, "HALL_DATA_DIR": str(data)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert audit.returncode == 0, audit.stderr
    assert "audit OK" in audit.stdout
