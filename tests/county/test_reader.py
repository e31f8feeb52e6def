"""`python -m provisioning reader`: the county overview's read-only user of a county's broker (role
county-reader). Its files and ACL block, kept by every provisioning command; then, with the county's
generated Mosquitto running, what it may read (the state, events and node status of the county and of the
halls bridged into it, also through the tablet's `hall/+/...` wildcards) and that it may do nothing else."""

from __future__ import annotations

import json
import stat
from urllib.parse import urlsplit

import pytest

from provisioning.__main__ import main
from provisioning.generate import read_node_env
from tests.waiting import stays, wait_for

from ..provisioning.conftest import connect
from .conftest import HallDir
from .test_bridge_files import bridge_password


def _acl_block(hall: HallDir, user: str) -> list[str]:
    lines = (hall.mq / "acl").read_text().splitlines()
    start = lines.index(f"user {user}")
    block = []
    for line in lines[start:]:
        if not line.strip():
            break
        block.append(line)
    return block


def test_reader_files_acl_and_every_provisioning_command_keeps_it(tmp_path, capsys):
    county, town = HallDir(tmp_path, "county"), HallDir(tmp_path, "township-a")
    county.prov.add_node("supervisor-1", "supervisor")
    user, password = county.county_reader("overview-1", node="supervisor-1")
    env_file = county.out / "readers" / "overview-1" / "county.env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert (
        read_node_env(env_file)["HALL_COUNTY_MQTT_URL"]
        == f"mqtts://overview-1:{password}@127.0.0.1:{county.mqtts_port}"
    )
    assert (county.out / "readers" / "overview-1" / "ca.crt").read_bytes() == (
        county.out / "ca" / "ca.crt"
    ).read_bytes()
    # the tablet's own bundle carries it (systemd reads node.env; a comment is a line of its own)
    tablet_env = (county.out / "nodes" / "supervisor-1" / "node.env").read_text()
    assert f"HALL_COUNTY_MQTT_URL=mqtts://overview-1:{password}@127.0.0.1:{county.mqtts_port}\n" in tablet_env
    assert password not in (county.out / "provision.json").read_text()
    assert password not in (county.mq / "acl").read_text() + (county.mq / "passwd").read_text()
    assert _acl_block(county, user) == [
        "user overview-1",
        "topic deny hall/county/reply/#",
        "topic read hall/county/state/#",
        "topic read hall/county/event/#",
        "topic read hall/county/node/#",
    ]

    # a township bridged in later: the reader reads it too, and keeps its password
    assert main(["bridge", str(town.out), "--county", str(county.out)]) == 0
    assert _acl_block(county, user)[-3:] == [
        "topic read hall/township-a/state/#",
        "topic read hall/township-a/event/#",
        "topic read hall/township-a/node/#",
    ]
    # init again, node add, node revoke of another node: all keep the reader, its hash and its URL
    hash_before = next(line for line in (county.mq / "passwd").read_text().splitlines() if line.startswith(user + ":"))
    county.prov.init(tmp_path / "county.yaml", _options(county))
    county.prov.add_node("kiosk-9", "kiosk")
    county.prov.revoke_node("kiosk-9")
    assert hash_before in (county.mq / "passwd").read_text().splitlines()
    assert "user overview-1" in (county.mq / "acl").read_text()
    assert read_node_env(env_file)["HALL_COUNTY_MQTT_URL"].endswith(f":{password}@127.0.0.1:{county.mqtts_port}")
    assert f"overview-1:{password}@" in (county.out / "nodes" / "supervisor-1" / "node.env").read_text()

    # --rotate: a new password, in both places; --remove: gone from the password file and the ACL
    assert main(["reader", "overview-1", "--dir", str(county.out), "--rotate"]) == 0
    new = urlsplit(read_node_env(env_file)["HALL_COUNTY_MQTT_URL"]).password
    assert new != password and f"overview-1:{new}@" in (county.out / "nodes" / "supervisor-1" / "node.env").read_text()
    assert main(["reader", "overview-1", "--dir", str(county.out), "--remove"]) == 0
    assert "overview-1" not in (county.mq / "acl").read_text() + (county.mq / "passwd").read_text()
    assert (
        not env_file.exists()
        and "HALL_COUNTY_MQTT_URL" not in (county.out / "nodes" / "supervisor-1" / "node.env").read_text()
    )
    assert "overview-1" not in json.loads((county.out / "provision.json").read_text()).get("readers", {})

    # refused with a reason: a node's name, a bridge user's, twice, an unknown node, a bad name
    capsys.readouterr()
    county.county_reader("overview-2")
    for args, word in (
        (["supervisor-1"], "user name of a node"),
        (["bridge-township-a"], "bridge"),
        (["overview-2"], "exists already"),
        (["overview-3", "--node", "nobody"], "no node"),
        (["Bad name"], "may use only"),
    ):
        assert main(["reader", *args, "--dir", str(county.out)]) == 2
        assert word in capsys.readouterr().err
    with pytest.raises(Exception, match="county reader"):
        county.prov.add_node("overview-2", "kiosk")


