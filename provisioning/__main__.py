"""`python -m provisioning COMMAND`: turn a site file into everything the hall's boards need.

    init SITE.yaml --out DIR [--host NAME]... [--mqtt-port 1883] [--mqtts-port 8883] [--bind ADDR]
                             [--production] [--in-place] [--etc /etc/hall] [--python PATH]
        Mosquitto configuration, password file, ACL, private CA and server certificate, and one bundle
        per node in DIR/nodes/<node>/ (node.env, ca.crt, site.yaml, systemd unit, udev rules, install.sh).
    node add NAME --role ROLE [--counter ID] [--zone ZONE] [--rotate] [--dir DIR] [--reload]
    node revoke NAME [--dir DIR] [--reload]
    node list [--dir DIR]
        Later changes: a new board, a new password, a stolen board. Mosquitto must then re-read its
        password file and ACL (SIGHUP); the command says how.
    wheelhouse --dir DIR    (also: init ... --wheelhouse)
        Every wheel the hall's roles install, built here once; each bundle gets its role's wheels and
        install-code.sh, which install.sh runs: no package index, no network (provisioning/wheelhouse.py).
    up [SITE_DIR|SITE.yaml] [--workdir DIR] [--mqtt-port N] [--mqtts-port N] [--open-now]
       [--screenshots DIR [--exit]]
        The whole hall on this machine (default: examples/neixiang), until Ctrl-C; its screens side by
        side on this display; --open-now opens every queue (a demonstration, marked 演示); --screenshots
        writes one PNG per screen and the whole hall (hall.png), --exit then stops it.
    bridge HALL_DIR --county COUNTY_DIR [--county-host HOST] [--county-port N] [--link-port N]
                    [--rotate] [--remove]
        The hall's state, events and node status (never commands or replies) go to the county's broker
        over TLS, through a Mosquitto bridge of its own on the hall server (the county link); the county
        gets a user for the hall that may publish only those (docs/county.md). HALL_DIR and COUNTY_DIR
        are folders written by init.
    certs --dir DIR [--warn-days 30] [--renew]
        The hall's CA, the MQTT server's certificate and a county's CA, with the days left; exit 1 when one
        ends within --warn-days (for a daily timer); --renew issues a new server certificate from the
        hall's CA (provisioning/certs.py).
    reader NAME --dir COUNTY_DIR [--node NODE] [--rotate] [--remove]
        A read-only user of the county's broker for the supervisor tablet's county overview (role
        county-reader: the state, events and node status of the county's hall and the halls bridged in;
        nothing else). Its URL with the password goes to COUNTY_DIR/readers/NAME/county.env (0600) and,
        with --node, into that node's node.env (docs/county.md).

Exit status: 0 done, 2 the input is wrong (the message says what to change), 1 anything else.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import generate
from .generate import DEFAULT_ETC, DEFAULT_PYTHON, Options, Provisioner, ProvisionError
from .roles import ROLES

SAMPLE_HALL = Path(__file__).resolve().parent.parent / "examples" / "neixiang"


def _print_report(report, verbose_nodes: bool = True) -> None:
    for note in report.notes:
        print(f"- {note}")
    if verbose_nodes:
        print(f"{len(report.nodes)} nodes of hall {report.site_id}, bundles in {report.out / 'nodes'}:")
        for n in report.nodes:
            extra = f" counter {n.counter_id}" if n.counter_id else ""
            print(f"  {n.id:<16} {n.role:<11} zone {n.zone}{extra}")


def _attach(out: Path, nodes: dict[str, str] | None = None) -> int:
    from . import wheelhouse

    try:
        for note in wheelhouse.attach(out, nodes if nodes is not None else wheelhouse.nodes_of(out)):
            print(f"- {note}")
    except wheelhouse.WheelhouseError as exc:
        print(f"provisioning wheelhouse: {exc}", file=sys.stderr)
        return 1
    return 0


def _wheelhouse(out: Path, roles: set[str] | None = None) -> int | None:
    """Build the hall's wheelhouse (roles: those of the site file) and give each bundle its wheels;
    on failure one line on stderr and exit status 1, nothing left half built."""
    from . import wheelhouse

    nodes = wheelhouse.nodes_of(out) if (out / "provision.json").exists() else {}
    try:
        print(
            f"building the wheelhouse for {', '.join(sorted(roles or set(nodes.values())))} (log: {out / 'wheelhouse.log'})"
        )
        wheelhouse.build(out, roles or set(nodes.values()))
        if nodes:
            for note in wheelhouse.attach(out, nodes):
                print(f"- {note}")
    except wheelhouse.WheelhouseError as exc:
        print(f"provisioning wheelhouse: {exc}", file=sys.stderr)
        return 1
    return None


def cmd_init(args: argparse.Namespace) -> int:
    if args.wheelhouse:  # first, so a failed build leaves the hall folder as it was
        from queue_broker.config.loader import ConfigError, load_site_config

        site = Path(args.site)
        try:
            cfg = load_site_config(site / "site.yaml" if site.is_dir() else site, env={})
        except ConfigError as exc:
            print("\n".join(exc.lines()), file=sys.stderr)
            return 2
        failed = _wheelhouse(Path(args.out), {n.role for n in cfg.nodes} | {"broker"})
        if failed:
            return failed
    opts = Options(
        hosts=args.host or [],
        mqtt_port=args.mqtt_port,
        mqtts_port=args.mqtts_port,
        bind=args.bind,
        production=args.production,
        in_place=args.in_place,
        etc=args.etc,
        python=args.python,
    )
    prov = Provisioner(args.out)
    report = prov.init(args.site, opts)
    _print_report(report)
    s = prov.state
    print(
        f"Mosquitto: {s.mqtt_port} on 127.0.0.1 (the hall server's own processes), {s.mqtts_port} "
        f"{'on ' + s.bind if s.bind else 'on every interface'} (TLS + password); boards connect to "
        f"mqtts://{s.hosts[0]}:{s.mqtts_port}"
    )
    if args.wheelhouse and _attach(Path(args.out)):
        return 1
    print(
        "Next: copy each nodes/<node>/ folder to its board and run `sudo sh install.sh` there (docs/provisioning.md)."
    )
    return 0


def cmd_wheelhouse(args: argparse.Namespace) -> int:
    out = Path(args.dir)
    if not (out / "provision.json").exists():
        print(
            f"provisioning wheelhouse: {out} is not a hall folder written by init (no provision.json)", file=sys.stderr
        )
        return 2
    return _wheelhouse(out) or 0


def cmd_node_add(args: argparse.Namespace) -> int:
    prov = Provisioner(args.dir)
    report = prov.add_node(args.name, args.role, args.counter, args.zone, rotate=args.rotate)
    _print_report(report, verbose_nodes=False)
    if args.reload:
        print(prov.reload_running())
    if (Path(args.dir) / "wheelhouse" / "roles.json").exists():  # the new board gets its wheels too
        return _attach(Path(args.dir), {args.name: args.role})
    return 0


def cmd_node_revoke(args: argparse.Namespace) -> int:
    prov = Provisioner(args.dir)
    report = prov.revoke_node(args.name)
    _print_report(report, verbose_nodes=False)
    if args.reload:
        print(prov.reload_running())
    return 0


def cmd_node_list(args: argparse.Namespace) -> int:
    prov = Provisioner(args.dir).load()
    for n in prov.nodes():
        extra = f" counter {n.counter_id}" if n.counter_id else ""
        print(f"{n.id:<16} {n.role:<11} zone {n.zone}{extra}")
    for name, when in prov.state.revoked.items():
        print(f"{name:<16} revoked {when}")
    return 0


def cmd_up(args: argparse.Namespace) -> int:
    from .up import UpOptions, run_up

    options = UpOptions(
        open_now=args.open_now,
        screenshots=Path(args.screenshots) if args.screenshots else None,
        exit_after=args.exit,
    )
    return run_up(
        args.site, workdir=args.workdir, mqtt_port=args.mqtt_port, mqtts_port=args.mqtts_port, options=options
    )


def cmd_bridge(args: argparse.Namespace) -> int:
    from . import bridge

    if args.remove:
        notes = generate.unlink(args.hall, args.county)
    else:
        notes = generate.link(
            args.hall,
            args.county,
            bridge.BridgeOptions(
                host=args.county_host,
                port=args.county_port,
                restart_timeout=args.restart_timeout,
                keepalive=args.keepalive,
                queue_limit=args.queue_limit,
                queue_bytes=args.queue_bytes,
                link_port=args.link_port,
                rotate=args.rotate,
            ),
        )
    for note in notes:
        print(f"- {note}")
    return 0


def cmd_reader(args: argparse.Namespace) -> int:
    if args.remove:
        notes = generate.remove_reader(args.dir, args.name)
    else:
        notes = generate.add_reader(args.dir, args.name, node=args.node, rotate=args.rotate)
    for note in notes:
        print(f"- {note}")
    return 0


def cmd_certs(args: argparse.Namespace) -> int:
    from .certs import CertsError, run

    try:
        status, lines = run(Path(args.dir), args.warn_days, args.renew)
    except CertsError as exc:
        print(f"provisioning certs: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m provisioning", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="generate everything a hall needs from its site file")
    p.add_argument("site", help="the site file (or the folder holding site.yaml)")
    p.add_argument("--out", required=True, help="output folder (kept: run init again after editing the site file)")
    p.add_argument(
        "--host",
        action="append",
        help="name or address the boards use for the hall server "
        "(repeatable; the first goes into node.env; default: this machine's name)",
    )
    p.add_argument("--mqtt-port", type=int, default=1883, help="loopback listener (default 1883)")
    p.add_argument("--mqtts-port", type=int, default=8883, help="LAN listener, TLS (default 8883)")
    p.add_argument("--bind", help="address of the LAN listener (default: every interface)")
    p.add_argument("--production", action="store_true", help="refuse demo-only operators and supervisors")
    p.add_argument(
        "--in-place",
        action="store_true",
        help="paths point into --out itself (run from there, e.g. on one machine) instead of /etc/hall",
    )
    p.add_argument("--etc", default=DEFAULT_ETC, help=f"where bundles are installed on a board (default {DEFAULT_ETC})")
    p.add_argument(
        "--python",
        default=DEFAULT_PYTHON,
        help=f"the Python with the hall's code on the boards (default {DEFAULT_PYTHON})",
    )
    p.add_argument(
        "--wheelhouse",
        action="store_true",
        help="also build every wheel the boards install, into each bundle: install.sh needs no network",
    )
    p.set_defaults(func=cmd_init)

    w = sub.add_parser("wheelhouse", help="build (again) the wheels of every role into the bundles (offline install)")
    w.add_argument("--dir", required=True, help="the hall's folder (written by init)")
    w.set_defaults(func=cmd_wheelhouse)

    node = sub.add_parser("node", help="add, revoke or list nodes of a provisioned hall")
    nsub = node.add_subparsers(dest="node_command", required=True)
    a = nsub.add_parser("add", help="a new node (or, with --rotate, a new password for one)")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=ROLES)
    a.add_argument("--counter", help="the counter a counter terminal serves (role counter)")
    a.add_argument("--zone", help="the node's zone (default main; kept by --rotate)")
    a.add_argument("--rotate", action="store_true", help="issue a new password for an existing node")
    a.add_argument("--dir", default=".", help="the folder init wrote (default: here)")
    a.add_argument("--reload", action="store_true", help="SIGHUP the Mosquitto that `up` runs from --dir")
    a.set_defaults(func=cmd_node_add)
    r = nsub.add_parser("revoke", help="remove a node: its password and rights are gone at the next reload")
    r.add_argument("name")
    r.add_argument("--dir", default=".")
    r.add_argument("--reload", action="store_true")
    r.set_defaults(func=cmd_node_revoke)
    lst = nsub.add_parser("list", help="the nodes and revocations")
    lst.add_argument("--dir", default=".")
    lst.set_defaults(func=cmd_node_list)

    u = sub.add_parser("up", help="run the whole sample hall on this machine until Ctrl-C")
    u.add_argument(
        "site",
        nargs="?",
        default=str(SAMPLE_HALL),
        help="site folder or file (default: the sample hall, examples/neixiang)",
    )
    u.add_argument("--workdir", help="where generated files, data and logs go (default SITE_DIR/var/up)")
    u.add_argument("--mqtt-port", type=int, help="loopback listener (default 1883 when free, else any free port)")
    u.add_argument("--mqtts-port", type=int, help="TLS listener (default 8883 when free, else any free port)")
    u.add_argument(
        "--open-now",
        action="store_true",
        help="every queue issues tickets while up runs, whatever the hall's hours (a demonstration: every screen "
        "shows 演示; refused for a folder provisioned with --production)",
    )
    u.add_argument(
        "--screenshots", metavar="DIR", help="one PNG per screen in DIR, and DIR/hall.png, once each has drawn"
    )
    u.add_argument("--exit", action="store_true", help="with --screenshots: stop the hall once they are taken")
    u.set_defaults(func=cmd_up)

    from . import bridge

    b = sub.add_parser("bridge", help="link a hall to its county's broker (docs/county.md)")
    b.add_argument("hall", help="the hall's folder (written by init)")
    b.add_argument(
        "--county",
        "--upstream",
        required=True,
        help="the county's folder (written by init); in a chain, the next level up (a city)",
    )
    b.add_argument(
        "--county-host",
        "--upstream-host",
        help="the name or address the hall uses for the county's "
        "broker; it must be in the county's server certificate (default: the county's first --host)",
    )
    b.add_argument(
        "--county-port", "--upstream-port", type=int, help="the county's TLS listener (default: its --mqtts-port)"
    )
    b.add_argument(
        "--restart-timeout",
        default=bridge.DEFAULT_RESTART,
        help=f"reconnect delay: 'BASE CAP' seconds (jittered back-off) or one constant "
        f"(default '{bridge.DEFAULT_RESTART}')",
    )
    b.add_argument(
        "--keepalive", type=int, default=bridge.DEFAULT_KEEPALIVE, help=f"seconds (default {bridge.DEFAULT_KEEPALIVE})"
    )
    b.add_argument(
        "--queue-limit",
        type=int,
        default=bridge.DEFAULT_QUEUE_LIMIT,
        help=f"messages held in memory while the link is down (default {bridge.DEFAULT_QUEUE_LIMIT})",
    )
    b.add_argument(
        "--queue-bytes",
        type=int,
        default=bridge.DEFAULT_QUEUE_BYTES,
        help=f"and bytes, whichever comes first (default {bridge.DEFAULT_QUEUE_BYTES})",
    )
    b.add_argument(
        "--link-port",
        type=int,
        help=f"the link's own loopback listener, for its health probe (default {bridge.DEFAULT_LINK_PORT})",
    )
    b.add_argument("--rotate", action="store_true", help="new passwords for the link")
    b.add_argument("--remove", action="store_true", help="remove the bridge on both sides")
    b.set_defaults(func=cmd_bridge)

    rd = sub.add_parser("reader", help="a read-only user of a county's broker for the county overview")
    rd.add_argument("name", help="its MQTT user name (one per tablet: the user name is the client id)")
    rd.add_argument("--dir", default=".", help="the county's folder (written by init; default: here)")
    rd.add_argument("--node", help="a node of this hall (its supervisor tablet) whose node.env gets the URL")
    rd.add_argument("--rotate", action="store_true", help="a new password for an existing reader")
    rd.add_argument("--remove", action="store_true", help="remove the reader")
    rd.set_defaults(func=cmd_reader)

    c = sub.add_parser("certs", help="when the hall's certificates end; --renew the server's from the hall CA")
    c.add_argument("--dir", required=True, help="the hall's folder (written by init)")
    c.add_argument("--warn-days", type=int, default=30, help="warn this many days before the end (default 30)")
    c.add_argument("--renew", action="store_true", help="a new server certificate when it is due")
    c.set_defaults(func=cmd_certs)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ProvisionError as exc:
        print(f"provisioning: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
