"""What `python -m provisioning bridge` writes on both sides, without running anything: the hall's county
link (its own Mosquitto: a bridge in from the hall, a bridge out to the county, secret, the county's CA),
the link's read-only user on the hall's Mosquitto, the county's user and ACL block, and that `init` run
again on either folder keeps it all."""

from __future__ import annotations

import json
import stat
import subprocess

import pytest

from provisioning.__main__ import main
from provisioning.passwd import check_password, read_passwd
from provisioning.roles import RIGHTS, ROLES

from .conftest import HallDir

LINK = "nodes/broker/county-link"


@pytest.fixture
def pair(tmp_path):
    county, town = HallDir(tmp_path, "county"), HallDir(tmp_path, "township-a")
    town.bridge_to(county, "--county-host", "127.0.0.1")
    return county, town


def connections(hall: HallDir) -> dict[str, dict]:
    """The link's bridges: connection name -> {"options": {...}, "topics": [...]}; plus "" for the globals."""
    blocks: dict[str, dict] = {"": {"options": {}, "topics": []}}
    current = blocks[""]
    for line in (hall.out / LINK / "county-link.conf").read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition(" ")
        if key == "connection":
            current = blocks.setdefault(value, {"options": {}, "topics": []})
        elif key == "topic":
            current["topics"].append(value)
        else:
            current["options"][key] = value
    return blocks


def bridge_password(town: HallDir) -> str:
    """The hall's password on its county's broker."""
    county = json.loads((town.out / "provision.json").read_text())["upstream"]["county_site"]
    return connections(town)[f"{town.site}-to-{county}"]["options"]["remote_password"]


def link_password(hall: HallDir) -> str:
    """The link's password on its own hall's Mosquitto."""
    return connections(hall)[f"{hall.site}-hall"]["options"]["remote_password"]


def test_the_hall_side(pair):
    county, town = pair
    conf = town.out / LINK / "county-link.conf"
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600
    blocks = connections(town)
    assert set(blocks) == {"", "township-a-hall", "township-a-to-county"}
    families = ["hall/township-a/state/#", "hall/township-a/event/#", "hall/township-a/node/#"]
    # in from the hall's own Mosquitto (loopback, its user county-link), out to the county: QoS 1, exactly
    # the three families of this hall; never cmd/ or reply/
    hall_in, out = blocks["township-a-hall"], blocks["township-a-to-county"]
    # and the hall's hand-overs to the county (同城通办) up, the county's answers to them down
    request, reply = "hall/township-a/handover/county/request", "hall/county/handover/township-a/reply"
    assert hall_in["topics"] == [f"{t} in 1" for t in families] + [f"{request} in 1", f"{reply} out 1"]
    assert out["topics"] == [f"{t} out 1" for t in families] + [f"{request} out 1", f"{reply} in 1"]
    assert hall_in["options"]["address"] == f"127.0.0.1:{town.mqtt_port}"
    assert hall_in["options"]["remote_username"] == "county-link"
    o = out["options"]
    assert o["address"] == f"127.0.0.1:{town.link_port + 1}"  # stunnel on the loopback: Mosquitto does no TLS
    assert not {"bridge_cafile", "bridge_capath", "bridge_certfile", "bridge_insecure"} & set(o)
    assert o["remote_username"] == o["remote_clientid"] == "bridge-township-a"
    assert o["cleansession"] == "false" == hall_in["options"]["cleansession"]
    assert o["notifications_local_only"] == "true"
    # stunnel: TLS to the county's listener, the county's CA, the name checked
    tunnel = dict(
        line.split(" = ", 1)
        for line in (town.out / LINK / "county-link.stunnel").read_text().splitlines()
        if " = " in line and not line.startswith(";")
    )
    ca = town.out / LINK / "county-ca.crt"
    assert tunnel["client"] == "yes" and tunnel["accept"] == f"127.0.0.1:{town.link_port + 1}"
    assert tunnel["connect"] == f"127.0.0.1:{county.mqtts_port}"  # the county's TLS listener
    assert tunnel["CAfile"] == str(ca) and tunnel["verifyChain"] == "yes" and tunnel["checkIP"] == "127.0.0.1"
    assert tunnel["sslVersionMin"] == "TLSv1.2"
    assert ca.read_bytes() == (county.out / "ca" / "ca.crt").read_bytes()
    g = blocks[""]["options"]
    assert g["listener"] == f"{town.link_port} 127.0.0.1" and g["allow_anonymous"] == "false"
    assert g["persistence"] == "false" and "password_file" not in g  # nobody logs in to the link
    assert int(g["max_queued_messages"]) > 0 and int(g["max_queued_bytes"]) > 0
    # the hall's own Mosquitto has no bridge; its ACL lets the link read those families and nothing else
    main_conf = (town.mq / "mosquitto.conf").read_text()
    assert "\nconnection " not in main_conf and "include_dir" not in main_conf
    acl = (town.mq / "acl").read_text()
    assert block_of(acl, "county-link") == [
        "user county-link",
        "topic deny hall/township-a/reply/#",
        *[f"topic read {t}" for t in families],
        f"topic read {request}",
        f"topic write {reply}",
    ]
    # the queue broker reads the county's answers (a second block of its user) and knows where it may hand over
    assert acl[acl.rindex("user broker\n") :].split("\n\n")[0].splitlines() == ["user broker", f"topic read {reply}"]
    assert "HALL_HANDOVER_SITES=county" in (town.out / "nodes/broker/node.env").read_text().splitlines()
    assert check_password(link_password(town), read_passwd(town.mq / "passwd")["county-link"])
    # no password outside county-link.conf (and the hashes in the password files)
    for secret in (bridge_password(town), link_password(town)):
        for path in [p for p in town.out.rglob("*") if p.is_file()] + [
            county.out / "provision.json",
            county.mq / "acl",
        ]:
            if path != conf:
                assert secret not in path.read_text(errors="replace"), path
    up = json.loads((town.out / "provision.json").read_text())["upstream"]
    assert up["county_site"] == "county" and up["sites"] == ["township-a"]
    # install.sh installs and starts the link; the scripts are valid shell; the unit runs the script
    script = (town.out / "nodes/broker/install.sh").read_text()
    assert "county-link/county-link.conf" in script and "systemctl enable hall-county-link.service" in script
    subprocess.run(["sh", "-n", str(town.out / "nodes/broker/install.sh")], check=True)
    subprocess.run(["bash", "-n", str(town.out / LINK / "county-link.sh")], check=True)
    unit = (town.out / LINK / "hall-county-link.service").read_text()
    assert f"ExecStart=/bin/bash {town.out / LINK}/county-link.sh" in unit and "Restart=always" in unit
    assert "county-link.stunnel" in unit and "apt-get install -y stunnel4" in script


