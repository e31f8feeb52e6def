"""`bridge`: a hall sends what its county needs to the county's broker (docs/county.md).

    python -m provisioning bridge HALL_DIR --county COUNTY_DIR [--county-host HOST] [--county-port PORT]
    python -m provisioning bridge HALL_DIR --county COUNTY_DIR --remove

HALL_DIR and COUNTY_DIR are two folders written by `init` (the township hall's and the county hall's).
Each hall keeps its own Mosquitto and queue broker: tickets, calls and voice never depend on the WAN.
Only `hall/{site}/state/#`, `event/#` and `node/#` go out, at QoS 1; no `cmd/` and no `reply/` topic
ever leaves the hall (the only topics that carry ID numbers and names are commands).

The bridge does not run inside the hall's Mosquitto but in a Mosquitto of its own, the *county link*,
on the hall server, and TLS to the county is stunnel's, not Mosquitto's: Mosquitto 2.0.11 spins at 100%
CPU for good when the far end of a TLS bridge closes during the handshake (reproduced in
docs/county.md: a WAN cut or a county restart behind a load balancer does it), and inside the hall's
broker that would stop every kiosk and counter. The link takes the topics from the hall's Mosquitto (a
bridge `in` over its loopback listener, as the user `county-link`, which may only read them) and sends
them to the county (a bridge `out` in plain MQTT to stunnel on the loopback, which carries it over TLS
with the county's CA, as the hall's own user there). Its wrapper script restarts it all when its
Mosquitto stops answering or either process ends.

On the hall's side (HALL_DIR/nodes/<server>/):
    county-link/county-link.conf     (0600) the link's Mosquitto: both bridges and both passwords
    county-link/county-link.stunnel  stunnel: TLS to the county, checks the county's certificate
    county-link/<county>-ca.crt      the county's CA
    county-link/county-link.sh       runs both, probes Mosquitto, restarts (see the script)
    county-link/hall-county-link.service   its systemd unit; install.sh installs and starts it all
    mosquitto/passwd, acl            the user `county-link` (role `link`: reads state, events, node status)

On the county's side (COUNTY_DIR): a user `bridge-<hall site>` in the password file and, in the ACL,
the role `bridge`: it may publish the carried halls' `state/#`, `event/#` and `node/#` and read nothing.
`update-access.sh` on the county server installs the new password file and ACL (a reload is enough).

A chain (township -> county -> city): run `bridge COUNTY_DIR --county CITY_DIR` after the townships'
bridges into the county; the county's link then carries its own site and every site bridged into it
(`--upstream` is a synonym of `--county`). Run it again when a township is added.

provision.json records the bridge on both sides (no secret), so `init` run again on either folder
keeps it: `Provisioner._generate` (generate.py) calls `user_hashes`, `acl_blocks` and `hall_side`.
The command itself (`generate.link`, `generate.unlink`) checks and records the link here
(`plan_link`, `admit`, `connect`, `drop_on_county`, `drop_on_hall`) and regenerates both folders.
"""

from __future__ import annotations

import ipaddress
import os
import pwd
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509

from queue_broker.protocol.topics import Topics

from .core import BridgeIn, Hall, ProvisionError, Upstream, now, render
from .files import new_password, write_public, write_secret
from .passwd import check_password, hash_password, read_passwd, write_passwd
from .pki import server_hosts
from .roles import RIGHTS, ROLE_TITLES, expand

LINK_DIR = "county-link"  # in the hall server's bundle
LINK_USER = "county-link"  # the link's user on the hall's own Mosquitto
LINK_UNIT = "hall-county-link.service"
STATE_REFRESH_S = 10  # queue_broker.service.runner.STATE_REFRESH_S: retained state is re-sent this often
DEFAULT_RESTART = "5 60"
DEFAULT_KEEPALIVE = 30
DEFAULT_QUEUE_LIMIT = 50_000
DEFAULT_QUEUE_BYTES = 64 * 1024 * 1024
DEFAULT_LINK_PORT = 1884


