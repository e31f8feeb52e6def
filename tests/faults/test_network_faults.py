"""Faults of the network and the message broker during traffic: nothing lost, nothing doubled."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta

import pytest

from queue_broker.link import LinkTimeout
from tests.waiting import wait_for

from ..broker.conftest import TZ, Clock, Hall, Node, Recorder
from .proxy import CuttableProxy

pytestmark = pytest.mark.faults


def issue_until_acked(node: Node, rid: str, offline_seen: list | None = None, attempts: int = 40) -> dict:
    for _ in range(attempts):
        try:
            reply = node.send(
                node.t.ticket_issue(),
                timeout=1.5,
                request_id=rid,
                kiosk_id=node.link.node_id,
                service_id="zh-general",
                channel="walk_in",
            )
        except LinkTimeout:
            if offline_seen is not None and not node.link.connected.is_set():
                offline_seen.append(time.monotonic())
            continue
        if reply.get("ok") or reply["error"]["code"] != "unavailable":
            return reply
    raise AssertionError(f"{rid} was never answered")


def run_kiosks(
    url: str, site: str, n: int, stop: threading.Event, acked: dict, lock: threading.Lock, offline: list | None = None
) -> list[threading.Thread]:
    def kiosk(k: int) -> None:
        node = Node(url, site, f"kiosk-{k}", "kiosk")
        i = 0
        while not stop.is_set():
            i += 1
            rid = f"kiosk-{k}-{i}"
            reply = issue_until_acked(node, rid, offline)
            with lock:
                acked[rid] = reply["ticket"]
            time.sleep(0.01)  # the pace of a busy kiosk, not a wait for anything
        node.stop()

    threads = [threading.Thread(target=kiosk, args=(k,), daemon=True) for k in range(n)]
    for t in threads:
        t.start()
    return threads


def assert_one_ticket_per_request(hall: Hall, acked: dict) -> None:
    tickets = hall.service.engine.tickets
    assert len(tickets) == len(acked), "a request gave two tickets, or an acknowledged one is missing"
    assert {t["id"] for t in acked.values()} == set(tickets)
    numbers = [t.number for t in tickets.values()]
    assert len(numbers) == len(set(numbers))


def test_mosquitto_restart_during_traffic(own_mosquitto, site_id, tmp_path):
    hall = Hall(own_mosquitto.url, site_id, tmp_path / "data", Clock(datetime.now(TZ)))
    hall.clock = lambda: datetime.now(TZ)  # real time: reconnect back-off is real
    hall.start()
    acked: dict = {}
    lock, stop = threading.Lock(), threading.Event()
    threads = run_kiosks(own_mosquitto.url, site_id, 3, stop, acked, lock)
    for _ in range(3):
        answered = len(acked)  # tickets flow, then Mosquitto goes down in the middle of the traffic
        wait_for(lambda n=answered: len(acked) >= n + 5, 30, "tickets acknowledged before the restart")
        own_mosquitto.restart(down_s=0.5)
    answered = len(acked)
    wait_for(lambda: len(acked) >= answered + 5, 30, "tickets acknowledged after the last restart")
    stop.set()
    for t in threads:
        t.join(90)
    assert len(acked) > 20
    assert_one_ticket_per_request(hall, acked)
    # retained state is back after the restarts (mosquitto kept nothing: persistence is off)
    watcher = Recorder(own_mosquitto.url, site_id)
    catalog = watcher.wait_for("/state/catalog")
    queues = watcher.wait_for("/state/queues")
    assert catalog["version"] and {q["id"] for q in queues["queues"]} == {"ZH", "BDC", "SB"}
    status = watcher.wait_for("/node/broker/status")
    assert status["online"] is True
    watcher.stop()
    hall.close()


def test_kiosk_cut_off_says_offline_and_recovers_without_duplicates(mosquitto, site_id, tmp_path):
    hall = Hall(mosquitto.url, site_id, tmp_path / "data", Clock(datetime.now(TZ)))
    hall.clock = lambda: datetime.now(TZ)
    hall.start()
    proxy = CuttableProxy("127.0.0.1", mosquitto.port)
    states: list[tuple[float, bool]] = []
    kiosk = Node(proxy.url, site_id, "kiosk-far", "kiosk")  # a village kiosk over a flaky WAN
    kiosk.link.on_disconnected(lambda: states.append((time.monotonic(), False)))
    kiosk.link.on_connected(lambda: states.append((time.monotonic(), True)))
    acked: dict = {}
    offline: list = []
    for i in range(3):
        acked[f"far-{i}"] = issue_until_acked(kiosk, f"far-{i}", offline)["ticket"]
    proxy.cut()
    # a request in flight while the line is down
    pending = kiosk.link.request_async(
        kiosk.t.ticket_issue(),
        {"request_id": "far-inflight", "kiosk_id": "kiosk-far", "service_id": "zh-general", "channel": "walk_in"},
    )
    # it knows it is offline (and the UI says so), and the request waits
    wait_for(lambda: not kiosk.link.connected.is_set(), 10, "the kiosk's link down")
    assert pending.wait(0.1) is None
    proxy.restore()
    reply = pending.wait(20)  # resent with the same request_id after the reconnect
    assert reply is not None and json.loads(reply)["ok"]
    acked["far-inflight"] = json.loads(reply)["ticket"]
    again = issue_until_acked(kiosk, "far-inflight")  # a retry of the same request changes nothing
    assert again["ticket"]["id"] == acked["far-inflight"]["id"]
    assert [s for _, s in states][-2:] == [False, True]
    assert_one_ticket_per_request(hall, acked)
    kiosk.stop()
    proxy.close()
    hall.close()


def test_wall_clock_jumps_and_midnight_during_traffic(mosquitto, site_id, tmp_path):
    clock = Clock(datetime(2026, 11, 27, 23, 58, tzinfo=TZ))
    hall = Hall(mosquitto.url, site_id, tmp_path / "data", clock)
    hall.start()
    kiosk = Node(mosquitto.url, site_id, "kiosk-1", "kiosk")
    seen = []
    steps = (
        [timedelta(seconds=20)] * 4
        + [timedelta(minutes=-3)]
        + [timedelta(seconds=30)] * 6
        + [timedelta(hours=2)]
        + [timedelta(seconds=5)] * 3
    )
    for n, step in enumerate(steps):
        clock.advance(seconds=step.total_seconds())
        reply = kiosk.issue(request_id=f"jump-{n}")
        assert reply["ok"], reply
        seen.append(reply["ticket"])
        assert reply["ticket"]["estimated_wait_s"] >= 0 and min(reply["ticket"]["estimated_wait_range_s"]) >= 0
    ids = [t["id"] for t in seen]
    assert len(ids) == len(set(ids))
    by_day: dict[str, list[int]] = {}
    for t in seen:
        by_day.setdefault(t["id"][:8], []).append(int(t["number"][1:]))
    for numbers in by_day.values():
        assert numbers == sorted(numbers) and len(numbers) == len(set(numbers))
    assert set(by_day) == {"20261127", "20261128"}
    queues = hall.service.engine.queues_state(clock())
    assert all(q["longest_wait_s"] >= 0 for q in queues["queues"])
    kiosk.stop()
    hall.close()


def test_broker_node_status_goes_offline_by_last_will(own_mosquitto, site_id, tmp_path):
    hall = Hall(own_mosquitto.url, site_id, tmp_path / "data", Clock(datetime.now(TZ)))
    hall.start()
    watcher = Recorder(own_mosquitto.url, site_id)
    watcher.wait_for("/node/broker/status", lambda b: b["online"])
    hall.service.link._client._sock.close()  # the broker's process vanishes without a goodbye
    watcher.wait_for("/node/broker/status", lambda b: not b["online"], timeout=15)
    # and it comes back by itself, announcing itself online again
    watcher.wait_for(
        "/node/broker/status",
        lambda b: b["online"] and b["at"] > watcher.of("/node/broker/status")[0]["at"],
        timeout=15,
    )
    watcher.stop()
    hall.close()
