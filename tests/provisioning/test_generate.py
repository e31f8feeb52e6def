"""What `init` writes: secrets 0600 and nowhere else, bundles that load, units, udev rules, the
production check, and a second run that keeps every credential."""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography import x509

from provisioning.__main__ import main
from provisioning.generate import Options, Provisioner, ProvisionError, read_node_env
from provisioning.passwd import check_password, hash_password, read_passwd
from provisioning.pki import server_hosts
from queue_broker.config.loader import load_site_config

from .conftest import MINI_SITE

SECRET_NAMES = {"node.env", "ca.key", "server.key", "passwd", "id-hash.key", "selfservice-hash.key", "gateway.key"}


def _files(root: Path):
    return [
        p
        for p in root.rglob("*")
        if p.is_file() and "run" not in p.relative_to(root).parts and "var" not in p.relative_to(root).parts
    ]


def _secrets(hall) -> list[str]:
    out = hall.out
    found = [hall.password(n.id) for n in hall.prov.nodes()]
    found += list(read_passwd(out / "nodes/broker/mosquitto/passwd").values())
    found.append((out / "nodes/broker/id-hash.key").read_text().strip())
    found.append((out / "selfservice-hash.key").read_text().strip())
    for key in (out / "ca/ca.key", out / "nodes/broker/mosquitto/server.key"):
        body = "".join(line for line in key.read_text().splitlines() if "-----" not in line)
        found += [body[i : i + 40] for i in range(0, len(body) - 40, 40)]
    assert len(found) > 20
    return found


def test_secret_files_are_0600_and_the_rest_hold_no_secret(hall):
    secrets = _secrets(hall)
    seen_secret = set()
    for path in _files(hall.out):
        mode = stat.S_IMODE(path.stat().st_mode)
        if path.name in SECRET_NAMES:
            assert mode == 0o600, f"{path}: {oct(mode)}"
            seen_secret.add(path.name)
            continue
        assert mode in (0o644, 0o755), f"{path}: {oct(mode)}"
        text = path.read_text(encoding="utf-8", errors="replace")
        assert "PRIVATE KEY" not in text, path
        leaked = [s[:6] + "..." for s in secrets if s in text]
        assert not leaked, f"{path} holds a secret: {leaked}"
    assert seen_secret == SECRET_NAMES
    for node in hall.prov.nodes():  # every bundle has its node.env, its CA, and nothing of the CA's key
        bundle = hall.out / "nodes" / node.id
        assert (bundle / "node.env").exists() and (bundle / "ca.crt").exists()
        assert not list(bundle.rglob("ca.key"))


def test_node_env_and_bundle_site_file(hall):
    env = hall.env("kiosk-1")
    assert env["HALL_ROLE"] == "kiosk" and env["HALL_NODE_ID"] == "kiosk-1"
    assert env["HALL_MQTT_URL"] == f"mqtts://kiosk-1:{hall.password('kiosk-1')}@127.0.0.1:{hall.mqtts_port}"
    assert hall.env("counter-W2")["HALL_COUNTER_ID"] == "W2"
    # the hall server's own queue broker uses the loopback listener
    assert hall.env("broker")["HALL_MQTT_URL"].startswith(
        f"mqtt://broker:{hall.password('broker')}@127.0.0.1:{hall.mqtt_port}"
    )
    # the bundle's site file loads with the real loader, the password coming from node.env
    cfg = load_site_config(hall.out / "nodes" / "kiosk-1" / "site.yaml", env=env)
    assert cfg.mqtt.url == env["HALL_MQTT_URL"] and Path(cfg.mqtt.ca_file).exists()
    assert cfg.operators == [] and cfg.supervisors == []  # PIN hashes stay on the hall server
    assert {n.id for n in cfg.nodes} >= {"kiosk-1", "kiosk-2", "counter-W2", "super-1"}
    server = load_site_config(hall.out / "nodes" / "broker" / "site.yaml", env=hall.env("broker"))
    assert [o.id for o in server.operators] == ["demo", "clerk"]
    raw = yaml.safe_load((hall.out / "nodes" / "kiosk-1" / "site.yaml").read_text())
    assert "@" not in raw["mqtt"]["url"]