def _options(hall: HallDir):
    from provisioning.generate import Options

    s = hall.prov.state
    return Options(hosts=s.hosts, mqtt_port=s.mqtt_port, mqtts_port=s.mqtts_port, bind=s.bind, in_place=True)


def test_a_reader_reads_the_bridged_halls_state_events_and_nodes_and_nothing_else(tmp_path):
    county, town = HallDir(tmp_path, "county"), HallDir(tmp_path, "township-a")
    assert main(["bridge", str(town.out), "--county", str(county.out)]) == 0
    user, password = county.county_reader("overview-1")
    county.start()
    clients = []
    try:
        ca = str(county.out / "readers" / "overview-1" / "ca.crt")
        reader = connect(county.mqtts_port, user, password, ca_file=ca)
        assert reader.connected.is_set(), reader.connack
        clients.append(reader)
        reader.subscribe("hall/+/state/#", "hall/+/event/#", "hall/+/node/#", "#")  # the tablet's, and everything
        link = connect(county.mqtts_port, "bridge-township-a", bridge_password(town), ca_file=county.ca_file)
        broker = connect(county.mqtts_port, "broker", county.password("broker"), ca_file=county.ca_file)
        clients += [link, broker]
        assert link.connected.is_set() and broker.connected.is_set()
        readable = [
            "hall/township-a/state/queues",
            "hall/township-a/event/finished",
            "hall/township-a/node/broker/status",
            "hall/township-a/node/kiosk-1/device/printer",
        ]
        assert {t: link.publish(t) for t in readable} == dict.fromkeys(readable, 0)
        assert link.publish("hall/township-a/handover/county/request") == 0  # crosses, but not for the reader
        own = ["hall/county/state/queues", "hall/county/event/called"]
        hidden = [
            "hall/county/cmd/ticket/issue",
            "hall/county/reply/overview-1",
            "hall/county/reply/supervisor-1",
            "hall/county/handover/township-a/reply",
        ]
        assert {t: broker.publish(t) for t in own + hidden} == dict.fromkeys(own + hidden, 0)
        wait_for(lambda: set(readable + own) <= reader.topics(), 10, "the reader got what it may read")
        # and nothing else, though it subscribed `#`: a quiet period after the PUBACKs, nothing else can show it
        stays(lambda: reader.topics() == set(readable + own), 0.5, "only what the reader may read")
        # it may publish nothing: its node status, a command, another hall's state, a reply
        tries = [
            "hall/county/node/overview-1/status",
            "hall/county/cmd/supervisor/assign",
            "hall/township-a/state/queues",
            "hall/county/reply/broker",
            "hall/county/event/alert",
        ]
        assert {t: reader.publish(t) for t in tries} == dict.fromkeys(tries, 135)
    finally:
        for c in clients:
            c.stop()
        county.stop()