def block_of(acl: str, user: str) -> list[str]:
    return acl[acl.index(f"user {user}\n") :].split("\n\n")[0].strip().splitlines()


def test_the_county_side(pair):
    county, town = pair
    hashes = read_passwd(county.mq / "passwd")
    assert check_password(bridge_password(town), hashes["bridge-township-a"])
    # written out from docs/county.md by hand: publish the hall's state, events, node status; read nothing
    assert block_of((county.mq / "acl").read_text(), "bridge-township-a") == [
        "user bridge-township-a",
        "topic deny hall/county/reply/#",
        "topic write hall/township-a/state/#",
        "topic write hall/township-a/event/#",
        "topic write hall/township-a/node/#",
        "topic write hall/township-a/handover/county/request",
        "topic read hall/county/handover/township-a/reply",
    ]
    # the county's queue broker reads the hand-overs to it
    acl = (county.mq / "acl").read_text()
    assert acl[acl.rindex("user broker\n") :].split("\n\n")[0].splitlines() == [
        "user broker",
        "topic read hall/township-a/handover/county/request",
    ]
    assert "HALL_HANDOVER_SITES" not in (county.out / "nodes/broker/node.env").read_text()
    assert "bridge" not in ROLES and "link" not in ROLES  # not node roles: `node add --role bridge` is refused
    assert RIGHTS["bridge"].read == () and RIGHTS["link"].publish == ()