def test_acl_uses_patterns_for_the_own_reply_and_names_each_counter(hall):
    acl = (hall.out / "nodes/broker/mosquitto/acl").read_text()
    assert "pattern read hall/mini/reply/%u" in acl
    block = acl.split("user counter-W2\n", 1)[1].split("\n\n", 1)[0]
    assert "topic write hall/mini/cmd/counter/W2/#" in block and "W1" not in block
    assert "topic deny hall/mini/reply/#" in acl.split("user display-1\n", 1)[1].split("\n\n", 1)[0]
    before_users = acl.split("\nuser ", 1)[0].splitlines()
    assert not [line for line in before_users if line.startswith("topic")]  # nothing for anonymous clients
    conf = (hall.out / "nodes/broker/mosquitto/mosquitto.conf").read_text()
    for line in (
        "allow_anonymous false",
        "per_listener_settings false",
        f"listener {hall.mqtt_port} 127.0.0.1",
        f"listener {hall.mqtts_port} 127.0.0.1",
        "require_certificate false",
        "tls_version tlsv1.2",
        "use_username_as_clientid true",
        "set_tcp_nodelay true",
        "persistence false",
    ):
        assert line in conf


def test_server_certificate_names(hall):
    cert = x509.load_pem_x509_certificate((hall.out / "nodes/broker/mosquitto/server.crt").read_bytes())
    assert server_hosts(cert) == {"127.0.0.1", "localhost"}
    ca = x509.load_pem_x509_certificate((hall.out / "ca/ca.crt").read_bytes())
    cert.verify_directly_issued_by(ca)


def test_units_udev_and_kiosk_lockdown(hall):
    nodes = hall.out / "nodes"
    broker = (nodes / "broker" / "hall-broker.service").read_text()
    for line in (
        "Type=notify",
        "WatchdogSec=",
        "Restart=always",
        "EnvironmentFile=",
        "-m queue_broker run",
        "LoadCredential=id-hash.key:",
        "User=hall",
    ):
        assert line in broker
    voice = (nodes / "voice-1" / "hall-voice.service").read_text()
    assert "Restart=always" in voice and "-m voice run" in voice and "--node voice-1" in voice
    # the voice node pets the watchdog from its work loops (queue_broker/watchdog.py): a hung player restarts it
    assert "Type=notify" in voice and "WatchdogSec=30" in voice and "NotifyAccess=main" in voice
    kiosk = (nodes / "kiosk-1" / "hall-kiosk.service").read_text()
    for line in (
        "ExecStart=/usr/bin/cage -d -- ",
        "TTYPath=/dev/tty1",
        "User=hall-kiosk",
        "Restart=always",
        "Conflicts=getty@tty1.service",
        "PAMName=hall-session",
    ):
        assert line in kiosk
    # the screen pets the watchdog from its Kivy loop; it is cage's child, so any process of the unit may notify
    assert "Type=notify" in kiosk and "WatchdogSec=30" in kiosk and "NotifyAccess=all" in kiosk
    lockdown = (nodes / "kiosk-1" / "lockdown.sh").read_text()
    for piece in (
        "--shell /usr/sbin/nologin",
        "passwd --lock",
        "systemctl mask ctrl-alt-del.target",
        "getty@tty$n.service",
        "kernel.sysrq = 0",
        "usb_storage",
    ):
        assert piece in lockdown
    assert "NAutoVTs=0" in (nodes / "kiosk-1" / "logind-hall.conf").read_text()
    rules = (nodes / "kiosk-1" / "70-hall-devices.rules").read_text()
    assert 'GROUP="hall", MODE="0660"' in rules and "hall/tty-$env{ID_PATH_TAG}" in rules
    gateway_unit = (nodes / "gateway-1" / "hall-gateway.service").read_text()  # the gateway runs here now
    assert "-m gateway run --config" in gateway_unit and "--node gateway-1" in gateway_unit
    assert "EnvironmentFile=" in gateway_unit and "NoNewPrivileges=yes" in gateway_unit
    mosq = (nodes / "broker" / "hall-mosquitto.service").read_text()
    assert "ExecReload=/bin/kill -HUP $MAINPID" in mosq and "Restart=always" in mosq
    for script in nodes.rglob("*.sh"):
        subprocess.run(["sh", "-n", str(script)], check=True)
    for unit in nodes.rglob("*.service"):
        text = unit.read_text()
        assert "mqtt://" not in text and "mqtts://" not in text, unit


