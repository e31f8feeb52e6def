"""`python -m queue_broker report`: the supervision report of a period, from the event store; with several
`--config`, one report over several halls (each hall's figures and the totals)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from ..config.loader import load_or_exit
from ..store import SqliteEventStore
from .hall import hall_store

FORMATS = ("csv", "html", "pdf", "md")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _store(cfg, db: str | None):
    """The hall's own event store: `--db` (a copy of its SQLite file), else its data folder or, with
    HALL_DB_URL, the shared PostgreSQL database (one log per site id)."""
    if db:
        return SqliteEventStore(db)
    return hall_store(cfg)


def cmd_report(args: argparse.Namespace) -> int:
    from ..reports.model import build_report, load_period
    from ..reports.render import to_csv, write

    if args.to < args.start:
        print(f"--to {args.to} is before --from {args.start}", file=sys.stderr)
        return 2
    dbs = args.db or []
    if dbs and len(dbs) != len(args.config):
        print(
            f"--db given {len(dbs)} times for {len(args.config)} --config: one per hall, in the same order",
            file=sys.stderr,
        )
        return 2
    missing = [d for d in dbs if not Path(d).is_file()]
    if missing:
        print(f"--db {missing[0]}: no such file", file=sys.stderr)
        return 2
    configs = [load_or_exit(c) for c in args.config]
    periods = []
    for i, cfg in enumerate(configs):
        store = _store(cfg, dbs[i] if dbs else None)
        try:
            periods.append(load_period(cfg, store, args.start, args.to))
        finally:
            store.close()
    if len(periods) > 1:
        return _county(args, periods)
    report = build_report(periods[0])
    hall = report.rows["hall"][0]
    summary = (
        f"{report.start} – {report.end}: {hall.tickets} tickets, {hall.served} served, "
        f"{len(report.alert_rows)} alerts, from {report.events} events"
    )
    return _output(args, report, to_csv, write, f"report-{args.start}-{args.to}", summary)


def _county(args: argparse.Namespace, periods: list) -> int:
    from ..reports.county import build_county_report
    from ..reports.county_render import to_csv, write

    try:
        report = build_county_report(periods)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    summary = (
        f"{report.start} – {report.end}: {len(report.halls)} halls, {report.total.tickets} tickets, "
        f"{report.total.served} served, from {report.events} events"
    )
    return _output(args, report, to_csv, write, f"report-{len(periods)}-halls-{args.start}-{args.to}", summary)


def _output(
    args: argparse.Namespace,
    report: Any,
    to_csv: Callable[[Any], dict[str, str]],
    write: Callable[[Any, str, Path], list[Path]],
    name: str,
    summary: str,
) -> int:
    """A hall's or a county's report as --format says: csv without --out is its main table on stdout;
    else the files (--out, or NAME.FORMAT here), their paths printed and the summary after them on stderr."""
    if args.out is None and args.format == "csv":
        sys.stdout.write(to_csv(report)["report.csv"])
        return 0
    for path in write(report, args.format, Path(args.out or f"{name}.{args.format}")):
        print(path)
    print(summary, file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="supervision report of a period (csv, html, pdf, md), of one hall or several")
    p.add_argument(
        "--config",
        required=True,
        action="append",
        help="the hall's site YAML; repeat for a report over several halls (each hall's store)",
    )
    p.add_argument(
        "--db",
        action="append",
        help="a hall's SQLite event store (hall.db, or a copy of it) instead of its data folder; "
        "once per --config, in the same order",
    )
    p.add_argument("--from", dest="start", type=_day, required=True, help="first day, YYYY-MM-DD")
    p.add_argument("--to", type=_day, required=True, help="last day, YYYY-MM-DD (included)")
    p.add_argument("--format", choices=FORMATS, default="html")
    p.add_argument(
        "--out",
        help="the file to write (HTML and Markdown put charts in charts/ beside it); "
        "csv without --out prints the main table",
    )
    p.set_defaults(func=cmd_report)