@dataclass
class BridgeOptions:
    host: str | None = None  # how the hall reaches the county's broker; default: the county's first --host
    port: int | None = None  # default: the county's TLS listener (--mqtts-port)
    restart_timeout: str = DEFAULT_RESTART  # "base cap" (seconds, jittered back-off) or one constant
    keepalive: int = DEFAULT_KEEPALIVE
    queue_limit: int = DEFAULT_QUEUE_LIMIT  # messages held while the county is out of reach
    queue_bytes: int = DEFAULT_QUEUE_BYTES  # and bytes, whichever comes first
    link_port: int | None = None  # the link's loopback listener (health probe), and stunnel's on the next
    # port; default 1884 (and 1885) or as before
    rotate: bool = False  # new passwords for the link


def bridge_user(site: str) -> str:
    """The hall's MQTT user name (and client id) on the county's broker."""
    return f"bridge-{site}"


def ca_name(county_site: str) -> str:
    return f"{county_site}-ca.crt"


def bridged_topics(sites: list[str], filters: tuple[str, ...] = RIGHTS["bridge"].publish) -> list[str]:
    """The topic filters the link carries: what the county's ACL lets the hall's user publish (role
    `bridge`), and what the link's user may read on the hall's Mosquitto (role `link`: the same)."""
    return [expand(t, site, "", None) for site in sites for t in filters]


def handover_topics(site: str, upstream: str) -> tuple[str, str]:
    """(request, reply): the hall's hand-overs of tickets to the hall it links to, and that hall's answers
    (同城通办, docs/county.md). Only between the two ends of one link: a chain does not pass them on."""
    return Topics(site).handover(upstream, "request"), Topics(upstream).handover(site, "reply")


def broker_users(prov: Hall) -> list[str]:
    return sorted(n for n, spec in prov.state.nodes.items() if spec.role == "broker")


def carried_sites(prov: Hall) -> list[str]:
    """This hall's own site, then every site bridged into it (what a county passes on to a city)."""
    sites = [prov.site_id]
    for entry in prov.state.bridges.values():
        sites += [s for s in entry.sites if s not in sites]
    return sites


def link_dir(prov: Hall) -> Path:
    return prov.node_dir(prov.server) / LINK_DIR


def _link_dir_on_server(prov: Hall) -> str:
    return prov.on_server(link_dir(prov), LINK_DIR)


def stored_passwords(conf: Path) -> dict[str, str]:
    """remote_username -> remote_password of each connection in an existing county-link.conf."""
    if not conf.exists():
        return {}
    found, user = {}, None
    for line in conf.read_text().splitlines():
        if line.startswith("remote_username "):
            user = line.split(None, 1)[1].strip()
        elif line.startswith("remote_password ") and user:
            found[user] = line.split(None, 1)[1].strip()
    return found


# ---------------------------------------------------------------------------------------- the command's parts
@dataclass
class LinkPlan:
    """A link checked and ready to record: where the county is, what it carries, the passwords."""

    user: str
    sites: list[str]
    host: str
    port: int
    link_port: int
    restart_timeout: str
    password: str
    link_password: str
    notes: list[str] = field(default_factory=list)


