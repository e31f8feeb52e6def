"""`bridge`: a hall's Mosquitto forwards what its county needs to the county's broker (docs/county.md).

    python -m provisioning bridge HALL_DIR --county COUNTY_DIR [--county-host HOST] [--county-port PORT]
    python -m provisioning bridge HALL_DIR --county COUNTY_DIR --remove

HALL_DIR and COUNTY_DIR are two folders written by `init` (the township hall's and the county hall's).
Each hall keeps its own Mosquitto and queue broker: tickets, calls and voice never depend on the WAN.
The bridge only copies, out of the hall, `hall/{site}/state/#`, `event/#` and `node/#` at QoS 1; no
`cmd/` and no `reply/` topic ever leaves it (the only topics that carry ID numbers and names are
commands).

On the hall's side (HALL_DIR/nodes/<server>/mosquitto/):
    bridge/to-<county>.conf   (0600) the bridge: address, the county's CA, this hall's user and password on
                              the county's broker, the topics; mosquitto.conf includes the folder
                              (`include_dir`, its last line)
    bridge/<county>-ca.crt    the county's CA, to check the county broker's certificate
    install.sh installs both (and Mosquitto must restart: bridges are read only at start).

On the county's side (COUNTY_DIR): a user `bridge-<hall site>` in the password file and, in the ACL,
the additive role `bridge` of provisioning/roles.py: it may publish the carried halls' `state/#`,
`event/#` and `node/#` and read nothing. Its password exists in clear only in the hall's bridge file.
`update-access.sh` on the county server installs the new password file and ACL (a reload is enough).

A chain (township -> county -> city): run `bridge COUNTY_DIR --county CITY_DIR` after the townships'
bridges into the county; the county's bridge then carries its own site and every site bridged into it
(`--upstream` is a synonym of `--county` for this). Run it again when a township is added.

provision.json records the bridge on both sides (no secret), so `init` run again on either folder
keeps it; `Provisioner._generate` calls `user_hashes`, `acl_blocks`, `hall_side` and `patch_install`.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509

from .files import new_password, write_public, write_secret
from .passwd import check_password, hash_password, read_passwd, write_passwd
from .pki import server_hosts
from .roles import RIGHTS, ROLE_TITLES, expand

if TYPE_CHECKING:
    from .generate import Provisioner

BRIDGE_DIR = "bridge"  # under the hall server's mosquitto/ folder
ROLE = "bridge"
STATE_REFRESH_S = 10  # queue_broker.service.runner.STATE_REFRESH_S: retained state is re-sent this often
DEFAULT_RESTART = "5 60"
DEFAULT_KEEPALIVE = 30
DEFAULT_QUEUE_LIMIT = 50_000
DEFAULT_QUEUE_BYTES = 64 * 1024 * 1024


@dataclass
class BridgeOptions:
    host: str | None = None  # how the hall reaches the county's broker; default: the county's first --host
    port: int | None = None  # default: the county's TLS listener (--mqtts-port)
    restart_timeout: str = DEFAULT_RESTART  # "base cap" (seconds, jittered back-off) or one constant
    keepalive: int = DEFAULT_KEEPALIVE
    queue_limit: int = DEFAULT_QUEUE_LIMIT  # messages held while the link is down (max_queued_messages)
    queue_bytes: int = DEFAULT_QUEUE_BYTES  # and bytes (max_queued_bytes), whichever comes first
    rotate: bool = False  # a new password for the bridge user


def bridge_user(site: str) -> str:
    """The bridge's MQTT user name (and client id) on the county's broker."""
    return f"bridge-{site}"


def conf_name(county_site: str) -> str:
    return f"to-{county_site}.conf"


def ca_name(county_site: str) -> str:
    return f"{county_site}-ca.crt"


def bridged_topics(sites: list[str]) -> list[str]:
    """The topic filters the bridge sends out, which are exactly what the county's ACL lets it publish."""
    return [expand(t, site, "", None) for site in sites for t in RIGHTS[ROLE].publish]


def carried_sites(prov: Provisioner) -> list[str]:
    """This hall's own site, then every site bridged into it (what a county passes on to a city)."""
    sites = [prov.site_id]
    for entry in prov.state.get("bridges", {}).values():
        sites += [s for s in entry["sites"] if s not in sites]
    return sites


def _error(message: str) -> Exception:
    from .generate import ProvisionError

    return ProvisionError(message)


def _now() -> str:
    from .generate import _now as now

    return now()


def _stored_password(conf: Path) -> str | None:
    if not conf.exists():
        return None
    for line in conf.read_text().splitlines():
        if line.startswith("remote_password "):
            return line.split(None, 1)[1].strip()
    return None