def test_udev_rules_for_devices_with_usb_ids(tmp_path):
    raw = yaml.safe_load(MINI_SITE.read_text())
    raw["nodes"][0]["devices"] = [
        {
            "id": "printer",
            "kind": "printer",
            "backend": "usb",
            "options": {"vendor_id": "0x0416", "product_id": "5011"},
        },
        {"id": "scanner", "kind": "scanner", "backend": "evdev", "options": {"vendor": 0x1EAB, "product": 0x1D06}},
        {"id": "idcard", "kind": "idcard", "backend": "simulator", "options": {}},
    ]
    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump(raw, allow_unicode=True))
    Provisioner(tmp_path / "out").init(site, Options(hosts=["hall.example"]))
    rules = (tmp_path / "out/nodes/kiosk-1/70-hall-devices.rules").read_text()
    assert (
        'ATTR{idVendor}=="0416", ATTR{idProduct}=="5011", GROUP="hall", MODE="0660", SYMLINK+="hall/printer"' in rules
    )
    assert 'ATTRS{idVendor}=="1eab", ATTRS{idProduct}=="1d06"' in rules and "LIBINPUT_IGNORE_DEVICE" in rules
    assert "hall/idcard" not in rules
    # installed paths, not the output folder, in what goes onto the boards
    env = read_node_env(tmp_path / "out/nodes/kiosk-1/node.env")
    assert env["HALL_CONFIG"] == "/etc/hall/site.yaml" and env["HALL_MQTT_URL"].endswith("@hall.example:8883")
    conf = (tmp_path / "out/nodes/broker/mosquitto/mosquitto.conf").read_text()
    assert "user mosquitto" in conf and "password_file /etc/hall/mosquitto/passwd" in conf
    assert "\nlistener 8883\n" in conf  # every interface