def plan_link(hall: Hall, county: Hall, opts: BridgeOptions) -> LinkPlan:
    """Check a link of `hall` to `county` (ProvisionError saying why not) and choose its passwords: those
    of the link's existing files, unless `opts.rotate`. A link to another county is dropped here."""
    if hall.out == county.out or hall.site_id == county.site_id:
        raise ProvisionError(f"a hall cannot bridge to itself ({hall.site_id}): give the county's folder with --county")
    user = bridge_user(hall.site_id)
    if user in county.state.nodes:
        raise ProvisionError(
            f"the county hall {county.site_id} has a node named {user}, the name of this hall's user "
            f"there: rename that node"
        )
    if LINK_USER in hall.state.nodes:
        raise ProvisionError(
            f"hall {hall.site_id} has a node named {LINK_USER}, the name of the link's user: rename it"
        )
    sites = carried_sites(hall)
    if county.site_id in sites:
        raise ProvisionError(
            f"hall {county.site_id} bridges into {hall.site_id} already: bridging back would be a loop"
        )
    if opts.keepalive < 5 or opts.keepalive > 65535:
        raise ProvisionError("--keepalive is 5 s (Mosquitto's minimum) or more")
    parts = opts.restart_timeout.split()
    if not 1 <= len(parts) <= 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ProvisionError(
            f"--restart-timeout is one number of seconds or two (base and cap), not {opts.restart_timeout!r}"
        )
    if opts.queue_limit < 0 or opts.queue_bytes < 0:
        raise ProvisionError("queue limits are 0 (no limit) or more")
    old = hall.state.upstream
    link_port = opts.link_port or (old.link_port if old else None) or DEFAULT_LINK_PORT
    host = opts.host or county.state.hosts[0]
    port = opts.port or county.state.mqtts_port
    for p in (port, link_port, link_port + 1):
        if not 1 <= p <= 65535:
            raise ProvisionError(f"port {p} is not a TCP port")
    if {link_port, link_port + 1} & {hall.state.mqtt_port, hall.state.mqtts_port}:
        raise ProvisionError(
            f"--link-port {link_port} (and {link_port + 1}, stunnel's) would take a port of the hall's "
            f"own Mosquitto: give another"
        )
    names = server_hosts(x509.load_pem_x509_certificate((county.mosquitto_dir / "server.crt").read_bytes()))
    if host not in names:
        raise ProvisionError(
            f"the county's server certificate names {', '.join(sorted(names))}, not {host}: the link "
            f"checks the name. Give one of those with --county-host, or run init on the county folder "
            f"again with --host {host} (it keeps the CA and every password) and install it there"
        )

    notes: list[str] = []
    ldir = link_dir(hall)
    stored = {} if opts.rotate else stored_passwords(ldir / "county-link.conf")
    if old and old.county_site != county.site_id:
        notes.append(
            f"this hall was bridged to {old.county_site} until now: that bridge is replaced. Remove "
            f"its user there: `python -m provisioning bridge {hall.out} --county <that county's folder> "
            f"--remove`"
        )
        stored.pop(old.user, None)
        shutil.rmtree(ldir, ignore_errors=True)
    return LinkPlan(
        user=user,
        sites=sites,
        host=host,
        port=port,
        link_port=link_port,
        restart_timeout=" ".join(parts),
        password=stored.get(user) or new_password(),
        link_password=stored.get(LINK_USER) or new_password(),
        notes=notes,
    )


def admit(county: Hall, hall: Hall, plan: LinkPlan) -> None:
    """The county's side: the hall's user, its hash (its ACL block comes with the regeneration)."""
    county.state.bridges[plan.user] = BridgeIn(site=hall.site_id, sites=plan.sites, added=now())
    _set_hash(county.mosquitto_dir / "passwd", plan.user, plan.password)


def connect(hall: Hall, county: Hall, plan: LinkPlan, opts: BridgeOptions) -> None:
    """The hall's side: the link's user on the hall's Mosquitto, the link's files."""
    hall.state.upstream = Upstream(
        county_site=county.site_id,
        county_name=county.state.site_name or county.site_id,
        county_dir=str(county.out),
        host=plan.host,
        port=plan.port,
        user=plan.user,
        sites=plan.sites,
        restart_timeout=plan.restart_timeout,
        keepalive=opts.keepalive,
        queue_limit=opts.queue_limit,
        queue_bytes=opts.queue_bytes,
        link_port=plan.link_port,
        tunnel_port=plan.link_port + 1,
        linked_at=now(),
    )
    _set_hash(hall.mosquitto_dir / "passwd", LINK_USER, plan.link_password)
    write_public(link_dir(hall) / ca_name(county.site_id), (county.out / "ca" / "ca.crt").read_bytes())
    write_link_conf(hall, plan.password, plan.link_password)


