"""`python -m provisioning certs` (issue 19 item 6): warns 30 days before a certificate ends, renews the
server's from the hall's CA, and the boards keep connecting over TLS with the renewed one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from cryptography import x509

from provisioning.certs import run, survey
from provisioning.generate import Options, Provisioner
from provisioning.mosquitto import free_port

from .conftest import MINI_SITE, ROOT, node_client, start_mosquitto
from .conftest import TestHall as ProvisionedHall


def certs(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "provisioning", "certs", *args], capture_output=True, text=True, cwd=ROOT, timeout=60
    )


def fresh(tmp_path: Path, in_place: bool = False, ports: tuple[int, int] = (1883, 8883)) -> Path:
    out = tmp_path / "hall"
    Provisioner(out).init(
        MINI_SITE,
        Options(
            hosts=["127.0.0.1", "hall.lan"],
            mqtt_port=ports[0],
            mqtts_port=ports[1],
            bind="127.0.0.1",
            in_place=in_place,
        ),
    )
    return out


def server_cert(out: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate((out / "nodes/broker/mosquitto/server.crt").read_bytes())


def test_a_new_hall_is_ok_and_says_so(tmp_path):
    out = fresh(tmp_path)
    result = certs("--dir", str(out))
    assert result.returncode == 0, result.stderr
    assert (
        "hall CA" in result.stdout and "MQTT server" in result.stdout and "every certificate is good" in result.stdout
    )


def test_thirty_days_ahead_it_warns_and_renew_issues_a_new_one(tmp_path):
    out = fresh(tmp_path)
    old = server_cert(out)
    end = old.not_valid_after_utc
    assert run(out, now=end - timedelta(days=31))[0] == 0
    status, lines = run(out, now=end - timedelta(days=29))
    assert status == 1 and any("MQTT server" in line and "expires soon" in line for line in lines)
    assert any("--renew" in line for line in lines)
    assert run(out, now=end + timedelta(days=1))[1][2].endswith("EXPIRED")

    when = end - timedelta(days=10)
    status, lines = run(out, renew=True, now=when)
    assert status == 0, lines
    assert any(line.startswith("renewed the MQTT server certificate") for line in lines)
    new = server_cert(out)
    assert new.serial_number != old.serial_number and new.not_valid_after_utc > end
    ca = x509.load_pem_x509_certificate((out / "ca/ca.crt").read_bytes())
    new.verify_directly_issued_by(ca)
    names = new.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "hall.lan" in names.get_values_for_type(x509.DNSName)
    mq = out / "nodes/broker/mosquitto"
    assert (mq / "server.crt.old").read_bytes() == old.public_bytes(
        __import__("cryptography").hazmat.primitives.serialization.Encoding.PEM
    )
    assert (
        os.stat(mq / "server.key").st_mode & 0o777 == 0o600 and os.stat(mq / "server.key.old").st_mode & 0o777 == 0o600
    )
    assert {c.name: c.state(30) for c in survey(out, when)} == {"hall CA": "ok", "MQTT server": "ok"}


def test_renew_without_the_ca_key_changes_nothing(tmp_path):
    out = fresh(tmp_path)
    shutil.move(out / "ca" / "ca.key", tmp_path / "offline.key")
    before = (out / "nodes/broker/mosquitto/server.crt").read_bytes()
    result = certs("--dir", str(out), "--renew", "--warn-days", "900")  # due, but no CA key here
    assert result.returncode == 2 and result.stderr.startswith("provisioning certs: the CA key is not in")
    assert len(result.stderr.strip().splitlines()) == 1
    assert (out / "nodes/broker/mosquitto/server.crt").read_bytes() == before
    assert not (out / "nodes/broker/mosquitto/server.crt.old").exists()


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    for args in (["--dir", str(tmp_path)], ["--dir", str(fresh(tmp_path)), "--warn-days", "-1"]):
        result = certs(*args)
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert certs("--dir", str(tmp_path), "--warn-days", "soon").returncode == 2  # argparse's own line


def test_boards_still_connect_after_a_renewal(tmp_path):
    p1, p2 = free_port(), free_port()
    out = fresh(tmp_path, in_place=True, ports=(p1, p2))
    old = server_cert(out)
    _, lines = run(out, warn_days=900, renew=True)  # due within 900 days: renewed now, by the real clock
    assert any(line.startswith("renewed the MQTT server certificate") for line in lines)
    assert server_cert(out).serial_number != old.serial_number
    prov = Provisioner(out).load()
    broker = start_mosquitto(prov, out / "run", p1, p2)
    try:
        client = node_client(ProvisionedHall(out, prov, broker, p1, p2), "kiosk-1")  # TLS, trusting only the hall CA
        client.stop()
    finally:
        broker.cleanup()