# ---------------------------------------------------------------------------------------- the command
def link(hall_dir: str | Path, county_dir: str | Path, opts: BridgeOptions | None = None) -> list[str]:
    """Bridge the hall in `hall_dir` to the county in `county_dir`; returns notes for the IT staff."""
    from .generate import Provisioner

    opts = opts or BridgeOptions()
    hall, county = Provisioner(hall_dir).load(), Provisioner(county_dir).load()
    if hall.out == county.out or hall.site_id == county.site_id:
        raise _error(f"a hall cannot bridge to itself ({hall.site_id}): give the county's folder with --county")
    user = bridge_user(hall.site_id)
    if user in county.state["nodes"]:
        raise _error(f"the county hall {county.site_id} has a node named {user}, the name of this hall's bridge "
                     f"user there: rename that node (or the hall)")
    sites = carried_sites(hall)
    if county.site_id in sites:
        raise _error(f"hall {county.site_id} bridges into {hall.site_id} already: bridging back would be a loop")
    if not 1 <= opts.keepalive <= 65535 or opts.keepalive < 5:
        raise _error("--keepalive is 5 s or more (Mosquitto's minimum)")
    parts = opts.restart_timeout.split()
    if not 1 <= len(parts) <= 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise _error(f"--restart-timeout is one number of seconds or two (base and cap), not {opts.restart_timeout!r}")
    if opts.queue_limit < 0 or opts.queue_bytes < 0:
        raise _error("queue limits are 0 (no limit) or more")

    host = opts.host or county.state["hosts"][0]
    port = opts.port or county.state["mqtts_port"]
    if not 1 <= port <= 65535:
        raise _error(f"port {port} is not a TCP port")
    cert_path = county.mosquitto_dir / "server.crt"
    names = server_hosts(x509.load_pem_x509_certificate(cert_path.read_bytes()))
    if host not in names:
        raise _error(f"the county's server certificate names {', '.join(sorted(names))}, not {host}: the bridge "
                     f"checks the name. Give one of those with --county-host, or run init on the county folder "
                     f"again with --host {host} (it keeps the CA and every password) and install it there")

    notes: list[str] = []
    old = hall.state.get("upstream")
    bridge_dir = hall.mosquitto_dir / BRIDGE_DIR
    password = None
    if old and old["county_site"] == county.site_id and not opts.rotate:
        password = _stored_password(bridge_dir / conf_name(county.site_id))
    if old and old["county_site"] != county.site_id:
        notes.append(f"this hall bridged to {old['county_site']} until now: that bridge is replaced. Remove its "
                     f"user there: `python -m provisioning bridge {hall.out} --county <that county's folder> --remove`")
        shutil.rmtree(bridge_dir, ignore_errors=True)
    password = password or new_password()

    # the county's side: the user, its hash, its ACL block
    county.state.setdefault("bridges", {})[user] = {"site": hall.site_id, "sites": sites, "added": _now()}
    passwd_path = county.mosquitto_dir / "passwd"
    hashes = read_passwd(passwd_path)
    if not (user in hashes and check_password(password, hashes[user])):
        hashes[user] = hash_password(password)
        write_passwd(passwd_path, hashes)
    county_notes = county._generate()
    county._save()
    notes += [f"county {county.site_id}: {n}" for n in county_notes]

    # the hall's side: the bridge file and the county's CA
    hall.state["upstream"] = {
        "county_site": county.site_id, "county_name": county.state.get("site_name", county.site_id),
        "county_dir": str(county.out), "host": host, "port": port, "user": user, "sites": sites,
        "restart_timeout": " ".join(parts), "keepalive": opts.keepalive, "queue_limit": opts.queue_limit,
        "queue_bytes": opts.queue_bytes, "linked_at": _now(),
    }
    write_public(bridge_dir / ca_name(county.site_id), (county.out / "ca" / "ca.crt").read_bytes())
    write_bridge_conf(hall, password)
    notes += hall._generate()
    hall._save()
    notes += [
        f"hall {hall.site_id} bridges to {county.site_id} at {host}:{port} as {user}, carrying "
        f"{', '.join(sites)}: state/#, event/#, node/# out, nothing in",
        f"county server: copy {county.node_dir(county.server)} there and run `sudo sh update-access.sh` "
        f"(a reload: the new user and ACL apply at once)",
        f"hall server: copy {hall.node_dir(hall.server)} there and run `sudo sh install.sh` (it restarts "
        f"Mosquitto, which reads bridges only at start: do it outside opening hours)",
    ]
    if hall.state.get("bridges"):
        notes.append(f"halls bridged into {hall.site_id} are carried on; after bridging another one into it, "
                     f"run this command again")
    return notes


def unlink(hall_dir: str | Path, county_dir: str | Path) -> list[str]:
    """Remove the hall's bridge to the county on both sides."""
    from .generate import Provisioner

    hall, county = Provisioner(hall_dir).load(), Provisioner(county_dir).load()
    user = bridge_user(hall.site_id)
    notes = []
    if county.state.get("bridges", {}).pop(user, None) is not None:
        hashes = read_passwd(county.mosquitto_dir / "passwd")
        hashes.pop(user, None)
        write_passwd(county.mosquitto_dir / "passwd", hashes)
        county._generate()
        county._save()
        notes.append(f"county {county.site_id}: user {user} removed from the password file and the ACL "
                     f"(run update-access.sh on the county server: the bridge is disconnected at the reload)")
    up = hall.state.get("upstream")
    if up and up["county_site"] == county.site_id:
        del hall.state["upstream"]
        shutil.rmtree(hall.mosquitto_dir / BRIDGE_DIR, ignore_errors=True)
        hall._generate()
        hall._save()
        notes.append(f"hall {hall.site_id}: the bridge is gone from its Mosquitto configuration (run install.sh "
                     f"on the hall server: Mosquitto restarts)")
    if not notes:
        raise _error(f"hall {hall.site_id} has no bridge to {county.site_id}")
    return notes