def linked_notes(hall: Hall, county: Hall, plan: LinkPlan) -> list[str]:
    notes = [
        f"hall {hall.site_id} is linked to {county.site_id} at {plan.host}:{plan.port} as {plan.user}, carrying "
        f"{', '.join(plan.sites)}: state/#, event/#, node/# and its hand-overs out, the answers to those in; the "
        f"link runs in its own Mosquitto "
        f"({LINK_UNIT}, loopback port {plan.link_port})",
        f"county server: copy {county.node_dir(county.server)} there and run `sudo sh update-access.sh` "
        f"(a reload: the new user and ACL apply at once)",
        f"hall server: copy {hall.node_dir(hall.server)} there and run `sudo sh install.sh` (it also restarts "
        f"the hall's Mosquitto: do it outside opening hours)",
    ]
    if hall.state.bridges:
        notes.append(
            f"halls bridged into {hall.site_id} are carried on; after bridging another one into it, "
            f"run this command again"
        )
    return notes


def drop_on_county(county: Hall, hall: Hall) -> bool:
    """The hall's user gone from the county's state and password file; False if it had none."""
    user = bridge_user(hall.site_id)
    if county.state.bridges.pop(user, None) is None:
        return False
    _drop_hash(county.mosquitto_dir / "passwd", user)
    return True


def drop_on_hall(hall: Hall, county: Hall) -> bool:
    """The hall's link to `county` gone from its state, password file and bundle; False if it had none."""
    up = hall.state.upstream
    if not up or up.county_site != county.site_id:
        return False
    hall.state.upstream = None
    _drop_hash(hall.mosquitto_dir / "passwd", LINK_USER)
    shutil.rmtree(link_dir(hall), ignore_errors=True)
    return True


def _set_hash(path: Path, user: str, password: str) -> None:
    hashes = read_passwd(path)
    if not (user in hashes and check_password(password, hashes[user])):
        hashes[user] = hash_password(password)
        write_passwd(path, hashes)


def _drop_hash(path: Path, user: str) -> None:
    hashes = read_passwd(path)
    if hashes.pop(user, None) is not None:
        write_passwd(path, hashes)


def _upstream(hall: Hall) -> Upstream:
    up = hall.state.upstream
    if up is None:
        raise ProvisionError(f"hall {hall.site_id} has no link to a county")
    return up


def _values(hall: Hall) -> dict:
    up = _upstream(hall)
    return {
        "site": hall.site_id,
        "county_site": up.county_site,
        "county_name": up.county_name,
        "link_dir": _link_dir_on_server(hall),
        "link_port": up.link_port,
        "sites": up.sites,
        "tunnel_port": up.tunnel_port,
        "host": up.host,
        "port": up.port,
        "ca_name": ca_name(up.county_site),
    }


def write_link_conf(hall: Hall, password: str, link_password: str) -> Path:
    up = _upstream(hall)
    run_user = pwd.getpwuid(os.geteuid()).pw_name if hall.state.in_place else None  # the unit sets User=
    text = render(
        "county-link.conf.j2",
        **_values(hall),
        user=up.user,
        password=password,
        link_user=LINK_USER,
        link_password=link_password,
        hall_port=hall.state.mqtt_port,
        keepalive=up.keepalive,
        restart_timeout=up.restart_timeout,
        queue_limit=up.queue_limit,
        queue_bytes=up.queue_bytes,
        state_refresh_s=STATE_REFRESH_S,
        run_user=run_user,
        topics=bridged_topics(up.sites),
        handover=handover_topics(hall.site_id, up.county_site),
    )
    return write_secret(link_dir(hall) / "county-link.conf", text)


# ---------------------------------------------------------------------------------------- hooks of _generate
def user_hashes(prov: Hall, old_hashes: dict[str, str], notes: list[str]) -> dict[str, str]:
    """Hashes kept across a regeneration: the bridge users of halls bridged into this one (their passwords
    live in those halls' files) and this hall's own link user (its password lives in county-link.conf)."""
    users = list(prov.state.bridges)
    if prov.state.upstream:
        users.append(LINK_USER)
    kept = {}
    for user in users:
        if user in old_hashes:
            kept[user] = old_hashes[user]
        else:
            notes.append(f"user {user} has no password here: run `bridge` again")
    return kept


