"""The sub-commands of `python -m queue_broker`. Each returns the process exit status."""

from __future__ import annotations

import argparse
import csv
import getpass
import logging
import os
import signal
import sys
import threading
import time
import unicodedata
from datetime import UTC, date, datetime

from ..config.loader import ConfigError, load_or_exit
from ..config.models import Operator, SiteConfig, Supervisor
from ..engine.hall import HallEngine
from ..logs import setup_logging
from ..protocol.waiting import DEMO_OPEN_NOW
from ..security.pins import hash_pin
from . import platform as platform_cli
from . import report as report_cli
from .hall import hall_store, replayed_engine


def _load(path: str) -> SiteConfig:
    return load_or_exit(path)


def cmd_check_config(args: argparse.Namespace) -> int:
    from ..config.boards import check_site
    from ..config.loader import ConfigError

    try:  # the site file, then what each board will fail on: its devices and its screen
        cfg, notes = check_site(args.path)
    except ConfigError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        return 2
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    tidal = sum(1 for c in cfg.counters if c.tidal)
    print(f"{cfg.site.name} ({cfg.site.id}): OK")
    print(f"  queues:   {len(cfg.queues)} ({', '.join(f'{q.id}={q.prefix}' for q in cfg.queues)})")
    print(f"  counters: {len(cfg.counters)} ({tidal} tidal)")
    print(f"  items:    {len(cfg.services)} service items, {len(cfg.bundles)} bundles")
    devices = sum(len(n.devices) for n in cfg.nodes)
    screens = sum(1 for n in cfg.nodes if n.role in ("kiosk", "counter", "display", "supervisor"))
    print(f"  nodes:    {len(cfg.nodes)} ({devices} devices and {screens} screens checked)")
    staff: list[Operator | Supervisor] = [*cfg.operators, *cfg.supervisors]
    demo = [o.id for o in staff if o.demo_only]
    if demo:
        print(f"  demo-only credentials: {', '.join(demo)} (refused in production bundles)")
    return 0


def cmd_catalog_diff(args: argparse.Namespace) -> int:
    from ..service.catalog import build_catalog, diff_catalogs

    old, new = _load(args.old), _load(args.new)
    now = datetime.now(UTC)
    print(f"catalog {build_catalog(old, now)['version']} -> {build_catalog(new, now)['version']}")
    lines = diff_catalogs(old, new)
    for line in lines:
        print(line)
    if not lines:
        print("no changes")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from ..link import parse_mqtt_url
    from ..service.runner import HallService
    from ..service.tasks import default_tasks
    from ..watchdog import Watchdog

    setup_logging()  # journald priorities under systemd (queue_broker/logs.py); HALL_LOG_LEVEL
    log = logging.getLogger("queue_broker")
    cfg = _load(args.config)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    url = parse_mqtt_url(cfg.mqtt.url)
    log.info(
        "queue broker for %s: MQTT %s://%s:%s as node broker (%s), data in %s",
        cfg.site.id,
        "mqtts" if url.tls else "mqtt",
        url.host,
        url.port,
        f"user {url.username}" if url.username else "anonymous: no user name in mqtt.url or HALL_MQTT_URL",
        cfg.data_dir,
    )
    refusal = _refuse_second_broker(cfg, stop)
    if refusal is not None:
        log.error("not starting: %s", refusal)
        return 2
    if stop.is_set():
        return 0
    demo = demo_mode(os.environ)
    if demo:
        log.warning(
            "DEMONSTRATION: every queue issues tickets whatever the opening hours say (HALL_DEMO=%s, set by "
            "`python -m provisioning up --open-now`); every screen shows 演示",
            demo,
        )
    watchdog = Watchdog.from_env()  # pings systemd only while the engine thread handles its ticks
    try:
        service = HallService(cfg, demo=demo, watchdog=watchdog)
    except ConfigError as exc:  # a file the site names (the platform's mapping file) is wrong
        for line in exc.lines():
            print(line, file=sys.stderr)
        return 2
    service.tick_tasks.extend(default_tasks(cfg))
    from ..supervision import attach  # device-health feed; metrics endpoint when HALL_METRICS_ADDR is set

    attach(service)
    materials = None
    if cfg.materials.enabled:  # materials on file (issue 23): the door and its ticks; docs/materials.md
        from ..materials.service import MaterialsService

        try:
            materials = MaterialsService(service).start()
        except (OSError, ValueError) as exc:  # the queue runs on without it; requests get `unavailable`
            log.error("materials on file are off: %s", exc)
    # SIGHUP: take the site file again (catalog, opening hours), as cmd/supervisor/reload does
    signal.signal(signal.SIGHUP, lambda *_: service.request_reload("SIGHUP (the hall server's operator)"))
    from ..plan.service import attach as attach_planning  # state/plan: forecast, day plan, cross-training

    attach_planning(service)
    service.start()
    log.info("queue broker for %s running (data in %s)", cfg.site.id, cfg.data_dir)
    watchdog.start()
    watchdog.ready(f"serving hall {cfg.site.id}")
    while not stop.wait(1.0):
        pass
    if materials is not None:
        materials.stop()
    service.stop()
    watchdog.stop()
    return 0


