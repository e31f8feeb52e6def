"""The gateway's HTTPS from provisioning (provisioning/gateway_tls.py, docs/gateway.md "Deploying"): its own
certificate from the hall's CA in its bundle, node.env and the unit pointing at it, and the real
`python -m gateway run` with that bundle answering over TLS that a client trusting only the hall's CA accepts."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys

import httpx
import pytest
import yaml
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from provisioning.generate import Options, Provisioner, read_node_env
from provisioning.pki import server_hosts
from tests.gateway.process import gateway_process
from tests.waiting import wait_for

from .conftest import MINI_SITE, ROOT


def _cert(path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_an_installed_gateway_gets_a_certificate_for_its_public_host_and_the_key_as_a_credential(tmp_path):
    site = yaml.safe_load(MINI_SITE.read_text(encoding="utf-8"))
    site["gateway"] = {"public_url": "https://zwfw.example.gov.cn/hall"}
    site["nodes"].append({"id": "gateway-1", "role": "gateway"})
    site_path = tmp_path / "site.yaml"
    site_path.write_text(yaml.safe_dump(site, allow_unicode=True), encoding="utf-8")
    prov = Provisioner(tmp_path / "out")
    report = prov.init(site_path, Options(hosts=["hall.example"], python=sys.executable))
    bundle = tmp_path / "out" / "nodes" / "gateway-1"
    assert any("gateway-1: new HTTPS certificate" in n for n in report.notes)

    cert = _cert(bundle / "gateway.crt")
    cert.verify_directly_issued_by(_cert(tmp_path / "out" / "ca" / "ca.crt"))
    assert server_hosts(cert) == {"zwfw.example.gov.cn", "hall.example", "localhost", "127.0.0.1"}
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in eku
    assert (bundle / "gateway.key").stat().st_mode & 0o777 == 0o600
    assert b"PRIVATE KEY" not in (bundle / "gateway.crt").read_bytes()

    env = read_node_env(bundle / "node.env")
    assert env["HALL_GATEWAY_LISTEN"] == "0.0.0.0:8443"
    assert env["HALL_GATEWAY_TLS_CERT"] == "/etc/hall/gateway.crt" and "HALL_GATEWAY_TLS_KEY" not in env
    unit = (bundle / "hall-gateway.service").read_text()
    assert "LoadCredential=gateway.key:/etc/hall/gateway.key" in unit
    assert "Environment=HALL_GATEWAY_TLS_KEY=%d/gateway.key" in unit
    install = (bundle / "install.sh").read_text()
    assert "install -m 0600 -o root -g root gateway.key /etc/hall/gateway.key" in install
    subprocess.run(["sh", "-n", str(bundle / "install.sh")], check=True)
    # no other node gets one
    assert not list((tmp_path / "out" / "nodes").glob("[!g]*/gateway.crt"))

    # a second init keeps the certificate that still fits
    before = (bundle / "gateway.crt").read_bytes()
    Provisioner(tmp_path / "out").load().regenerate()
    assert (bundle / "gateway.crt").read_bytes() == before


def test_the_gateway_process_serves_https_that_the_hall_ca_vouches_for(hall, tmp_path):
    bundle = hall.out / "nodes" / "gateway-1"
    env = read_node_env(bundle / "node.env")
    assert env["HALL_GATEWAY_TLS_KEY"] == f"{bundle}/gateway.key"  # in place: the bundle's own key
    args = ("--config", str(bundle / "site.yaml"), "--node", "gateway-1")
    with gateway_process(*args, env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, cwd=tmp_path) as gateway:
        port, proc = gateway.port, gateway.proc
        url = f"https://127.0.0.1:{port}/api/v1/hall"
        trusted = ssl.create_default_context(cafile=str(hall.out / "ca" / "ca.crt"))

        def answered() -> int | None:
            assert proc.poll() is None, proc.stdout.read()  # it exited instead
            try:
                return httpx.get(url, verify=trusted, timeout=2).status_code
            except httpx.ConnectError:
                return None

        status = wait_for(answered, 30, "the gateway over HTTPS", step=0.1)
        # no queue broker runs here: the gateway says so (503), over a TLS session the hall's CA vouched for
        assert status == 503, status
        served = ssl.get_server_certificate(("127.0.0.1", port)).encode()
        assert x509.load_pem_x509_certificate(served) == _cert(bundle / "gateway.crt")
        with pytest.raises(httpx.ConnectError):  # a client that does not trust the hall's CA refuses it
            httpx.get(url, timeout=2)
        with pytest.raises(httpx.HTTPError):  # and there is no plain HTTP on that port
            httpx.get(f"http://127.0.0.1:{port}/api/v1/hall", timeout=2)
    assert "serving hall mini on https://" in gateway.log and "Traceback" not in gateway.log
