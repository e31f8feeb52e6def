"""Who gets in at all: TLS only on the LAN listener, the hall's own CA, a right password, a node that
was not revoked; and no node can push another off by using its client id."""

from __future__ import annotations

import time

import pytest

from provisioning.__main__ import main
from provisioning.generate import ProvisionError
from provisioning.pki import make_ca

from .conftest import node_client, try_connect


def test_plain_tcp_is_refused_on_the_tls_listener(hall):
    result = try_connect(hall.mqtts_port, "kiosk-1", hall.password("kiosk-1"), ca_file=None)
    assert result.startswith("no CONNACK"), result
    assert "SSL routines" in hall.mosquitto.log_path.read_text()  # Mosquitto saw a non-TLS hello


def test_the_hall_ca_is_required(hall, tmp_path):
    stranger = make_ca("someone-else")
    (tmp_path / "other-ca.crt").write_bytes(stranger.cert_pem)
    result = try_connect(hall.mqtts_port, "kiosk-1", hall.password("kiosk-1"), ca_file=str(tmp_path / "other-ca.crt"))
    assert result.startswith("no CONNACK") and "CERTIFICATE_VERIFY_FAILED" in result, result
    assert try_connect(hall.mqtts_port, "kiosk-1", hall.password("kiosk-1"), ca_file=hall.ca_file) == "accepted"


@pytest.mark.parametrize(
    "user, password",
    [
        (None, None),  # anonymous
        ("kiosk-1", "not-the-password"),
        ("kiosk-1", ""),
        ("nobody", "whatever"),
        ("kiosk-2", "use-kiosk-1s"),  # replaced below by kiosk-1's real password: a password is per node
    ],
)
def test_wrong_credentials_are_refused(hall, user, password):
    if password == "use-kiosk-1s":
        password = hall.password("kiosk-1")
    result = try_connect(hall.mqtts_port, user, password, ca_file=hall.ca_file)
    assert result in ("Not authorized", "Bad user name or password"), result


def test_a_client_id_cannot_push_another_node_off(hall):
    display = node_client(hall, "display-1")
    try:
        intruder = node_client(hall, "kiosk-1", client_id="display-1")  # Mosquitto uses the user name instead
        time.sleep(0.3)
        assert display.connected.is_set() and not display.disconnected.is_set()
        intruder.stop()
    finally:
        display.stop()


def test_revoked_node_is_refused_and_disconnected(hall_copy, capsys):
    h = hall_copy
    password = h.password("kiosk-9")
    connected = node_client(h, "kiosk-9")
    assert connected.publish("hall/mini/cmd/ticket/status", b"{}") < 128
    (h.out / "run" / "mosquitto.pid").write_text(f"{h.mosquitto.proc.pid}\n")
    assert main(["node", "revoke", "kiosk-9", "--dir", str(h.out), "--reload"]) == 0
    out = capsys.readouterr().out
    assert "revoked" in out and "SIGHUP" in out
    assert not (h.out / "nodes" / "kiosk-9").exists()
    assert "kiosk-9" not in (h.out / "nodes" / "broker" / "mosquitto" / "passwd").read_text()
    assert "user kiosk-9" not in (h.out / "nodes" / "broker" / "mosquitto" / "acl").read_text()
    # Mosquitto drops a connected client whose password is gone when it re-reads the file
    assert connected.disconnected.wait(5), "the revoked node stayed connected after the reload"
    connected.stop()
    assert try_connect(h.mqtts_port, "kiosk-9", password, ca_file=h.ca_file) in (
        "Not authorized",
        "Bad user name or password",
    )
    assert try_connect(h.mqtts_port, "kiosk-1", h.password("kiosk-1"), ca_file=h.ca_file) == "accepted"
    # admitted again: a new password, which works after the next reload; the old one does not
    assert main(["node", "add", "kiosk-9", "--role", "kiosk", "--dir", str(h.out), "--reload"]) == 0
    new = h.password("kiosk-9")
    assert new != password
    deadline = time.monotonic() + 5
    while try_connect(h.mqtts_port, "kiosk-9", new, ca_file=h.ca_file) != "accepted":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert try_connect(h.mqtts_port, "kiosk-9", password, ca_file=h.ca_file) != "accepted"


def test_rotate_gives_a_new_password(hall_copy):
    h = hall_copy
    old = h.password("counter-W2")
    with pytest.raises(ProvisionError, match="exists already"):
        h.prov.add_node("counter-W2", "counter", "W2")
    h.prov.add_node("counter-W2", "counter", rotate=True)  # keeps its counter
    assert h.env("counter-W2")["HALL_COUNTER_ID"] == "W2"
    h.mosquitto.reload()
    new = h.password("counter-W2")
    assert new != old
    deadline = time.monotonic() + 5
    while try_connect(h.mqtts_port, "counter-W2", old, ca_file=h.ca_file) == "accepted":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert try_connect(h.mqtts_port, "counter-W2", new, ca_file=h.ca_file) == "accepted"