def write_bridge_conf(hall: Provisioner, password: str) -> Path:
    up = hall.state["upstream"]
    path = hall.mosquitto_dir / BRIDGE_DIR / conf_name(up["county_site"])
    from .generate import render

    text = render("bridge.conf.j2", site=hall.site_id, county_site=up["county_site"],
                  county_name=up["county_name"], connection=f"{hall.site_id}-to-{up['county_site']}",
                  host=up["host"], port=up["port"], user=up["user"], password=password,
                  local_clientid=f"local.{up['user']}", keepalive=up["keepalive"],
                  restart_timeout=up["restart_timeout"], queue_limit=up["queue_limit"],
                  queue_bytes=up["queue_bytes"], state_refresh_s=STATE_REFRESH_S,
                  conf_dir=hall._conf_dir(), ca_name=ca_name(up["county_site"]),
                  sites=up["sites"], topics=bridged_topics(up["sites"]))
    return write_secret(path, text)


# ---------------------------------------------------------------------------------------- hooks of _generate
def user_hashes(prov: Provisioner, old_hashes: dict[str, str], notes: list[str]) -> dict[str, str]:
    """The county's side: the bridge users' hashes are kept (their passwords live in the halls' files)."""
    kept = {}
    for user in prov.state.get("bridges", {}):
        if user in old_hashes:
            kept[user] = old_hashes[user]
        else:
            notes.append(f"bridge user {user} has no password here: run `bridge` for that hall again")
    return kept


def acl_blocks(prov: Provisioner) -> str:
    bridges = prov.state.get("bridges", {})
    if not bridges:
        return ""
    site = prov.site_id
    out = ["", "# Bridges of other halls into this one (python -m provisioning bridge, role `bridge`): each may",
           "# publish the state, events and node status of the halls it carries, and read nothing."]
    for user, entry in sorted(bridges.items()):
        out += ["", f"# {user}: {ROLE_TITLES[ROLE]} (hall {entry['site']}, carries {', '.join(entry['sites'])})",
                f"user {user}", f"topic deny hall/{site}/reply/#"]
        out += [f"topic write {t}" for t in bridged_topics(entry["sites"])]
    return "\n".join(out) + "\n"


def hall_side(prov: Provisioner, notes: list[str]) -> str:
    """The hall's side: (re)write the bridge file with the stored password; the line that includes it."""
    up = prov.state.get("upstream")
    if not up:
        return ""
    conf = prov.mosquitto_dir / BRIDGE_DIR / conf_name(up["county_site"])
    password = _stored_password(conf)
    if password is None:
        notes.append(f"the bridge to {up['county_site']} has no file {conf} (copied away?): Mosquitto is "
                     f"configured without it; run `bridge` again to make it")
        return ""
    write_bridge_conf(prov, password)
    return (f"\n# --- the bridge to {up['county_site']} (python -m provisioning bridge; docs/county.md)\n"
            f"include_dir {prov._conf_dir()}/{BRIDGE_DIR}\n")


INSTALL_ANCHOR = "install -m 0600 -o mosquitto -g mosquitto mosquitto/passwd mosquitto/server.key"


def patch_install(prov: Provisioner) -> None:
    """Add the bridge's files to the hall server's install.sh (when it has a bridge)."""
    up = prov.state.get("upstream")
    script = prov.node_dir(prov.server) / "install.sh"
    if not up or not script.exists() or not (prov.mosquitto_dir / BRIDGE_DIR / conf_name(up["county_site"])).exists():
        return
    text = script.read_text()
    lines = text.splitlines(keepends=True)
    at = next((i for i, line in enumerate(lines) if line.startswith(INSTALL_ANCHOR)), None)
    if at is None:
        raise RuntimeError(f"install.sh has no line starting {INSTALL_ANCHOR!r}: update provisioning/bridge.py")
    conf = prov._conf_dir()
    lines[at + 1:at + 1] = [
        f"# the bridge to {up['county_site']} (python -m provisioning bridge): its file holds a password\n",
        f"install -d -m 0750 -o root -g mosquitto {conf}/{BRIDGE_DIR}\n",
        f"rm -f {conf}/{BRIDGE_DIR}/*.conf\n",
        f"install -m 0600 -o mosquitto -g mosquitto mosquitto/{BRIDGE_DIR}/*.conf {conf}/{BRIDGE_DIR}/\n",
        f"install -m 0640 -o root -g mosquitto mosquitto/{BRIDGE_DIR}/*.crt {conf}/{BRIDGE_DIR}/\n",
    ]
    write_public(script, "".join(lines), executable=True)