def test_production_refuses_demo_credentials(tmp_path, capsys):
    assert main(["init", str(MINI_SITE), "--out", str(tmp_path / "out"), "--production", "--host", "h"]) == 2
    err = capsys.readouterr().err
    assert "demo-only" in err and "operator demo" in err and "supervisor super" in err
    assert not (tmp_path / "out" / "nodes").exists()
    raw = yaml.safe_load(MINI_SITE.read_text())
    raw["operators"] = [o for o in raw["operators"] if not o.get("demo_only")]
    raw["supervisors"] = []
    (tmp_path / "real.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True))
    assert (
        main(["init", str(tmp_path / "real.yaml"), "--out", str(tmp_path / "out"), "--production", "--host", "h"]) == 0
    )


def test_a_second_init_keeps_every_credential(hall, tmp_path):
    out = tmp_path / "again"
    shutil.copytree(hall.out, out, ignore=shutil.ignore_patterns("run", "var"))
    before = {p.relative_to(out): p.read_bytes() for p in _files(out)}
    prov = Provisioner(out)
    prov.init(
        MINI_SITE,
        Options(
            hosts=["127.0.0.1"], mqtt_port=hall.mqtt_port, mqtts_port=hall.mqtts_port, bind="127.0.0.1", in_place=True
        ),
    )
    for name in (
        "ca/ca.crt",
        "ca/ca.key",
        "nodes/broker/mosquitto/server.key",
        "nodes/broker/mosquitto/passwd",
        "nodes/broker/id-hash.key",
    ):
        assert (out / name).read_bytes() == before[Path(name)], name
    for node in ("broker", "kiosk-1", "super-1"):  # node.env names the (copied) folder; the password is the same
        assert hall.password(node) in read_node_env(out / "nodes" / node / "node.env")["HALL_MQTT_URL"]
    assert (out / "nodes/super-1").exists()  # added with `node add`: kept by init
    # a new host name: a new server certificate from the same CA, and the same passwords
    prov.init(MINI_SITE, Options(hosts=["hall.example", "10.0.0.5"], in_place=True))
    cert = x509.load_pem_x509_certificate((out / "nodes/broker/mosquitto/server.crt").read_bytes())
    assert server_hosts(cert) == {"hall.example", "10.0.0.5", "localhost", "127.0.0.1"}
    assert (out / "ca/ca.key").read_bytes() == before[Path("ca/ca.key")]
    assert read_node_env(out / "nodes/kiosk-1/node.env")["HALL_MQTT_URL"].endswith("@hall.example:8883")
    assert hall.password("kiosk-1") in read_node_env(out / "nodes/kiosk-1/node.env")["HALL_MQTT_URL"]
    with pytest.raises(ProvisionError, match="was provisioned for hall 'mini'"):
        prov.init(Path(__file__).resolve().parents[2] / "examples" / "neixiang", Options(hosts=["x"]))


@pytest.mark.parametrize(
    "args, message",
    [
        (("bad/name", "kiosk", None), "may use only"),
        (("w9", "counter", None), "give --counter"),
        (("w9", "counter", "W99"), "has no counter 'W99'"),
        (("k9", "kiosk", "W1"), "only for role counter"),
        (("kiosk-1", "kiosk", None), "exists already"),
        (("kiosk-1", "display", None), "exists already"),
    ],
)
def test_node_add_refuses_mistakes(hall, args, message):
    with pytest.raises(ProvisionError, match=message):
        Provisioner(hall.out).add_node(*args)


def test_revoke_refuses_the_broker_and_unknown_nodes(hall):
    with pytest.raises(ProvisionError, match="cannot be revoked"):
        Provisioner(hall.out).revoke_node("broker")
    with pytest.raises(ProvisionError, match="no node 'ghost'"):
        Provisioner(hall.out).revoke_node("ghost")


def test_password_file_format_matches_mosquitto_passwd(tmp_path):
    mosquitto_passwd = shutil.which("mosquitto_passwd")
    if mosquitto_passwd is None:
        pytest.skip("mosquitto_passwd is not installed")
    path = tmp_path / "pw"
    path.touch()
    subprocess.run([mosquitto_passwd, "-b", str(path), "someone", "s3cret-Pw"], check=True)
    theirs = read_passwd(path)["someone"]
    assert theirs.startswith("$7$") and check_password("s3cret-Pw", theirs)
    assert not check_password("other", theirs)
    ours = hash_password("s3cret-Pw", salt=bytes(12))
    assert check_password("s3cret-Pw", ours) and ours.split("$")[3] == "AAAAAAAAAAAAAAAA"


def test_systemd_accepts_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    prov = Provisioner(tmp_path / "out")
    prov.init(MINI_SITE, Options(hosts=["hall.example"], python=sys.executable))
    prov.add_node("voice-1", "voice")
    nodes = tmp_path / "out" / "nodes"
    units = [
        nodes / "broker/hall-broker.service",
        nodes / "broker/hall-mosquitto.service",
        nodes / "voice-1/hall-voice.service",
    ]
    if shutil.which("cage"):  # graphical units run under cage, which a server need not have
        units += [nodes / "kiosk-1/hall-kiosk.service", nodes / "counter-W1/hall-counter.service"]
    for unit in units:
        result = subprocess.run(
            [analyze, "verify", "--man=no", unit.name], cwd=unit.parent, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0 and not result.stderr.strip(), f"{unit}: {result.stderr}"
