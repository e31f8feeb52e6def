"""`init`, `node add`, `node revoke`: everything a hall needs, generated from its site file.

The output folder (DIR) holds:

    provision.json            what was generated from what: site, hosts, ports, nodes, revocations (no secret)
    site/                     a copy of the site file (and its services file) it was generated from
    ca/ca.crt, ca/ca.key      the hall's private CA; ca.key (0600) stays with the IT staff
    nodes/<node>/             one bundle per board, to copy onto it and install (install.sh):
        node.env              (0600) HALL_ROLE, HALL_NODE_ID, HALL_MQTT_URL with the node's password, ...
        ca.crt, site.yaml     the CA to trust and the site file as this board needs it (no operator PINs)
        hall-<role>.service   its systemd unit; graphical roles also lockdown.sh, hall-session.pam, logind-hall.conf
        70-hall-devices.rules udev rules for its devices
        cupsd-hall.conf, ...  a kiosk printing A4 through CUPS: its cupsd keeps no job (provisioning/cups.py)
    selfservice-hash.key      (0600) the kiosks' key for the self-service audit's keyed hash; each kiosk's bundle has a copy
    nodes/<server>/           the hall server (the queue broker's node) also carries id-hash.key (0600),
        mosquitto/            mosquitto.conf, acl, passwd (0600), server.crt, server.key (0600), ca.crt
        hall-mosquitto.service, update-access.sh

Running init again on the same DIR keeps the CA, the server key, every node's password and the ID
hash key, and regenerates every other file, so a changed site file is carried into all bundles.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import socket
from pathlib import Path
from typing import Any

import yaml

from queue_broker.config.models import Operator, SiteConfig, Supervisor
from queue_broker.protocol.topics import LEVEL_ID_RE

from . import bridge, cups, gateway_tls, monitoring, pki, readers
from .acl import NodeSpec, render_acl
from .core import (
    DEFAULT_ETC,
    DEFAULT_PYTHON,
    STATE_FILE,
    Hall,
    HallState,
    NodeState,
    Options,
    ProvisionError,
    Report,
    load_site,
    now,
    read_node_env,
    read_raw_site,
    render,
    site_model,
    url_password,
)
from .files import new_password, write_public, write_secret
from .passwd import check_password, hash_password, read_passwd, write_passwd
from .roles import PROGRAMS, ROLE_TITLES, ROLES

# what the other modules of provisioning, `up` and the tests take from here
__all__ = [
    "DEFAULT_ETC",
    "DEFAULT_PYTHON",
    "STATE_FILE",
    "Options",
    "ProvisionError",
    "Provisioner",
    "Report",
    "read_node_env",
    "link",
    "unlink",
    "add_reader",
    "remove_reader",
]
ROLE_GROUPS = {"voice": "audio"}


class Provisioner(Hall):
    """One output folder (core.Hall) and the files generated from its state."""

    # ------------------------------------------------------------------ paths on the boards
    def _etc(self, node: str) -> str:
        return str(self.node_dir(node)) if self.state.in_place else self.state.etc

    @property
    def selfservice_key_path(self) -> Path:
        """The hall's self-service key (kiosks hash an ID number with it for the audit record, so the number
        never leaves a kiosk but on cmd/ticket/issue); made once, kept by every later init."""
        return self.out / "selfservice-hash.key"

    def _data(self, node: str) -> str:
        return str(self.out / "var" / node) if self.state.in_place else "/var/lib/hall"

    # ------------------------------------------------------------------ init
    def init(self, site_path: str | os.PathLike, opts: Options) -> Report:
        site_path = Path(site_path)
        if site_path.is_dir():
            site_path = site_path / "site.yaml"
        cfg = load_site(site_path)
        if opts.production:
            demo = [f"operator {o.id} ({o.name})" for o in cfg.operators if o.demo_only]
            demo += [f"supervisor {s.id} ({s.name})" for s in cfg.supervisors if s.demo_only]
            if demo:
                raise ProvisionError(
                    f"refusing to provision a production hall: {site_path} has demo-only credentials "
                    f"({', '.join(demo)}). Their PINs are published with the sample; remove them (or give "
                    f"each person their own entry and PIN hash from `python -m queue_broker hash-pin`) "
                    f"and run init again, or leave out --production for a demonstration hall."
                )
        old = self.read_state()
        if old is not None and old.site_id != cfg.site.id:
            raise ProvisionError(
                f"{self.out} was provisioned for hall {old.site_id!r}, not {cfg.site.id!r}: use another --out folder"
            )
        hosts = list(dict.fromkeys(opts.hosts)) or [socket.getfqdn() or "hall-server"]
        for port in (opts.mqtt_port, opts.mqtts_port):
            if not 1 <= port <= 65535:
                raise ProvisionError(f"port {port} is not a TCP port")
        if opts.mqtt_port == opts.mqtts_port:
            raise ProvisionError("--mqtt-port and --mqtts-port must differ")

        revoked = dict(old.revoked) if old else {}
        old_nodes = old.nodes if old else {}
        nodes: dict[str, NodeState] = {}
        notes: list[str] = []
        for n in cfg.nodes:
            if n.id in revoked:
                notes.append(
                    f"node {n.id} is in the site file but was revoked on {revoked[n.id]}: no bundle "
                    f"(`node add {n.id} --role {n.role}` admits it again)"
                )
                continue
            nodes[n.id] = NodeState(role=n.role, zone=n.zone, counter_id=n.counter_id, source="site")
        for node_id, earlier in old_nodes.items():  # what `node add` (or init itself) added earlier
            if earlier.source in ("added", "implicit") and node_id not in nodes and node_id not in revoked:
                nodes[node_id] = earlier
        brokers = [i for i, n in nodes.items() if n.role == "broker"]
        if not brokers:  # the site file lists no queue broker: it still has one, as node "broker"
            nodes = {"broker": NodeState(role="broker", zone="main", source="implicit"), **nodes}
            brokers = ["broker"]
        old_server = old.server_node if old else None
        server = old_server if old_server in brokers else "broker" if "broker" in brokers else brokers[0]
        nodes = {server: nodes[server], **{k: v for k, v in nodes.items() if k != server}}

        # the site file is copied into DIR, so DIR alone is enough for node add / revoke later
        site_dir = self.out / "site"
        site_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(site_path, site_dir / site_path.name)
        if cfg.services_file:
            shutil.copyfile(site_path.parent / cfg.services_file, site_dir / cfg.services_file)

        self.state = HallState(
            site_id=cfg.site.id,
            site_name=cfg.site.name,
            site_file=site_path.name,
            source=str(site_path.resolve()),
            hosts=hosts,
            mqtt_port=opts.mqtt_port,
            mqtts_port=opts.mqtts_port,
            bind=opts.bind,
            production=opts.production,
            in_place=opts.in_place,
            etc=opts.etc,
            python=opts.python,
            server_node=server,
            nodes=nodes,
            revoked=revoked,
            # bridges (bridge.py): this hall's to its county, and other halls' into this one; readers.py
            upstream=old.upstream if old else None,
            bridges=old.bridges if old else {},
            readers=old.readers if old else {},
            generated_at=now(),
        )
        for stale in sorted(set(old_nodes) - set(nodes)):
            if self.node_dir(stale).exists():
                shutil.rmtree(self.node_dir(stale))
            notes.append(f"node {stale} is no longer in the site file: its bundle and password are removed")
        notes += self._generate()
        if not opts.production:
            staff: list[Operator | Supervisor] = [*cfg.operators, *cfg.supervisors]
            demo = [o.id for o in staff if o.demo_only]
            if demo:
                notes.append(
                    f"demo-only credentials present ({', '.join(demo)}): fine for a demonstration; "
                    f"--production refuses them"
                )
        self.save()
        return Report(self.out, cfg.site.id, self.nodes(), notes)

    # ------------------------------------------------------------------ node add / revoke
    def add_node(
        self, node_id: str, role: str, counter_id: str | None = None, zone: str | None = None, rotate: bool = False
    ) -> Report:
        """A new node, or with `rotate` a new password for an existing one (its zone and counter kept
        unless given)."""
        self.load()
        if not LEVEL_ID_RE.match(node_id or ""):
            raise ProvisionError(f"node name {node_id!r} may use only letters, digits, '_', '.' and '-' (1-64)")
        if role not in ROLES:
            raise ProvisionError(f"role {role!r} is not one of {', '.join(ROLES)}")
        existing = self.state.nodes.get(node_id)
        if node_id in self.state.readers:
            raise ProvisionError(f"{node_id} is the name of a county reader of this hall: give the node another name")
        if existing and rotate:
            zone = zone or existing.zone
            counter_id = counter_id or existing.counter_id
        zone = zone or "main"
        if not LEVEL_ID_RE.match(zone):
            raise ProvisionError(f"zone {zone!r} may use only letters, digits, '_', '.' and '-'")
        cfg = site_model(read_raw_site(self.site_copy()))
        if role == "counter":
            known = [c.id for c in cfg.counters]
            if not counter_id:
                raise ProvisionError(
                    f"a counter terminal serves one counter: give --counter (one of {', '.join(known)})"
                )
            if counter_id not in known:
                raise ProvisionError(f"hall {self.site_id} has no counter {counter_id!r} (it has {', '.join(known)})")
        elif counter_id:
            raise ProvisionError("--counter is only for role counter")
        if existing and not rotate:
            raise ProvisionError(
                f"node {node_id} exists already ({existing.role}); --rotate gives it a new "
                f"password (the old one stops working at Mosquitto's next reload)"
            )
        if existing and existing.role != role:
            raise ProvisionError(f"node {node_id} is a {existing.role}; revoke it before re-adding it as {role}")
        self.state.revoked.pop(node_id, None)
        self.state.nodes[node_id] = NodeState(
            role=role, zone=zone, counter_id=counter_id, source=existing.source if existing else "added"
        )
        notes = self._generate(new_passwords={node_id})
        self.save()
        verb = "has a new password" if existing else "added"
        notes.insert(0, f"node {node_id} ({role}) {verb}: its bundle is {self.node_dir(node_id)}")
        return Report(self.out, self.site_id, self.nodes(), notes + self.reload_hint())

    def revoke_node(self, node_id: str) -> Report:
        self.load()
        if node_id not in self.state.nodes:
            raise ProvisionError(f"hall {self.site_id} has no node {node_id!r}")
        if node_id == self.server:
            raise ProvisionError(f"{node_id} is the hall server's own queue broker: it cannot be revoked")
        del self.state.nodes[node_id]
        self.state.revoked[node_id] = now()
        if self.node_dir(node_id).exists():
            shutil.rmtree(self.node_dir(node_id))  # it held the password
        notes = self._generate()
        self.save()
        return Report(
            self.out,
            self.site_id,
            self.nodes(),
            [
                f"node {node_id} revoked: removed from the password file and the ACL, bundle deleted",
                *notes,
                *self.reload_hint(),
            ],
        )

    def reload_running(self) -> str:
        """SIGHUP the Mosquitto that `up` runs from this folder (its pid file), if it is running."""
        pid_file = self.out / "run" / "mosquitto.pid"
        if not pid_file.exists():
            return "no Mosquitto of `up` is running from this folder: reload it yourself"
        pid = int(pid_file.read_text().strip())
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return f"the Mosquitto of pid file {pid_file} is gone: nothing to reload"
        if not cmdline or b"mosquitto" not in cmdline[0] or not any(str(self.out).encode() in p for p in cmdline):
            return f"pid {pid} is not this hall's Mosquitto: not signalled"
        os.kill(pid, signal.SIGHUP)
        return f"sent SIGHUP to Mosquitto (pid {pid}): it re-read the password file and the ACL"

    # ------------------------------------------------------------------ the files
    def regenerate(self) -> list[str]:
        """Every file again from the state, and the state saved; the notes for the IT staff."""
        notes = self._generate()
        self.save()
        return notes

    def _generate(self, new_passwords: frozenset[str] | set[str] = frozenset()) -> list[str]:
        notes: list[str] = []
        raw = read_raw_site(self.site_copy())
        cfg = site_model(raw)
        nodes = self.nodes()
        site = self.site_id
        # the CA and the server's certificate
        ca, made = pki.load_or_make_ca(self.out / "ca", site)
        if made:
            notes.append(f"made the hall's private CA: {self.out / 'ca'} (keep ca.key offline; it is in no bundle)")
        mq = self.mosquitto_dir
        if pki.issue_server_cert(ca, site, self.state.hosts, mq / "server.crt", mq / "server.key"):
            names = dict.fromkeys([*self.state.hosts, *pki.LOOPBACK_NAMES])
            notes.append(f"new server certificate for {', '.join(names)}")
        write_public(mq / "ca.crt", ca.cert_pem)

        # passwords: kept from the existing node.env (or, without one, the existing hash is kept)
        old_hashes = read_passwd(mq / "passwd")
        passwords: dict[str, str] = {}
        hashes: dict[str, str] = {}
        for node in nodes:
            pw = (
                None if node.id in new_passwords else url_password(self.node_dir(node.id) / "node.env", "HALL_MQTT_URL")
            )
            if pw is None and node.id in old_hashes and node.id not in new_passwords:
                hashes[node.id] = old_hashes[node.id]
                notes.append(
                    f"{node.id}: its bundle has no node.env (copied away?); its password is kept, but "
                    f"no new bundle is written (`node add {node.id} --role {node.role} --rotate` makes one)"
                )
                continue
            pw = pw or new_password()
            passwords[node.id] = pw
            same = node.id in old_hashes and check_password(pw, old_hashes[node.id])
            hashes[node.id] = old_hashes[node.id] if same else hash_password(pw)
        # links, bridged halls and readers (docs/county.md)
        hashes.update(bridge.user_hashes(self, old_hashes, notes))
        hashes.update(readers.keep(self, old_hashes, notes))
        write_passwd(mq / "passwd", hashes)
        write_public(mq / "acl", render_acl(site, nodes) + bridge.acl_blocks(self) + readers.acl_blocks(self))

        key_path = self.node_dir(self.server) / "id-hash.key"
        if not key_path.exists():
            write_secret(key_path, secrets.token_hex(32) + "\n")
            notes.append(f"made the key that hashes ID numbers: {key_path} (back it up with the database)")
        if not self.selfservice_key_path.exists():  # the kiosks' own, for the self-service audit (issue 24)
            write_secret(self.selfservice_key_path, secrets.token_hex(32) + "\n")

        common = self._values()
        write_public(mq / "mosquitto.conf", render("mosquitto.conf.j2", **common))
        server_dir = self.node_dir(self.server)
        write_public(server_dir / "hall-mosquitto.service", render("hall-mosquitto.service.j2", **common))
        write_public(server_dir / "update-access.sh", render("update-access.sh.j2", **common), executable=True)
        for node in nodes:
            if node.id in passwords:
                self._bundle(node, passwords[node.id], raw, cfg, ca.cert_pem, common)
            if node.role == "gateway" and gateway_tls.issue(
                ca, site, cfg.gateway.public_url, self.state.hosts, self.node_dir(node.id)
            ):
                notes.append(f"{node.id}: new HTTPS certificate from the hall's CA (docs/gateway.md, Deploying)")
        bridge.hall_side(self, notes)  # the link to the county: its files, and its lines in install.sh
        return notes

    def _values(self) -> dict[str, Any]:
        s = self.state
        return {
            "site": s.site_id,
            "site_file": s.site_file,
            "mqtt_port": s.mqtt_port,
            "mqtts_port": s.mqtts_port,
            "bind": s.bind,
            "conf_dir": self.on_server(self.mosquitto_dir, "mosquitto"),
            # in place, Mosquitto runs as whoever runs it here (as root it would switch to user
            # mosquitto, who cannot read the 0600 files in DIR)
            "run_user": pwd.getpwuid(os.geteuid()).pw_name if s.in_place else "mosquitto",
        }

    def _bundle(
        self, node: NodeSpec, password: str, raw: dict, cfg: SiteConfig, ca_pem: bytes, common: dict[str, Any]
    ) -> None:
        d = self.node_dir(node.id)
        etc, data = self._etc(node.id), self._data(node.id)
        server = node.id == self.server
        env = [
            f"# Hall {self.site_id}, node {node.id} ({node.role}). SECRET, mode 0600: this file holds the node's",
            "# MQTT password. systemd reads it as root (EnvironmentFile=); copy it nowhere else.",
            f"HALL_SITE={self.site_id}",
            f"HALL_ROLE={node.role}",
            f"HALL_NODE_ID={node.id}",
            f"HALL_ZONE={node.zone}",
        ]
        if node.counter_id:
            env.append(f"HALL_COUNTER_ID={node.counter_id}")
        env += [
            f"HALL_CONFIG={etc}/site.yaml",
            f"HALL_MQTT_URL={self.mqtt_url(node, password)}",
            f"HALL_MQTT_CA_FILE={etc}/ca.crt",
            f"HALL_DATA_DIR={data}",
        ]
        if server and self.state.in_place:
            env.append(f"HALL_ID_HASH_KEY_FILE={etc}/id-hash.key")  # the unit uses LoadCredential instead
        if node.role == "kiosk":  # one key for every kiosk: the self-service audit's keyed hash
            write_secret(d / "selfservice-hash.key", self.selfservice_key_path.read_text())
            if self.state.in_place:
                env.append(f"HALL_SELFSERVICE_KEY_FILE={etc}/selfservice-hash.key")  # else LoadCredential
        if node.role == "broker" and self.state.upstream:
            env.append(f"HALL_HANDOVER_SITES={self.state.upstream.county_site}")  # 同城通办 (docs/county.md)
        env += readers.node_env_lines(self, node.id)  # a county reader given to this node (its overview)
        env += monitoring.node_env_lines(node.role, self.state.in_place)  # the broker's /metrics
        if node.role == "gateway":  # HTTPS with its own certificate from the hall's CA (gateway_tls.py)
            env += gateway_tls.node_env_lines(etc, self.state.in_place)
        write_secret(d / "node.env", "\n".join(env) + "\n")
        write_public(d / "ca.crt", ca_pem)

        # the site file as this board needs it: where its broker is, which CA to trust, no operator PINs
        # except on the server (only the queue broker checks them)
        site = dict(raw)
        site["mqtt"] = {**(raw.get("mqtt") or {}), "url": self.mqtt_url(node)}
        if server:
            site["mqtt"].pop("ca_file", None)
        else:
            site["mqtt"]["ca_file"] = f"{etc}/ca.crt"
        site["data_dir"] = data
        if not server:
            site.pop("operators", None)
            site.pop("supervisors", None)
        listed = {n.get("id") for n in raw.get("nodes") or []}
        site["nodes"] = [n for n in raw.get("nodes") or [] if n.get("id") in self.state.nodes]
        site["nodes"] += [
            {
                k: v
                for k, v in {"id": n.id, "role": n.role, "zone": n.zone, "counter_id": n.counter_id}.items()
                if v is not None
            }
            for n in self.nodes()
            if n.id not in listed
        ]
        site_model(site)
        header = (
            f"# Site file of hall {self.site_id} for board {node.id} ({node.role}), generated by\n"
            f"# python -m provisioning from {self.state.site_file}: edit that file and run init again.\n"
        )
        write_public(d / "site.yaml", header + yaml.safe_dump(site, allow_unicode=True, sort_keys=False, width=110))
        services_file = raw.get("services_file")
        if services_file:
            shutil.copyfile(self.site_copy().parent / services_file, d / services_file)
            os.chmod(d / services_file, 0o644)

        program = PROGRAMS[node.role]
        unit = f"hall-{node.role}.service" if program else None
        python = self.state.python
        values = {
            **common,
            "node": node.id,
            "role": node.role,
            "title": ROLE_TITLES[node.role],
            "etc": etc,
            "server": server,
            "graphical": bool(program and program.graphical),
            "services_file": services_file,
            "unit": unit,
            "python_dir": str(Path(python).parent.parent),
            "rules": node.role != "gateway",
        }
        for stale in d.glob("hall-*.service"):
            if stale.name not in (unit, "hall-mosquitto.service"):
                stale.unlink()
        if program and unit:  # a unit exactly when a program
            command = " ".join(program.argv(python, f"{etc}/site.yaml", node.id))
            template = "graphical.service.j2" if program.graphical else "node.service.j2"
            write_public(
                d / unit,
                render(
                    template, **values, command=command, notify=program.notify, groups=ROLE_GROUPS.get(node.role, "")
                ),
            )
        if program and program.graphical:
            write_public(d / "lockdown.sh", render("lockdown.sh.j2", **values), executable=True)
            write_public(d / "hall-session.pam", render("hall-session.pam.j2", **values))
            write_public(d / "logind-hall.conf", render("logind-hall.conf.j2", **values))
        entry = next((n for n in cfg.nodes if n.id == node.id), None)  # None: one `node add` or init itself added
        if values["rules"]:
            devices = device_rules(entry.devices if entry else [])
            write_public(d / "70-hall-devices.rules", render("udev.rules.j2", **values, devices=devices))
        if server:
            monitoring.write_bundle_files(d, self.site_id)  # alert rules, dashboard, scrape job
        values["cups"] = cups.bundle_files(d, entry)  # an A4 printer through CUPS: its privacy settings
        write_public(d / "install.sh", render("install.sh.j2", **values), executable=True)


# ---------------------------------------------------------------------------------------- bridge, reader
def link(hall_dir: str | Path, county_dir: str | Path, opts: bridge.BridgeOptions | None = None) -> list[str]:
    """`bridge`: the hall in `hall_dir` sends what its county needs to the county in `county_dir`
    (bridge.py); returns notes for the IT staff."""
    opts = opts or bridge.BridgeOptions()
    hall, county = Provisioner(hall_dir).load(), Provisioner(county_dir).load()
    plan = bridge.plan_link(hall, county, opts)
    bridge.admit(county, hall, plan)
    notes = plan.notes + [f"county {county.site_id}: {n}" for n in county.regenerate()]
    bridge.connect(hall, county, plan, opts)
    notes += hall.regenerate()
    return notes + bridge.linked_notes(hall, county, plan)


def unlink(hall_dir: str | Path, county_dir: str | Path) -> list[str]:
    """`bridge --remove`: the hall's bridge to the county removed on both sides."""
    hall, county = Provisioner(hall_dir).load(), Provisioner(county_dir).load()
    notes = []
    if bridge.drop_on_county(county, hall):
        county.regenerate()
        notes.append(
            f"county {county.site_id}: user {bridge.bridge_user(hall.site_id)} removed from the password file and "
            f"the ACL (run update-access.sh on the county server: the link is disconnected at the reload)"
        )
    if bridge.drop_on_hall(hall, county):
        hall.regenerate()
        notes.append(
            f"hall {hall.site_id}: the link is gone from its bundle; on the hall server: "
            f"`systemctl disable --now {bridge.LINK_UNIT}`, then run update-access.sh"
        )
    if not notes:
        raise ProvisionError(f"hall {hall.site_id} has no bridge to {county.site_id}")
    return notes


