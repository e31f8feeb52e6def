"""Who may give priority and call staff (issue 19 item 2, issue 23 item 3), on the generated configuration:
the ACL (each role publishes each new command, PUBACK accepted or 135) and the engine (the real queue
broker behind it, each node with its own credentials over TLS). The cells that were wrong before: a
kiosk could take a green-channel ticket (the ACL lets it publish cmd/ticket/issue, so the broker must
refuse it), and no staff role had a way to issue one at all. docs/security.md has the table."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from queue_broker.config.loader import load_site_config
from queue_broker.link import HallLink
from queue_broker.service.runner import HallService

from ..clock import Clock
from .conftest import node_client
from .test_acl_matrix import READERS

SITE = "hall/mini"
NODES = {role: node for role, node in READERS.items() if role != "broker"}  # role -> (node, its counter)
TOPICS = {
    "own counter's issue-priority": "cmd/counter/{counter}/issue-priority",
    "another counter's issue-priority": "cmd/counter/W2/issue-priority",
    "supervisor issue-priority": "cmd/supervisor/issue-priority",
    "kiosk's call for staff": "cmd/ticket/help",
}
# docs/security.md, "Priority and calls for staff": written by hand, not read from provisioning.roles
MAY_PUBLISH = {
    "kiosk": {"kiosk's call for staff"},
    "counter": {"own counter's issue-priority"},
    "display": set(),
    "voice": set(),
    "gateway": set(),
    "supervisor": {"own counter's issue-priority", "another counter's issue-priority", "supervisor issue-priority"},
}


@pytest.mark.parametrize("role", list(NODES))
def test_acl_for_priority_commands(hall, role):
    node, counter = NODES[role]
    client = node_client(hall, node)
    try:
        topics = {name: f"{SITE}/" + t.format(counter=counter or "W1") for name, t in TOPICS.items()}
        codes = client.publish_many(list(topics.values()), payload=b"acl-check")
    finally:
        client.stop()
    for name, topic in topics.items():
        allowed = name in MAY_PUBLISH[role]
        assert (codes[topic] < 128) == allowed, f"{role} on {name}: PUBACK {codes[topic]}"
        if not allowed:
            assert codes[topic] == 135


def _link(hall, node: str, role: str) -> HallLink:
    env = hall.env(node)
    link = HallLink(env["HALL_MQTT_URL"], "mini", node, role, ca_file=env["HALL_MQTT_CA_FILE"]).start()
    assert link.wait_connected(10), link.last_connack_failure
    return link


def test_the_broker_behind_the_acl_gives_priority_to_staff_only(hall, tmp_path):
    env = {**hall.env("broker"), "HALL_DATA_DIR": str(tmp_path / "data")}
    cfg = load_site_config(hall.out / "nodes" / "broker" / "site.yaml", env=env)
    clock = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    service = HallService(cfg, clock=clock, env=env, tick_interval_s=0.2).start()
    kiosk, counter = _link(hall, "kiosk-1", "kiosk"), _link(hall, "counter-W1", "counter")
    sup = _link(hall, "super-1", "supervisor")
    t = kiosk.topics
    n = iter(range(1000))

    def ask(link, topic, **body):
        return link.request(topic, {"request_id": f"pr-{next(n)}", **body}, timeout=10)

    try:
        assert service.link.wait_connected(10)
        time.sleep(0.2)
        green = ask(kiosk, t.ticket_issue(), kiosk_id="kiosk-1", service_id="zh-general", channel="green")
        assert green["ok"] is False and green["error"]["code"] == "forbidden"
        called = ask(kiosk, t.ticket_help(), kiosk_id="kiosk-1", need="priority")
        assert called["ok"] and called["alert"]["state"] == "raised"
        assert ask(counter, t.counter_cmd("W1", "open"), operator_id="demo", pin="123456")["ok"]
        by_counter = ask(
            counter,
            t.counter_cmd("W1", "issue-priority"),
            service_id="zh-general",
            priority="green",
            reason="其他",
            note="急诊",
        )
        assert by_counter["ok"] and by_counter["priority"]["operator_id"] == "demo"
        by_sup = ask(
            sup,
            t.supervisor_cmd("issue-priority"),
            service_id="zh-general",
            priority="disability",
            reason="视力残疾",
            supervisor_id="super",
        )
        assert by_sup["ok"] and by_sup["priority"]["node"] == "super-1"
    finally:
        for link in (kiosk, counter, sup):
            link.stop()
        service.stop()