def demo_mode(env) -> str | None:
    """HALL_DEMO=open_now: the demonstration mode `up --open-now` asks for; anything else is refused."""
    value = env.get("HALL_DEMO", "").strip()
    if not value:
        return None
    if value != DEMO_OPEN_NOW:
        raise SystemExit(f"HALL_DEMO={value!r}: the only demonstration mode is {DEMO_OPEN_NOW!r}")
    return value


_held_locks: list = []  # the data folder's lock, held for the life of the process


def _refuse_second_broker(cfg: SiteConfig, stop: threading.Event) -> str | None:
    """Why this broker must not start (another one runs), or None. Waits for the MQTT broker to be
    reachable (as the service would), checking again every 2 s, until `stop`."""
    from ..link import parse_mqtt_url
    from ..service.single import CheckFailed, lock_data_dir, lock_holder, other_live_broker

    lock = lock_data_dir(cfg.data_dir)
    if lock is None:
        return (
            f"another queue broker (pid {lock_holder(cfg.data_dir)}) is running on the data folder {cfg.data_dir}: "
            f"stop it first; one hall has one queue broker"
        )
    _held_locks.append(lock)
    log = logging.getLogger("queue_broker")
    if parse_mqtt_url(cfg.mqtt.url).username:
        # a provisioned hall: its Mosquitto forces the client id to the user name, so any second
        # connection with these credentials (a check included) would take this broker's session and
        # drop the commands queued in it; there the one-connection-per-user rule, the unit and the data
        # folder's lock keep one broker
        log.info("MQTT with a user name: the MQTT broker keeps one connection per user; no look for another broker")
        return None
    warned = 0.0
    while not stop.is_set():
        try:
            other = other_live_broker(cfg.mqtt.url, cfg.site.id, ca_file=cfg.mqtt.ca_file)
        except CheckFailed as exc:
            if time.monotonic() - warned > 60:
                log.warning("%s; checking again every 2 s before starting", exc)
                warned = time.monotonic()
            stop.wait(2)
            continue
        if other is None:
            return None
        if other.answered:
            return (
                f"another queue broker of hall {cfg.site.id} already answers on this MQTT broker "
                f"(node {other.node}, version {other.version or '?'}, online since {other.since or '?'}): stop it "
                f"first, or give this one another MQTT broker (mqtt.url or HALL_MQTT_URL)"
            )
        log.warning(
            "node %s says it is this hall's broker and online (retained status since %s) but does not answer: "
            "a stale status, starting",
            other.node,
            other.since or "?",
        )
        return None
    return None