def add_reader(county_dir: str | Path, name: str, node: str | None = None, rotate: bool = False) -> list[str]:
    """`reader`: a reader NAME on the county's broker (or, with `rotate`, a new password for it)."""
    prov = Provisioner(county_dir).load()
    existed = readers.admit(prov, name, node, rotate)
    return prov.regenerate() + readers.admitted_notes(prov, name, existed)


def remove_reader(county_dir: str | Path, name: str) -> list[str]:
    prov = Provisioner(county_dir).load()
    readers.drop(prov, name)
    prov.regenerate()
    return [f"reader {name} removed from the password file and the ACL", *prov.reload_hint()]


def device_rules(devices) -> list[dict[str, str]]:
    """udev lines for a board's devices that the site file identifies by USB id."""
    out = []
    for d in devices:
        opts = d.options or {}
        vendor = opts.get("vendor_id", opts.get("vendor"))
        product = opts.get("product_id", opts.get("product"))
        if vendor is None or product is None:
            continue
        v, p = _usb_id(vendor), _usb_id(product)
        if d.kind == "printer":
            rule = (
                f'SUBSYSTEM=="usb", ENV{{DEVTYPE}}=="usb_device", ATTR{{idVendor}}=="{v}", '
                f'ATTR{{idProduct}}=="{p}", GROUP="hall", MODE="0660", SYMLINK+="hall/{d.id}"'
            )
        else:
            # an input device (scanner, keypad, rating pad): also kept away from the screen's compositor
            rule = (
                f'SUBSYSTEM=="input", KERNEL=="event[0-9]*", ATTRS{{idVendor}}=="{v}", ATTRS{{idProduct}}=="{p}", '
                f'GROUP="hall", MODE="0660", SYMLINK+="hall/{d.id}", ENV{{LIBINPUT_IGNORE_DEVICE}}="1"'
            )
        out.append({"id": d.id, "kind": d.kind, "backend": d.backend, "rule": rule})
    return out


def _usb_id(value: Any) -> str:
    if isinstance(value, str):
        value = int(value, 16)
    return f"{int(value):04x}"
