"""What `python -m provisioning bridge` writes on both sides, without running anything: the hall's bridge
file (secret, topics out only, the county's CA), the county's user and ACL block, and that `init` run
again on either folder keeps the bridge."""

from __future__ import annotations

import json
import stat
import subprocess

import pytest

from provisioning.__main__ import main
from provisioning.passwd import check_password, read_passwd
from provisioning.roles import RIGHTS, ROLES

from .conftest import HallDir

BRIDGE = "nodes/broker/mosquitto/bridge"


@pytest.fixture
def pair(tmp_path):
    county, town = HallDir(tmp_path, "county"), HallDir(tmp_path, "township-a")
    assert main(["bridge", str(town.out), "--county", str(county.out), "--county-host", "127.0.0.1"]) == 0
    return county, town


def bridge_password(town: HallDir, county_site: str = "county") -> str:
    text = (town.out / BRIDGE / f"to-{county_site}.conf").read_text()
    return next(line.split()[1] for line in text.splitlines() if line.startswith("remote_password "))


def test_the_hall_side(pair):
    county, town = pair
    conf = town.out / BRIDGE / "to-county.conf"
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600
    lines = [line for line in conf.read_text().splitlines() if line and not line.startswith("#")]
    options = dict(line.split(None, 1) for line in lines if not line.startswith("topic "))
    # out only, QoS 1, exactly the three families of this hall; never cmd/ or reply/
    assert [line for line in lines if line.startswith("topic ")] == [
        "topic hall/township-a/state/# out 1", "topic hall/township-a/event/# out 1",
        "topic hall/township-a/node/# out 1"]
    assert options["address"] == f"127.0.0.1:{county.mqtts_port}"  # the county's TLS listener
    assert options["remote_username"] == options["remote_clientid"] == "bridge-township-a"
    assert options["cleansession"] == "false" and options["local_cleansession"] == "false"
    assert options["bridge_insecure"] == "false" and options["notifications_local_only"] == "true"
    ca = town.out / BRIDGE / "county-ca.crt"
    assert options["bridge_cafile"] == str(ca)
    assert ca.read_bytes() == (county.out / "ca" / "ca.crt").read_bytes()
    assert int(options["max_queued_messages"]) > 0 and int(options["max_queued_bytes"]) > 0
    # mosquitto.conf includes the folder, last; it and provision.json hold no password
    main_conf = (town.mq / "mosquitto.conf").read_text()
    assert main_conf.rstrip().splitlines()[-1] == f"include_dir {town.mq / 'bridge'}"
    password = bridge_password(town)
    for path in (town.mq / "mosquitto.conf", town.out / "provision.json", county.out / "provision.json",
                 county.mq / "acl", town.out / "nodes/broker/install.sh"):
        assert password not in path.read_text(), path
    up = json.loads((town.out / "provision.json").read_text())["upstream"]
    assert up["county_site"] == "county" and up["sites"] == ["township-a"]
    # install.sh puts the bridge in place before Mosquitto restarts, and is valid shell
    script = (town.out / "nodes/broker/install.sh").read_text()
    assert script.index("mosquitto/bridge/*.conf") < script.index("systemctl enable hall-mosquitto.service")
    subprocess.run(["sh", "-n", str(town.out / "nodes/broker/install.sh")], check=True)


def test_the_county_side(pair):
    county, town = pair
    hashes = read_passwd(county.mq / "passwd")
    assert check_password(bridge_password(town), hashes["bridge-township-a"])
    acl = (county.mq / "acl").read_text()
    block = acl[acl.index("user bridge-township-a"):].split("\n\n")[0].splitlines()
    # written out from docs/county.md by hand: publish the hall's state, events, node status; read nothing
    assert block == ["user bridge-township-a", "topic deny hall/county/reply/#",
                     "topic write hall/township-a/state/#", "topic write hall/township-a/event/#",
                     "topic write hall/township-a/node/#"]
    assert "bridge" not in ROLES  # not a node role: `node add --role bridge` is refused
    assert RIGHTS["bridge"].read == ()