def width(text: str) -> int:
    """Columns a terminal gives the text: two for a Chinese character (East Asian wide or full-width)."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def fit(text: str, columns: int) -> str:
    """`text` cut to `columns` terminal columns (with … when cut) and padded to exactly that many."""
    if width(text) > columns:
        while text and width(text) > columns - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (columns - width(text))


def cmd_status(args: argparse.Namespace) -> int:
    cfg = _load(args.config)
    engine = replayed_engine(cfg)
    now = datetime.now(UTC)
    state = engine.queues_state(now)
    print(f"{cfg.site.name} at {now.astimezone(engine.tz):%Y-%m-%d %H:%M}: {state['hall']['text']}")
    if not state["hall"]["ticketing_open"]:  # this reads the event log; the demo mode lives in the broker
        print("  (by the opening hours: a hall opened by `up --open-now` issues tickets all the same)")
    print(f"{'queue':<8}{fit('name', 28)}{'waiting':>8}{'longest':>9}  {fit('wait now', 24)} counters")
    for q in state["queues"]:
        print(
            f"{q['id']:<8}{fit(q['name'], 28)}{q['waiting']:>8}{q['longest_wait_s'] // 60:>8}m  "
            f"{fit(q['wait_text'], 24)} {' '.join(q['counter_ids'])}"
        )
    print()
    print(f"{'counter':<8}{'no.':>4}  {'status':<8}{'mode':<7}{'queues':<16}serving")
    for c in engine.counters_state(now)["counters"]:
        serving = c["serving"]["number"] if c["serving"] else "-"
        lock = "*" if c["locked"] else ""
        print(
            f"{c['id']:<8}{c['number']:>4}  {c['status']:<8}{c['mode'] + lock:<7}{','.join(c['queue_ids']):<16}{serving}"
        )
    return 0


def _day_tickets(engine: HallEngine, day: date):
    return sorted((t for t in engine.tickets.values() if t.day == day), key=lambda t: (t.issued_at, t.number))


def cmd_tickets(args: argparse.Namespace) -> int:
    cfg = _load(args.config)
    engine = replayed_engine(cfg)
    day = engine.local_day(datetime.now(UTC)) if args.today or not args.day else date.fromisoformat(args.day)
    rows = _day_tickets(engine, day)
    print(f"{len(rows)} tickets on {day}")
    for t in rows:
        issued = t.issued_at.astimezone(engine.tz).strftime("%H:%M:%S")
        print(
            f"{t.number:<6}{t.queue_id:<6}{t.service_id:<16}{t.channel:<12}{t.priority:<12}{issued}  "
            f"{t.state:<12}{t.counter_id or ''}"
        )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    cfg = _load(args.config)
    engine = replayed_engine(cfg)
    day = date.fromisoformat(args.day)
    # a file gets the UTF-8 byte-order mark so that Excel and WPS read its Chinese (reports/render.py)
    out = open(args.out, "w", newline="", encoding="utf-8-sig") if args.out else sys.stdout
    w = csv.writer(out)
    w.writerow(
        [
            "ticket_id",
            "number",
            "queue_id",
            "service_id",
            "channel",
            "priority",
            "issued_at",
            "called_at",
            "finished_at",
            "state",
            "outcome",
            "counter_id",
            "wait_s",
            "service_s",
            "recalls",
            "rating",
            "estimate_s",
            "holder_masked_id",
        ]
    )
    for t in _day_tickets(engine, day):
        wait = int((t.called_at - t.issued_at).total_seconds()) if t.called_at else ""
        svc = int((t.finished_at - t.called_at).total_seconds()) if t.finished_at and t.called_at else ""
        w.writerow(
            [
                t.id,
                t.number,
                t.queue_id,
                t.service_id,
                t.channel,
                t.priority,
                t.issued_at.isoformat(),
                t.called_at.isoformat() if t.called_at else "",
                t.finished_at.isoformat() if t.finished_at else "",
                t.state,
                t.outcome or "",
                t.counter_id or "",
                wait,
                svc,
                t.recalls,
                t.rating if t.rating is not None else "",
                t.estimate_s,
                (t.holder_masked or {}).get("id_number", ""),
            ]
        )
    if args.out:
        out.close()
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    cfg = _load(args.config)
    store = hall_store(cfg)
    report = store.audit()
    store.close()
    if report.ok:
        print(f"audit OK: {report.events} events, chain head {report.last_hash}")
        return 0
    print(f"audit FAILED after {report.events} good events: {report.problem}", file=sys.stderr)
    return 1


def cmd_hash_pin(args: argparse.Namespace) -> int:
    pin = sys.stdin.readline().strip() if not sys.stdin.isatty() else getpass.getpass("PIN: ")
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        print("a PIN is 4 to 12 digits", file=sys.stderr)
        return 2
    print(hash_pin(pin))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the queue broker service")
    p.add_argument("--config", required=True)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("check-config", help="validate a site file")
    p.add_argument("path")
    p.set_defaults(func=cmd_check_config)

    p = sub.add_parser("catalog", help="catalog tools")
    csub = p.add_subparsers(dest="catalog_command", required=True)
    d = csub.add_parser("diff", help="what changed between two site files' catalogs")
    d.add_argument("old")
    d.add_argument("new")
    d.set_defaults(func=cmd_catalog_diff)
    platform_cli.register_catalog(csub)  # catalog import / publish (queue_broker/cli/platform.py)

    p = sub.add_parser("status", help="queues and counters now")
    p.add_argument("--config", required=True)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("tickets", help="the tickets of a day")
    p.add_argument("--config", required=True)
    p.add_argument("--today", action="store_true")
    p.add_argument("--day")
    p.set_defaults(func=cmd_tickets)

    p = sub.add_parser("audit", help="audit the event log")
    asub = p.add_subparsers(dest="audit_command", required=True)
    v = asub.add_parser("verify", help="check the hash chain")
    v.add_argument("--config", required=True)
    v.set_defaults(func=cmd_audit_verify)

    p = sub.add_parser("export", help="a day's tickets as CSV")
    p.add_argument("--config", required=True)
    p.add_argument("--day", required=True)
    p.add_argument("--out")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("hash-pin", help="hash a PIN for the site file")
    p.set_defaults(func=cmd_hash_pin)

    platform_cli.register(sub)  # reload, ratings export / status (queue_broker/cli/platform.py)
    report_cli.register(sub)  # report --from --to --format csv|html|pdf|md (queue_broker/cli/report.py)
    from . import plan as plan_cli

    plan_cli.register(sub)  # forecast, day-plan, cross-train from the hall's history (queue_broker/cli/plan.py)