def test_init_again_keeps_the_bridge_on_both_sides(pair):
    county, town = pair
    password, own = bridge_password(town), link_password(town)
    county_hash = read_passwd(county.mq / "passwd")["bridge-township-a"]
    link_hash = read_passwd(town.mq / "passwd")["county-link"]
    for hall in (county, town):
        site_file = json.loads((hall.out / "provision.json").read_text())["source"]
        assert (
            main(
                [
                    "init",
                    site_file,
                    "--out",
                    str(hall.out),
                    "--host",
                    "127.0.0.1",
                    "--mqtt-port",
                    str(hall.mqtt_port),
                    "--mqtts-port",
                    str(hall.mqtts_port),
                    "--bind",
                    "127.0.0.1",
                    "--in-place",
                ]
            )
            == 0
        )
    assert bridge_password(town) == password and link_password(town) == own
    assert read_passwd(county.mq / "passwd")["bridge-township-a"] == county_hash
    assert read_passwd(town.mq / "passwd")["county-link"] == link_hash
    assert "user bridge-township-a" in (county.mq / "acl").read_text()
    assert "user county-link" in (town.mq / "acl").read_text()
    assert (town.out / "nodes/broker/install.sh").read_text().count("hall-county-link.service") >= 2
    # a node added or revoked on the county keeps the bridge user too
    assert main(["node", "add", "kiosk-7", "--role", "kiosk", "--dir", str(county.out)]) == 0
    assert main(["node", "revoke", "kiosk-7", "--dir", str(county.out)]) == 0
    assert read_passwd(county.mq / "passwd")["bridge-township-a"] == county_hash


def test_rotate_and_remove(pair):
    county, town = pair
    old, old_own = bridge_password(town), link_password(town)
    assert main(["bridge", str(town.out), "--county", str(county.out), "--rotate"]) == 0
    new, new_own = bridge_password(town), link_password(town)
    assert new != old and check_password(new, read_passwd(county.mq / "passwd")["bridge-township-a"])
    assert new_own != old_own and check_password(new_own, read_passwd(town.mq / "passwd")["county-link"])
    assert json.loads((town.out / "provision.json").read_text())["upstream"]["link_port"] == town.link_port
    assert main(["bridge", str(town.out), "--county", str(county.out), "--remove"]) == 0
    assert "bridge-township-a" not in read_passwd(county.mq / "passwd")
    assert "bridge-township-a" not in (county.mq / "acl").read_text()
    assert "county-link" not in read_passwd(town.mq / "passwd") and "county-link" not in (town.mq / "acl").read_text()
    assert not (town.out / LINK).exists()
    assert "county-link" not in (town.out / "nodes/broker/install.sh").read_text()


def test_a_chain_carries_the_halls_bridged_below(tmp_path):
    city, county = HallDir(tmp_path, "city"), HallDir(tmp_path, "county")
    towns = [HallDir(tmp_path, f"township-{x}") for x in "ab"]
    for town in towns:
        assert main(["bridge", str(town.out), "--county", str(county.out)]) == 0
    assert main(["bridge", str(county.out), "--upstream", str(city.out)]) == 0
    carried = [f"hall/{s}/{f}/#" for s in ("county", "township-a", "township-b") for f in ("state", "event", "node")]
    # hand-overs only between the two ends of a link: the county's own to the city, not the townships'
    request, reply = "hall/county/handover/city/request", "hall/city/handover/county/reply"
    assert connections(county)["county-to-city"]["topics"] == [f"{t} out 1" for t in carried] + [
        f"{request} out 1",
        f"{reply} in 1",
    ]
    assert connections(county)["county-hall"]["topics"] == [f"{t} in 1" for t in carried] + [
        f"{request} in 1",
        f"{reply} out 1",
    ]
    assert block_of((county.mq / "acl").read_text(), "county-link")[2:] == [f"topic read {t}" for t in carried] + [
        f"topic read {request}",
        f"topic write {reply}",
    ]
    assert block_of((city.mq / "acl").read_text(), "bridge-county")[2:] == [f"topic write {t}" for t in carried] + [
        f"topic write {request}",
        f"topic read {reply}",
    ]
    # a township cannot bridge to a hall below it: a loop
    with pytest.raises(Exception, match="loop"):
        from provisioning.generate import link

        link(county.out, towns[0].out)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--county-host", "county.example.org"], "certificate names"),
        (["--restart-timeout", "soon"], "restart-timeout"),
        (["--keepalive", "2"], "keepalive"),
        (["--link-port", "MQTT_PORT"], "port of the hall's own Mosquitto"),
    ],
)
def test_mistakes_are_refused_with_a_reason(tmp_path, capsys, args, message):
    county, town = HallDir(tmp_path, "county"), HallDir(tmp_path, "township-a")
    args = [str(town.mqtt_port) if a == "MQTT_PORT" else a for a in args]
    assert main(["bridge", str(town.out), "--county", str(county.out), *args]) == 2
    assert message in capsys.readouterr().err
    assert main(["bridge", str(town.out), "--county", str(town.out)]) == 2  # to itself
    assert "itself" in capsys.readouterr().err
