"""The hall's private certificate authority and the MQTT server's certificate (the cryptography library).

One CA per hall, made once and kept by the IT staff (its key never goes into a node's bundle). The
server certificate names every host a node may use to reach the hall server (--host, which may be a
name or an address) and, always, localhost and 127.0.0.1. Keys are ECDSA P-256: small, fast, and
understood by every TLS 1.2/1.3 stack on the boards.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .files import write_public, write_secret

CA_DAYS = 3650
SERVER_DAYS = 825  # what browsers and most TLS stacks still accept for a leaf
LOOPBACK_NAMES = ("localhost", "127.0.0.1")


@dataclass
class Authority:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _name(common_name: str, site_id: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"hall {site_id}"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(
    subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePrivateKey, now: datetime, days: int, *, ca: bool
) -> x509.CertificateBuilder:
    """What the CA's and the server's certificates share: names, key, validity (from five minutes ago, for
    clocks a little behind) and the key's use: signing certificates (the CA) or a TLS server's ECDHE."""
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=not ca,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )


def make_ca(site_id: str, now: datetime | None = None) -> Authority:
    now = now or datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(f"hall {site_id} private CA", site_id)
    cert = (
        _builder(name, name, key, now, CA_DAYS, ca=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Authority(cert, key)


def load_or_make_ca(ca_dir: Path, site_id: str) -> tuple[Authority, bool]:
    """The CA in `ca_dir` (ca.crt, ca.key), made and saved there when absent. Returns (ca, made_now)."""
    cert_path, key_path = ca_dir / "ca.crt", ca_dir / "ca.key"
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{key_path} is not an EC key made by this tool")
        return Authority(cert, key), False
    ca = make_ca(site_id)
    write_secret(key_path, _key_pem(ca.key))
    write_public(cert_path, ca.cert_pem)
    return ca, True


def _san(hosts: list[str]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for host in dict.fromkeys([*hosts, *LOOPBACK_NAMES]):
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            entries.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(entries)


def server_hosts(cert: x509.Certificate) -> set[str]:
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(v) for v in san.get_values_for_type(x509.IPAddress)} | set(san.get_values_for_type(x509.DNSName))


def issue_server_cert(
    ca: Authority,
    site_id: str,
    hosts: list[str],
    cert_path: Path,
    key_path: Path,
    now: datetime | None = None,
    force: bool = False,
) -> bool:
    """Write the MQTT server's key and certificate unless the present ones still fit (same CA, the same
    hosts, more than 30 days left) and `force` is not set (`certs --renew`). Returns True when a new
    certificate was issued."""
    now = now or datetime.now(UTC)
    wanted = set(dict.fromkeys([*hosts, *LOOPBACK_NAMES]))
    if cert_path.exists() and key_path.exists() and not force:
        old = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if (
            old.issuer == ca.cert.subject
            and server_hosts(old) == wanted
            and old.not_valid_after_utc - now > timedelta(days=30)
        ):
            try:
                old.verify_directly_issued_by(ca.cert)
                return False
            except Exception:  # InvalidSignature: signed by another CA of the same name
                pass
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        _builder(_name(hosts[0], site_id), ca.cert.subject, key, now, SERVER_DAYS, ca=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(_san(hosts), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    write_secret(key_path, _key_pem(key))
    write_public(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return True
