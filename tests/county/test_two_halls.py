"""A county on this machine: a township hall and the county's own hall, each with its own Mosquitto (the
generated configuration) and its own queue broker (HallService); the township's county link (a Mosquitto
of its own, with stunnel for TLS, run by the generated county-link.sh) bridges it to the county's TLS
listener through a TCP proxy the test can cut; the county's link bridges the county on to a city (a two-level chain).
Read-only users of the test's own on the county's and the city's brokers record everything those
brokers deliver.

Proved here: the county sees the township's state, events and alerts; with the link cut both halls
issue and call tickets as before; when it is restored, what the township published during the cut
reaches the county (and the city) in order; no ID number, no name and no cmd/ or reply/ topic of the
township ever reaches the county; the county's ACL lets a bridge publish only its hall's state, events
and node status, and read nothing; a link whose Mosquitto stops answering is restarted by its script,
and what the hall published meanwhile still reaches the county."""

from __future__ import annotations

import itertools
import json
import os
import signal
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from provisioning.__main__ import main
from queue_broker.config.loader import load_site_config
from queue_broker.link import HallLink
from queue_broker.service.runner import HallService
from queue_broker.service.tasks import default_tasks
from tests.waiting import settled, stays, wait_for

from ..clock import Clock
from ..faults.proxy import CuttableProxy
from ..people import citizens, id_numbers_in, json_escaped
from ..provisioning.conftest import Client, connect, try_connect
from .conftest import TZ, HallDir
from .test_bridge_files import bridge_password

READER = ("overview", "overview-test-password")
LATE_READER = ("overview-2", "overview-2-test-password")  # its own user: one user is one client id here
_ids = itertools.count()


@dataclass
class County:
    city: HallDir
    county: HallDir
    town: HallDir
    town_b: HallDir  # bridged to the county but never started: its bridge user is probed directly
    proxy: CuttableProxy
    clocks: dict[str, Clock]
    services: dict[str, HallService] = field(default_factory=dict)
    links: dict[tuple[str, str], HallLink] = field(default_factory=dict)
    taps: dict[str, Client] = field(default_factory=dict)

    def link(self, hall: HallDir, node: str, role: str) -> HallLink:
        """The node's link, made once (a second one with the same id would push the first off)."""
        if (hall.site, node) not in self.links:
            self.links[(hall.site, node)] = hall.node_link(node, role)
        return self.links[(hall.site, node)]


def _service(hall: HallDir, clock: Clock, data) -> HallService:
    env = {**hall.env("broker"), "HALL_DATA_DIR": str(data)}
    cfg = load_site_config(hall.out / "nodes" / "broker" / "site.yaml", env=env)
    service = HallService(cfg, clock=clock, env=env, tick_interval_s=0.2)
    service.tick_tasks.extend(default_tasks(cfg))  # the monitoring rules: wait_over_sla raises alerts
    service.start()
    assert service.link.wait_connected(10)
    return service


def _tap(hall: HallDir, user: str, password: str, topic: str = "#") -> Client:
    c = connect(hall.mqtts_port, user, password, ca_file=hall.ca_file)
    assert c.connected.is_set(), c.connack
    c.subscribe(topic)
    return c


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    root = tmp_path_factory.mktemp("county")
    city, county = HallDir(root, "city"), HallDir(root, "county")
    town, town_b = HallDir(root, "township-a"), HallDir(root, "township-b")
    proxy = CuttableProxy("127.0.0.1", county.mqtts_port)  # the WAN between the township and the county
    fast = ["--restart-timeout", "1", "--keepalive", "5"]
    town.bridge_to(county, "--county-port", str(proxy.port), *fast)
    assert main(["bridge", str(town_b.out), "--county", str(county.out), *fast]) == 0
    assert (
        main(["bridge", str(county.out), "--upstream", str(city.out), "--link-port", str(county.link_port), *fast]) == 0
    )  # after the townships'
    town.prov.add_node("tap", "broker")  # the township's own recorder: reads hall/township-a/#
    county.prov.add_node("prober", "broker")  # publishes on the county's own topics in the ACL test
    county.add_reader(*READER)
    county.add_reader(*LATE_READER)
    city.add_reader(*READER)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # a Monday morning
    n = County(city, county, town, town_b, proxy, {"county": Clock(start), "township-a": Clock(start)})
    try:
        for hall in (city, county, town):
            hall.start()
        town.start_link()
        county.start_link()
        n.taps["county"] = _tap(county, *READER)
        n.taps["city"] = _tap(city, *READER)
        n.taps["town"] = _tap(town, "tap", town.password("tap"), "hall/township-a/#")
        for hall in (county, town):
            n.services[hall.site] = _service(hall, n.clocks[hall.site], root / f"data-{hall.site}")
        yield n
    finally:
        for link in n.links.values():
            link.stop()
        for service in n.services.values():
            service.stop()
        for tap in n.taps.values():
            tap.stop()
        for hall in (town, county, city):
            hall.stop()
        proxy.close()


def ask(link: HallLink, topic: str, **body) -> dict:
    reply = link.request(topic, {"request_id": f"r{next(_ids)}", **body}, timeout=10)
    assert reply["ok"], reply
    return reply


