"""`python -m provisioning certs --dir DIR [--warn-days 30] [--renew]`: the hall's certificates and when
they end, before a board finds out by failing its TLS handshake.

Checked, in a folder written by `init`: the hall's CA (`ca/ca.crt`, 10 years), the MQTT server's
certificate (`nodes/<server>/mosquitto/server.crt`, 825 days) and, when the hall is linked to a county,
the county's CA its link trusts (`nodes/<server>/county-link/<county>-ca.crt`). Each is `ok`, `expires
soon` (within --warn-days, 30 by default) or `EXPIRED`. Exit status 0 when every one is ok, 1 when one
needs attention (so a daily timer or cron job can mail it), 2 when the input is wrong.

`--renew` issues a new server certificate from the hall's CA for the same host names when the present
one is within the window (or already ended): new key, new certificate, each written 0600/0644 under a
temporary name and renamed into place, the old pair kept beside them as `.old` until the next renewal.
Nothing changes when the CA key is not in DIR (it is kept offline: run it where it is). The CA itself is
not renewed here: a new CA means every board gets its bundle again (docs/security.md); the command
says so. The county's CA is the county's: it only warns.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509

from . import pki
from .core import Hall, HallState, ProvisionError

WARN_DAYS = 30


class CertsError(ValueError):
    """Bad input: the message says what to change."""


@dataclass
class CertState:
    name: str
    path: Path
    subject: str
    not_after: datetime
    days_left: float
    renewable: bool  # this command can renew it (the server certificate)

    def state(self, warn_days: int) -> str:
        if self.days_left <= 0:
            return "EXPIRED"
        return "expires soon" if self.days_left <= warn_days else "ok"


def _provision(folder: Path) -> HallState:
    try:
        return Hall(folder).load().state
    except (ProvisionError, OSError) as exc:
        raise CertsError(str(exc)) from None


def _server_dir(folder: Path, state: HallState) -> Path:
    return folder / "nodes" / state.server_node / "mosquitto"


def _read(name: str, path: Path, now: datetime, renewable: bool) -> CertState:
    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise CertsError(f"{path} is not a PEM certificate: {exc}") from None
    end = cert.not_valid_after_utc
    return CertState(name, path, cert.subject.rfc4514_string(), end, (end - now).total_seconds() / 86400, renewable)


def survey(folder: Path, now: datetime | None = None) -> list[CertState]:
    """Every certificate of the hall in `folder`, with its end."""
    now = now or datetime.now(UTC)
    state = _provision(folder)
    found = [_read("hall CA", folder / "ca" / "ca.crt", now, False)]
    server = _server_dir(folder, state) / "server.crt"
    if server.exists():
        found.append(_read("MQTT server", server, now, True))
    link = folder / "nodes" / state.server_node / "county-link"
    for ca in sorted(link.glob("*-ca.crt")) if link.is_dir() else []:
        found.append(_read(f"county CA ({ca.name.removesuffix('-ca.crt')})", ca, now, False))
    return found


def renew_server(folder: Path, now: datetime | None = None) -> Path:
    """A new server certificate and key from the hall's CA, for the hosts `init` was given."""
    state = _provision(folder)
    ca_dir = folder / "ca"
    if not (ca_dir / "ca.key").exists():
        raise CertsError(f"the CA key is not in {ca_dir} (kept offline?): run --renew where ca/ca.key is")
    ca, _ = pki.load_or_make_ca(ca_dir, state.site_id)
    mq = _server_dir(folder, state)
    cert, key = mq / "server.crt", mq / "server.key"
    for path in (cert, key):  # the old pair stays beside, until the next renewal replaces it
        if path.exists():
            old = path.with_name(path.name + ".old")
            old.write_bytes(path.read_bytes())
            os.chmod(old, 0o600 if path == key else 0o644)
    pki.issue_server_cert(ca, state.site_id, list(state.hosts), cert, key, now=now, force=True)
    return cert


def run(
    folder: Path, warn_days: int = WARN_DAYS, renew: bool = False, now: datetime | None = None
) -> tuple[int, list[str]]:
    """(exit status, lines to print)."""
    if warn_days < 0:
        raise CertsError("--warn-days must be 0 or more")
    now = now or datetime.now(UTC)
    certs = survey(folder, now)
    lines = [f"{'certificate':<22}{'expires (UTC)':<18}{'days left':>10}  state"]
    renewed = []
    for c in certs:
        state = c.state(warn_days)
        if renew and c.renewable and state != "ok":
            renew_server(folder, now)
            renewed.append(c.name)
            c = next(x for x in survey(folder, now) if x.name == c.name)
            state = c.state(warn_days)
        lines.append(f"{c.name:<22}{c.not_after:%Y-%m-%d %H:%M}  {c.days_left:>9.0f}  {state}")
    attention = [c for c in survey(folder, now) if c.state(warn_days) != "ok"]
    for name in renewed:
        lines.append(
            f"renewed the {name} certificate from the hall's CA: copy {_server_dir(folder, _provision(folder))}/"
            "server.crt and server.key to the hall server (/etc/hall/mosquitto/, owner mosquitto) and run "
            "`systemctl restart hall-mosquitto`; the boards keep working (they trust the CA, not the certificate)"
        )
    for c in attention:
        if c.renewable:
            lines.append(f"the {c.name} certificate ends in {c.days_left:.0f} days: run again with --renew")
        elif c.name == "hall CA":
            lines.append(
                "the hall's CA ends soon: make a new one (move ca/ away, run init again) and install every "
                "bundle again; boards that trust only the old CA cannot reach the server after it ends"
            )
        else:
            lines.append(
                f"the {c.name} ends in {c.days_left:.0f} days: ask the county for its new CA, then run bridge again"
            )
    if not renew and not attention:
        lines.append(f"every certificate is good for more than {warn_days} days")
    return (1 if attention else 0), lines
