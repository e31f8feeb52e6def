"""The operator's commands between the hall and the provincial platforms (docs/platform.md):

    catalog import FILE [--mapping MAP.yaml] --config SITE --out DIR [--apply]
    catalog publish --config SITE --out DIR
    ratings export --config SITE --from D --to D --format json|csv --out FILE [--mapping MAP.yaml]
    ratings status --config SITE
    reload --config SITE [--note TEXT] [--operator NAME]

Each refuses bad arguments with one plain line on stderr and exit status 2; 1 means the hall's broker did
not answer (reload, import --apply).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ..config.loader import ConfigError, load_or_exit, load_yaml_model
from ..config.models import SiteConfig
from .hall import replayed_engine


def _fail(message: str, status: int = 2) -> int:
    print(message, file=sys.stderr)
    return status


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _local_today(cfg: SiteConfig) -> date:
    return datetime.now(UTC).astimezone(ZoneInfo(cfg.site.timezone)).date()


def hall_engine(cfg: SiteConfig) -> Any | None:
    """The hall's engine replayed from its store, or None when the hall has no store yet (read only: a
    missing SQLite file is not created)."""
    if not os.environ.get("HALL_DB_URL") and not (Path(cfg.data_dir) / "hall.db").is_file():
        return None
    return replayed_engine(cfg)


# ---------------------------------------------------------------------------------- catalog import
def cmd_catalog_import(args: argparse.Namespace) -> int:
    from ..platform.catalog_import import CatalogMapping, ImportError_, normalise, plan_import, site_yaml, write_catalog
    from ..platform.sources import SourceError, read_records
    from ..service.catalog import build_catalog

    cfg = load_or_exit(args.config)
    site_path = Path(cfg.source_path)
    mapping = CatalogMapping()
    if args.mapping:
        try:
            mapping = load_yaml_model(args.mapping, CatalogMapping)
        except ConfigError as exc:
            for line in exc.lines():
                print(line, file=sys.stderr)
            return 2
    source = Path(args.file)
    try:
        records, what = read_records(
            source, args.format or mapping.format, args.encoding or mapping.encoding, mapping.records, mapping.sheet
        )
    except SourceError as exc:
        return _fail(f"{source}: {exc}")
    today = args.today or _local_today(cfg)
    items, problems = normalise(records, mapping, today)
    print(f"read {len(records)} records from {source} ({what}): {len(items)} usable")
    if records and not items:
        for p in problems:
            print(f"! {p.text()}")
        return _fail(f"{source}: no usable record; nothing written")
    usage = _usage(cfg)
    _data, _services_file, section = site_yaml(site_path)
    plan = plan_import(cfg, section.get("services") or [], items, today, usage)
    problems += plan.problems
    for c in plan.added:
        print(f"+ added      {c.code}  {c.name}  [line {c.line}] {c.detail}")
    for c in plan.changed:
        print(f"~ changed    {c.service_id}  {c.code}  {c.name}  [line {c.line}] {c.detail}")
    for c in plan.withdrawn:
        where = f"[line {c.line}]" if c.line else "[not in the export]"
        print(f"- withdrawn  {c.service_id}  {c.code}  {c.name}  {where} {c.detail}")
    for p in sorted(problems, key=lambda p: (p.line is None, p.line or 0)):
        print(f"! {p.text()}")
    print(f"= {plan.unchanged} unchanged")
    now = datetime.now(UTC)
    report = {
        "source": str(source),
        "read": what,
        "records": len(records),
        "today": today.isoformat(),
        "added": [c.__dict__ for c in plan.added],
        "changed": [c.__dict__ for c in plan.changed],
        "withdrawn": [c.__dict__ for c in plan.withdrawn],
        "unchanged": plan.unchanged,
        "problems": [p.__dict__ for p in problems],
    }
    out = Path(args.out)
    if not (plan.added or plan.changed or plan.withdrawn):
        print(f"no changes: the catalog stays {build_catalog(cfg, now)['version']}; nothing written")
        return 0
    header = (
        "# 事项目录：由 python -m queue_broker catalog import 从省事项库导出生成（national 为国家事项库字段，其余为本厅设置）\n"
        f"# Written by `catalog import` from {source.name} on {today}; the hall's own settings of each item are kept.\n"
    )
    try:
        written = write_catalog(site_path, plan, out, header, now)
    except ImportError_ as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{out}: cannot write: {exc.strerror or exc}")
    report["catalog_version"] = written.catalog_version
    report["files"] = [str(f) for f in written.files]
    (out / "catalog-import-report.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=1, default=str), "utf-8"
    )
    old = build_catalog(cfg, now)["version"]
    print(f"catalog {old} -> {written.catalog_version}: wrote {', '.join(str(f) for f in written.files)}")
    if args.apply:
        return _apply(cfg, site_path, written.files, args)
    return 0


def _usage(cfg: SiteConfig) -> Any:
    from ..engine.records import ENDED
    from ..platform.catalog_import import Usage

    usage = Usage()
    engine = hall_engine(cfg)
    if engine is None:
        return usage
    for t in engine.tickets.values():
        if t.state not in ENDED and t.state != "handed_over":
            usage.waiting[t.service_id] = usage.waiting.get(t.service_id, 0) + 1
    for a in engine.appointments.values():
        if a.state == "booked":
            usage.booked.setdefault(a.service_id, []).append(a.slot_start.astimezone(engine.tz).date())
    return usage


def _apply(cfg: SiteConfig, site_path: Path, files: list[Path], args: argparse.Namespace) -> int:
    """Put the written files where the site file reads them (keeping the old ones as .bak) and ask the
    running broker to reload; if it refuses, the old files go back."""
    backups: list[tuple[Path, Path]] = []
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    for f in files:
        target = site_path.parent / f.name
        if target.resolve() == f.resolve():
            backup = None
        else:
            backup = target.with_name(f"{target.name}.{stamp}.bak")
            if target.exists():
                shutil.copy2(target, backup)
                backups.append((backup, target))
            tmp = target.with_name(f".{target.name}.{stamp}.new")
            shutil.copy2(f, tmp)
            os.replace(tmp, target)
    status = send_reload(
        cfg, args.note or f"catalog import {Path(args.file).name}", args.operator, args.node, args.timeout
    )
    if status == 2:
        for backup, target in backups:
            os.replace(backup, target)
        print("the broker refused the new catalog: the previous files are back in place", file=sys.stderr)
    return status


# ---------------------------------------------------------------------------------- catalog publish
def cmd_catalog_publish(args: argparse.Namespace) -> int:
    from ..platform.publish import render_site, write_site

    cfg = load_or_exit(args.config)
    day = args.date or _local_today(cfg)
    files = render_site(cfg, day)
    out = Path(args.out)
    try:
        write_site(files, out)
    except OSError as exc:
        return _fail(f"{out}: cannot write: {exc.strerror or exc}")
    feed = json.loads(files["catalog.json"])
    pages = sum(1 for f in files if f.startswith("items/"))
    print(f"catalog {feed['version']} of {day}: {pages} item pages, index, catalog.json in {out}")
    return 0


# ---------------------------------------------------------------------------------- reload
def send_reload(cfg: SiteConfig, note: str, operator: str | None, node: str | None, timeout: float) -> int:
    from ..link import HallLink, LinkError, parse_mqtt_url

    url = os.environ.get("HALL_MQTT_URL") or cfg.mqtt.url
    node_id = node or parse_mqtt_url(url).username or "operator-cli"
    link = HallLink(
        url, cfg.site.id, node_id, "supervisor", ca_file=os.environ.get("HALL_MQTT_CA_FILE") or cfg.mqtt.ca_file
    )
    link.start()
    try:
        if not link.wait_connected(timeout):
            return _fail(f"cannot reach the hall's MQTT broker at {parse_mqtt_url(url)}", 1)
        payload: dict[str, Any] = {"request_id": f"reload-{node_id}-{datetime.now(UTC).timestamp():.6f}"}
        if note:
            payload["note"] = note
        if operator:
            payload["operator"] = operator
        try:
            reply = link.request(link.topics.supervisor_cmd("reload"), payload, timeout)
        except LinkError as exc:
            return _fail(f"the queue broker did not answer: {exc}", 1)
    finally:
        link.stop()
    if not reply.get("ok"):
        for line in reply.get("problems") or [reply["error"]["message"]]:
            print(line, file=sys.stderr)
        return 2
    config = reply["config"]
    if config.get("state") == "unchanged":
        print(f"configuration {config['version']}: unchanged")
        return 0
    print(
        f"configuration {config.get('from_version')} -> {config['version']} applied (catalog {config['catalog_version']})"
    )
    for line in config.get("changes", []):
        print(f"  {line}")
    for line in config.get("restart_needed", []):
        print(f"  needs a restart: {line}")
    return 0


def cmd_reload(args: argparse.Namespace) -> int:
    cfg = load_or_exit(args.config)
    return send_reload(cfg, args.note or "", args.operator, args.node, args.timeout)


# ---------------------------------------------------------------------------------- ratings
def cmd_ratings_export(args: argparse.Namespace) -> int:
    import csv
    import io

    from ..platform.ratings import FIELDS, RECTIFICATION_FIELDS, ProvinceMapping, map_record, rating_record
    from ..platform.uplink import load_mapping

    if args.to < args.start:
        return _fail(f"--to {args.to} is before --from {args.start}")
    cfg = load_or_exit(args.config)
    try:
        mapping = load_yaml_model(args.mapping, ProvinceMapping) if args.mapping else None
        if args.mapping is None and args.province_keys:
            mapping = load_mapping(cfg)
    except ConfigError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        return 2
    engine = hall_engine(cfg)
    if engine is None:
        return _fail(f"the hall has no event store in {cfg.data_dir} (HALL_DATA_DIR or HALL_DB_URL)")
    index = {tid: no for (tid, _sid), no in engine.application_by_ticket.items()}
    records = []
    for tid, r in engine.ratings.items():
        day = r["at"].astimezone(engine.tz).date()
        if args.start <= day <= args.to:
            record = rating_record(engine, tid, index)
            if record is not None:
                records.append(record)
    records.sort(key=lambda rec: (rec["rated_at"], rec["eval_id"]))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.format == "json":
        body = {
            "site_id": cfg.site.id,
            "site_name": cfg.site.name,
            "from": args.start.isoformat(),
            "to": args.to.isoformat(),
            "generated_at": datetime.now(UTC).astimezone(engine.tz).isoformat(),
            "count": len(records),
            "records": [map_record(rec, mapping) if mapping else rec for rec in records],
        }
        text = json.dumps(body, ensure_ascii=False, indent=1) + "\n"
    else:
        columns = [f for f in FIELDS if f != "rectification"] + [f"rectification.{f}" for f in RECTIFICATION_FIELDS]
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow([(mapping.fields.get(c) or c) if mapping else c for c in columns])
        for rec in records:
            rect = rec["rectification"] or {}
            row = {**rec, **{f"rectification.{k}": rect.get(k) for k in RECTIFICATION_FIELDS}}
            row["reasons"] = "；".join(rec["reasons"])
            row["is_default"] = int(rec["is_default"])
            w.writerow(["" if row.get(c) is None else row[c] for c in columns])
        text = "\ufeff" + buf.getvalue()  # UTF-8 with BOM: Excel and WPS open it without garbled Chinese
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)
    bad = sum(1 for rec in records if rec["level"] <= 2)
    print(
        f"{len(records)} ratings ({bad} bad, {sum(rec['is_default'] for rec in records)} default) {args.start} – {args.to}: {out}"
    )
    return 0


def cmd_ratings_status(args: argparse.Namespace) -> int:
    from ..platform.outbox import PlatformOutbox

    cfg = load_or_exit(args.config)
    path = Path(cfg.data_dir) / "platform-outbox.db"
    if not path.is_file():
        return _fail(f"no platform outbox in {cfg.data_dir} yet (the broker makes it when it starts)")
    box = PlatformOutbox(str(path))
    try:
        for kind, endpoint in (("rating", cfg.platform.ratings_endpoint), ("notice", cfg.platform.notice_endpoint)):
            s = box.summary(kind)
            print(
                f"{kind}s: {s['pending']} pending, {s['acked']} acknowledged"
                + (f", oldest pending since {s['oldest_pending_at']}" if s["pending"] else "")
                + (f", last acknowledgement {s['last_ack_at']}" if s["last_ack_at"] else "")
                + ("" if endpoint else " (no endpoint configured: they wait)")
            )
            if s["last_error"]:
                print(f"  last error: {s['last_error']}")
        pending = box.pending(limit=args.limit)
        if pending:
            print(f"{'kind':<8}{'key':<40}{'tries':>6}  {'next try':<33}last error")
            for p in pending:
                print(f"{p.kind:<8}{p.key:<40}{p.attempts:>6}  {p.next_try_at:<33}{p.last_error or ''}")
    finally:
        box.close()
    return 0


# ---------------------------------------------------------------------------------- registration
def _reload_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--note", help="why (kept in the audit log)")
    p.add_argument("--operator", help="who asked (kept in the audit log beside the node)")
    p.add_argument("--node", help="the MQTT node id to speak as (default: the user of HALL_MQTT_URL)")
    p.add_argument("--timeout", type=float, default=10.0)


def register_catalog(csub: argparse._SubParsersAction) -> None:
    p = csub.add_parser("import", help="take a 事项库 export into the site's catalog")
    p.add_argument("file")
    p.add_argument("--mapping", help="YAML: the province's keys and values in platform.md's terms")
    p.add_argument("--config", required=True)
    p.add_argument("--out", required=True, help="folder for the new catalog (the site's own folder to replace it)")
    p.add_argument("--apply", action="store_true", help="put it in place and have the running broker reload")
    p.add_argument("--format", choices=("json", "csv", "xlsx"))
    p.add_argument("--encoding", help="default: UTF-8, else GBK")
    p.add_argument("--today", type=_day, help="the import's day (default: today in the hall's time zone)")
    _reload_args(p)
    p.set_defaults(func=cmd_catalog_import)
    register_publish(csub)


def register_publish(csub: argparse._SubParsersAction) -> None:
    p = csub.add_parser("publish", help="the catalog as a static site and a JSON feed")
    p.add_argument("--config", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--date", type=_day, help="the catalog of this day (default: today in the hall's time zone)")
    p.set_defaults(func=cmd_catalog_publish)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reload", help="have the running broker take the site file again (catalog, hours)")
    p.add_argument("--config", required=True)
    _reload_args(p)
    p.set_defaults(func=cmd_reload)

    p = sub.add_parser("ratings", help="好差评 records for the provincial platform")
    rsub = p.add_subparsers(dest="ratings_command", required=True)
    e = rsub.add_parser("export", help="every rating of a period with the fields of platform.md section 4")
    e.add_argument("--config", required=True)
    e.add_argument("--from", dest="start", type=_day, required=True)
    e.add_argument("--to", type=_day, required=True)
    e.add_argument("--format", choices=("json", "csv"), required=True)
    e.add_argument("--out", required=True)
    e.add_argument("--mapping", help="YAML: the province's keys (default: platform.md's field names)")
    e.add_argument("--province-keys", action="store_true", help="use the site's platform.ratings_mapping")
    e.set_defaults(func=cmd_ratings_export)
    s = rsub.add_parser("status", help="what the uplink has not had acknowledged yet")
    s.add_argument("--config", required=True)
    s.add_argument("--limit", type=int, default=50)
    s.set_defaults(func=cmd_ratings_status)