def received(tap: Client, prefix: str = "") -> list[tuple[str, bytes]]:
    with tap.lock:
        return [(t, p) for t, p in tap.received if t.startswith(prefix)]


def first_seen(messages: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The messages in the order of their first arrival: QoS 1 may deliver one twice after a reconnect."""
    return list(dict.fromkeys(messages))


def events(tap: Client, site: str) -> list[tuple[str, bytes]]:
    return first_seen(received(tap, f"hall/{site}/event/"))


def test_a_bridge_user_may_publish_its_halls_state_events_and_status_and_read_nothing(net):
    county = net.county
    password = bridge_password(net.town_b)
    assert try_connect(county.mqtts_port, "bridge-township-b", "not-the-password", ca_file=county.ca_file) in (
        "Not authorized",
        "Bad user name or password",
    )
    bridge = connect(county.mqtts_port, "bridge-township-b", password, ca_file=county.ca_file)
    prober = connect(county.mqtts_port, "prober", county.password("prober"), ca_file=county.ca_file)
    try:
        assert bridge.connected.is_set(), bridge.connack
        bridge.subscribe("#", "hall/county/reply/bridge-township-b", "hall/township-b/#")
        allowed = [
            "hall/township-b/state/queues",
            "hall/township-b/event/alert",
            "hall/township-b/node/broker/status",
            "hall/township-b/node/kiosk-1/device/printer",
        ]
        refused = [
            "hall/township-b/cmd/ticket/issue",
            "hall/township-b/reply/kiosk-1",
            "hall/township-a/state/queues",
            "hall/township-a/event/called",  # another hall's
            "hall/county/state/queues",
            "hall/county/event/alert",
            "hall/county/node/broker/status",
            "hall/county/cmd/ticket/issue",
            "hall/county/reply/bridge-township-b",
            "county/overview",
        ]
        codes = bridge.publish_many(allowed + refused, payload=b'{"probe": true}')
        assert {t: codes[t] for t in allowed} == {t: 0 for t in allowed}
        assert {t: codes[t] for t in refused} == {t: 135 for t in refused}
        # reads nothing: not the county's topics, not its own reply topic, not its own hall's
        assert prober.publish_many(
            ["hall/county/reply/bridge-township-b", "hall/county/state/queues", "hall/county/event/alert"],
            payload=b'{"probe": true}',
        ) == {"hall/county/reply/bridge-township-b": 0, "hall/county/state/queues": 0, "hall/county/event/alert": 0}
        # nothing may arrive: only time can tell, within a short quiet period after the PUBACKs
        stays(lambda: bridge.received == [], 0.5, "nothing received by the bridge user")
    finally:
        bridge.stop()
        prober.stop()


def test_two_halls_stay_autonomous_and_the_county_gets_state_events_and_alerts(net):
    town, county = net.town, net.county
    ctap, city_tap, ttap = net.taps["county"], net.taps["city"], net.taps["town"]
    people = citizens(6)
    t_kiosk, t_desk = net.link(town, "kiosk-1", "kiosk"), net.link(town, "counter-W1", "counter")
    c_kiosk, c_desk = net.link(county, "kiosk-1", "kiosk"), net.link(county, "counter-W1", "counter")
    tt, ct = t_kiosk.topics, c_kiosk.topics

    def issue(kiosk, holder=None):
        body = {"kiosk_id": "kiosk-1", "service_id": "zh-general", "channel": "walk_in"}
        return ask(kiosk, kiosk.topics.ticket_issue(), **body, **({"holder": holder} if holder else {}))["ticket"]

    # --- the link is up: the county gets the township's retained state, its events and an alert
    wait_for(lambda: received(ctap, "hall/township-a/state/queues"), 15, "the township's state at the county")
    wait_for(lambda: received(ctap, "hall/township-a/node/broker/status"), 5, "the township broker's status")
    for desk, t in ((t_desk, tt), (c_desk, ct)):
        ask(desk, t.counter_cmd("W1", "open"), operator_id="demo", pin="123456")
    first, second = issue(t_kiosk, people[0]), issue(t_kiosk, people[1])
    assert ask(t_desk, tt.counter_cmd("W1", "call-next"))["ticket"]["id"] == first["id"]
    wait_for(
        lambda: any(
            json.loads(p).get("ticket_id") == first["id"] for _, p in received(ctap, "hall/township-a/event/called")
        ),
        10,
        "event/called",
    )
    net.clocks["township-a"].advance(minutes=25)  # the second ticket now waits past the queue's 20-min SLA
    alert = wait_for(
        lambda: [json.loads(p) for _, p in received(ctap, "hall/township-a/event/alert")],
        10,
        "the township's alert at the county",
    )
    assert any(a["kind"] == "wait_over_sla" for a in alert), alert

    # --- the link is cut: both halls go on as before, and nothing of the township reaches the county
    net.proxy.cut()
    # what was on the line when it went down may still arrive: count from when nothing more does
    before = settled(lambda: len(received(ctap, "hall/township-a/")), 0.3, what="the county's township messages")
    events_before = len(received(ctap, "hall/township-a/event/"))
    during = [issue(t_kiosk, people[2])]
    ask(t_desk, tt.counter_cmd("W1", "finish"), outcome="done")
    assert ask(t_desk, tt.counter_cmd("W1", "call-next"))["ticket"]["id"] == second["id"]
    during.append(issue(t_kiosk, people[3]))
    c_ticket = issue(c_kiosk)  # the county's own hall, its own broker: unaffected
    assert ask(c_desk, ct.counter_cmd("W1", "call-next"))["ticket"]["id"] == c_ticket["id"]
    wait_for(lambda: len(events(ttap, "township-a")) >= 8, 10, "the township's events during the cut")
    # the link is cut: nothing of the township arrives, which only a quiet period can show
    stays(lambda: len(received(ctap, "hall/township-a/")) == before, 1.0, "no township message at the county")
    cut_events = events(ttap, "township-a")

    # --- restored: what was queued in the township's Mosquitto arrives, in order
    net.proxy.restore()
    wait_for(
        lambda: events(ctap, "township-a") == events(ttap, "township-a"),
        30,
        "the county to get every township event, in order",
    )
    assert events(ctap, "township-a")[: len(cut_events)] == cut_events
    after = [json.loads(p) for _, p in received(ctap, "hall/township-a/event/")[events_before:]]
    assert {e.get("ticket_id") for e in after} >= {t["id"] for t in during} | {second["id"]}
    last_state = received(ttap, "hall/township-a/state/queues")[-1]
    wait_for(
        lambda: received(ctap, "hall/township-a/state/queues")[-1] == last_state,
        15,
        "the county to get the township's latest state",
    )
    # ... and on through the county's own bridge to the city (township -> county -> city)
    wait_for(
        lambda: events(city_tap, "township-a") == events(ttap, "township-a"),
        30,
        "the city to get every township event, in order",
    )
    wait_for(lambda: received(city_tap, "hall/county/state/queues"), 10, "the county's own state at the city")

    # --- nothing personal crossed, and no command or reply
    town_clear = b"".join(p for t, p in received(ttap, "hall/township-a/cmd/ticket/issue")).decode()
    assert {p["id_number"] for p in people[:4]} <= id_numbers_in(town_clear)  # so the check below can fail
    for name, tap in (("county", ctap), ("city", city_tap)):
        everything = received(tap)
        assert len(everything) > 20
        topics = {t for t, _ in everything}
        assert not [
            t for t in topics if t.startswith("hall/township-a/") and t.split("/")[2] not in ("state", "event", "node")
        ], f"the {name} got a township topic it should not: {topics}"
        text = "\n".join(p.decode("utf-8", "replace") for _, p in everything)
        assert not id_numbers_in(text), f"an ID number reached the {name}"
        for person in people:
            assert person["name"] not in text and json_escaped(person["name"]) not in text, name
    # a county overview that connects now gets the township's state at once (retained across the bridge)
    late = _tap(county, *LATE_READER, topic="hall/township-a/state/#")
    try:
        wait_for(
            lambda: (
                {t for t, _ in received(late)}
                >= {f"hall/township-a/state/{k}" for k in ("queues", "counters", "catalog")}
            ),
            5,
            "the township's retained state for a late subscriber at the county",
        )
    finally:
        late.stop()
    # the bridge came in over the county's TLS listener, as its own user
    log = county.mosquitto.log_path.read_text()
    assert f"on port {county.mqtts_port}" in log and "as bridge-township-a" in log


def test_a_link_that_stops_answering_is_restarted_and_the_hall_loses_nothing(net):
    town, ctap = net.town, net.taps["county"]
    kiosk = net.link(town, "kiosk-1", "kiosk")
    script = town.link
    children = Path(f"/proc/{script.pid}/task/{script.pid}/children").read_text().split()
    link_mosquitto = next(int(c) for c in children if b"mosquitto" in Path(f"/proc/{c}/cmdline").read_bytes())
    os.kill(link_mosquitto, signal.SIGSTOP)  # as frozen as a Mosquitto spinning in its main loop
    try:
        ticket = issue_plain(kiosk)  # the hall does not notice: its own Mosquitto answers
        assert script.wait(15) == 1, "county-link.sh did not give up on a Mosquitto that does not answer"
        assert "does not answer" in town.link_log()
    finally:
        try:
            os.kill(link_mosquitto, signal.SIGCONT)
        except ProcessLookupError:
            pass
    town.start_link()  # what systemd does (Restart=always)
    wait_for(
        lambda: any(
            json.loads(p).get("ticket_id") == ticket["id"] for _, p in received(ctap, "hall/township-a/event/issued")
        ),
        20,
        "the ticket issued while the link was frozen, at the county",
    )
    wait_for(
        lambda: events(ctap, "township-a") == events(net.taps["town"], "township-a"),
        20,
        "every township event at the county, in order",
    )


def issue_plain(kiosk: HallLink) -> dict:
    return ask(kiosk, kiosk.topics.ticket_issue(), kiosk_id="kiosk-1", service_id="zh-general", channel="walk_in")[
        "ticket"
    ]
