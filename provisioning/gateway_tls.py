"""The gateway's HTTPS (docs/gateway.md, "Deploying"): its own certificate from the hall's CA.

A `gateway` node's bundle gets `gateway.crt` and `gateway.key` (0600), issued by the hall's CA like the MQTT
server's (pki.py: ECDSA P-256, 825 days, server auth) for the host of the site's `gateway.public_url`, the
hall server's names (--host) and loopback: the gateway runs on the hall server. Its node.env makes it serve
HTTPS on 0.0.0.0:8443; the key reaches the process as a systemd credential (LoadCredential, as the ID-hash
key does), or from the bundle when the hall runs in place. A reverse proxy of the hall server (TLS with a
publicly trusted certificate on 443) forwards to https://127.0.0.1:8443 trusting `ca.crt`; phones inside the
hall network reach 8443 directly once the hall's CA is installed on them. A second `init` keeps a
certificate that still fits (same CA and hosts, more than 30 days left) and issues a new one otherwise.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from . import pki

LISTEN = "0.0.0.0:8443"
CERT, KEY = "gateway.crt", "gateway.key"


def hosts(public_url: str | None, hall_hosts: list[str]) -> list[str]:
    """The names the certificate holds: the public URL's host first (its subject), then the hall server's."""
    public = urlsplit(public_url).hostname if public_url else None
    return list(dict.fromkeys([*([public] if public else []), *hall_hosts]))


def issue(ca: pki.Authority, site_id: str, public_url: str | None, hall_hosts: list[str], bundle: Path) -> bool:
    """Write (or keep) the gateway's certificate and key in its bundle; True when a new one was issued."""
    return pki.issue_server_cert(ca, site_id, hosts(public_url, hall_hosts), bundle / CERT, bundle / KEY)


def node_env_lines(etc: str, in_place: bool) -> list[str]:
    lines = [f"HALL_GATEWAY_LISTEN={LISTEN}", f"HALL_GATEWAY_TLS_CERT={etc}/{CERT}"]
    if in_place:  # installed, the unit hands the key over as a credential (node.service.j2)
        lines.append(f"HALL_GATEWAY_TLS_KEY={etc}/{KEY}")
    return lines