def test_init_again_keeps_the_bridge_on_both_sides(pair):
    county, town = pair
    password = bridge_password(town)
    county_hash = read_passwd(county.mq / "passwd")["bridge-township-a"]
    for hall in (county, town):
        site_file = json.loads((hall.out / "provision.json").read_text())["source"]
        assert main(["init", site_file, "--out", str(hall.out), "--host", "127.0.0.1",
                     "--mqtt-port", str(hall.mqtt_port), "--mqtts-port", str(hall.mqtts_port),
                     "--bind", "127.0.0.1", "--in-place"]) == 0
    assert bridge_password(town) == password
    assert read_passwd(county.mq / "passwd")["bridge-township-a"] == county_hash
    assert "user bridge-township-a" in (county.mq / "acl").read_text()
    assert "include_dir" in (town.mq / "mosquitto.conf").read_text()
    assert "mosquitto/bridge/*.conf" in (town.out / "nodes/broker/install.sh").read_text()
    # a node added or revoked on the county keeps the bridge user too
    assert main(["node", "add", "kiosk-7", "--role", "kiosk", "--dir", str(county.out)]) == 0
    assert main(["node", "revoke", "kiosk-7", "--dir", str(county.out)]) == 0
    assert read_passwd(county.mq / "passwd")["bridge-township-a"] == county_hash


def test_rotate_and_remove(pair):
    county, town = pair
    old = bridge_password(town)
    assert main(["bridge", str(town.out), "--county", str(county.out), "--rotate"]) == 0
    new = bridge_password(town)
    assert new != old and check_password(new, read_passwd(county.mq / "passwd")["bridge-township-a"])
    assert main(["bridge", str(town.out), "--county", str(county.out), "--remove"]) == 0
    assert "bridge-township-a" not in read_passwd(county.mq / "passwd")
    assert "bridge-township-a" not in (county.mq / "acl").read_text()
    assert not (town.out / BRIDGE).exists()
    assert "include_dir" not in (town.mq / "mosquitto.conf").read_text()
    assert "bridge" not in (town.out / "nodes/broker/install.sh").read_text()


def test_a_chain_carries_the_halls_bridged_below(tmp_path):
    city, county = HallDir(tmp_path, "city"), HallDir(tmp_path, "county")
    towns = [HallDir(tmp_path, f"township-{x}") for x in "ab"]
    for town in towns:
        assert main(["bridge", str(town.out), "--county", str(county.out)]) == 0
    assert main(["bridge", str(county.out), "--upstream", str(city.out)]) == 0
    topics = [line for line in (county.out / BRIDGE / "to-city.conf").read_text().splitlines()
              if line.startswith("topic ")]
    assert topics == [f"topic hall/{s}/{f}/# out 1" for s in ("county", "township-a", "township-b")
                      for f in ("state", "event", "node")]
    acl = (city.mq / "acl").read_text()
    assert "topic write hall/township-b/event/#" in acl[acl.index("user bridge-county"):]
    # a township cannot bridge to a hall below it: a loop
    with pytest.raises(Exception, match="loop"):
        from provisioning.bridge import link

        link(county.out, towns[0].out)


@pytest.mark.parametrize("args, message", [
    (["--county-host", "county.example.org"], "certificate names"),
    (["--restart-timeout", "soon"], "restart-timeout"),
    (["--keepalive", "2"], "keepalive"),
])
def test_mistakes_are_refused_with_a_reason(tmp_path, capsys, args, message):
    county, town = HallDir(tmp_path, "county"), HallDir(tmp_path, "township-a")
    assert main(["bridge", str(town.out), "--county", str(county.out), *args]) == 2
    assert message in capsys.readouterr().err
    assert main(["bridge", str(town.out), "--county", str(town.out)]) == 2  # to itself
    assert "itself" in capsys.readouterr().err