def acl_blocks(prov: Hall) -> str:
    site = prov.site_id
    out = []
    bridges = prov.state.bridges
    if bridges:
        out += [
            "",
            "# Halls bridged into this one (python -m provisioning bridge, role `bridge`): each may",
            "# publish the state, events and node status of the halls it carries and its own hall's hand-overs",
            "# to this one, and read nothing but this hall's answers to those.",
        ]
        for user, entry in sorted(bridges.items()):
            out += [
                "",
                f"# {user}: {ROLE_TITLES['bridge']} (hall {entry.site}, carries {', '.join(entry.sites)})",
                f"user {user}",
                f"topic deny hall/{site}/reply/#",
            ]
            out += [f"topic write {t}" for t in bridged_topics(entry.sites)]
            request, reply = handover_topics(entry.site, site)
            out += [f"topic write {request}", f"topic read {reply}"]  # hand-overs to this hall, answers back
        # this hall's queue broker takes the hand-overs (a second block of the same user adds to its rights)
        for user in broker_users(prov):
            out += [
                "",
                f"# {user}: also reads the hand-overs of tickets from the halls bridged into this one",
                f"user {user}",
            ]
            out += [f"topic read {handover_topics(entry.site, site)[0]}" for entry in bridges.values()]
    up = prov.state.upstream
    if up:
        out += [
            "",
            f"# {LINK_USER}: {ROLE_TITLES['link']} {up.county_site} (python -m provisioning bridge, role",
            "# `link`): reads the state, events and node status it carries and the hall's hand-overs; publishes",
            "# nothing but the county's answers to those",
            f"user {LINK_USER}",
            f"topic deny hall/{site}/reply/#",
        ]
        out += [f"topic read {t}" for t in bridged_topics(up.sites, RIGHTS["link"].read)]
        request, reply = handover_topics(site, up.county_site)
        out += [f"topic read {request}", f"topic write {reply}"]  # hand-overs up, the answers down into the hall
        for user in broker_users(prov):
            out += [
                "",
                f"# {user}: also reads the answers of {up.county_site} to this hall's hand-overs",
                f"user {user}",
                f"topic read {reply}",
            ]
    return "\n".join(out) + "\n" if out else ""


def hall_side(prov: Hall, notes: list[str]) -> None:
    """The hall's side after every regeneration: the link's files with the stored passwords, and the
    lines of install.sh that install and start the link."""
    up = prov.state.upstream
    if not up:
        return
    ldir = link_dir(prov)
    stored = stored_passwords(ldir / "county-link.conf")
    if up.user not in stored or LINK_USER not in stored:
        notes.append(
            f"the link to {up.county_site} has no {ldir / 'county-link.conf'} (copied away?): run "
            f"`bridge` again to make it"
        )
        return
    write_link_conf(prov, stored[up.user], stored[LINK_USER])
    values = _values(prov)
    write_public(
        ldir / "county-link.stunnel", render("county-link.stunnel.j2", **values, host_is_ip=_is_ip(values["host"]))
    )
    write_public(ldir / "county-link.sh", render("county-link.sh.j2", **values), executable=True)
    write_public(ldir / LINK_UNIT, render("county-link.service.j2", **values))
    script = prov.node_dir(prov.server) / "install.sh"
    if script.exists():
        d = values["link_dir"]
        text = (
            script.read_text().rstrip("\n")
            + "\n"
            + "\n".join(
                [
                    "",
                    f"# --- the link to {up.county_site} (python -m provisioning bridge): a Mosquitto of its own, stunnel",
                    "command -v stunnel4 >/dev/null || apt-get install -y stunnel4",
                    f"install -d -m 0750 -o root -g mosquitto {d}",
                    f"install -m 0600 -o mosquitto -g mosquitto {LINK_DIR}/county-link.conf {d}/",
                    f"install -m 0644 -o root -g root {LINK_DIR}/{ca_name(up.county_site)} {LINK_DIR}/county-link.sh "
                    f"{LINK_DIR}/county-link.stunnel {d}/",
                    f"install -m 0644 {LINK_DIR}/{LINK_UNIT} /etc/systemd/system/",
                    "systemctl daemon-reload",
                    f"systemctl enable {LINK_UNIT} && systemctl restart {LINK_UNIT}",
                    f'echo "{LINK_UNIT} started; journalctl -u {LINK_UNIT} shows its log"',
                ]
            )
            + "\n"
        )
        write_public(script, text, executable=True)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False
