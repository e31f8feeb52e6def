"""`python -m queue_broker report`: the supervision report of a period, from the event store."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from ..config.loader import load_or_exit
from ..store import open_store

FORMATS = ("csv", "html", "pdf", "md")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def cmd_report(args: argparse.Namespace) -> int:
    from ..reports.model import build_report, load_period
    from ..reports.render import to_csv, write

    if args.to < args.start:
        print(f"--to {args.to} is before --from {args.start}", file=sys.stderr)
        return 2
    cfg = load_or_exit(args.config)
    store = open_store(cfg.data_dir, os.environ.get("HALL_DB_URL"), cfg.site.id)
    try:
        report = build_report(load_period(cfg, store, args.start, args.to))
    finally:
        store.close()
    if args.out is None and args.format == "csv":
        sys.stdout.write(to_csv(report)["report.csv"])
        return 0
    out = Path(args.out or f"report-{args.start}-{args.to}.{args.format}")
    for path in write(report, args.format, out):
        print(path)
    hall = report.rows["hall"][0]
    print(f"{report.start} – {report.end}: {hall.tickets} tickets, {hall.served} served, "
          f"{len(report.alert_rows)} alerts, from {report.events} events", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="supervision report of a period (csv, html, pdf, md)")
    p.add_argument("--config", required=True)
    p.add_argument("--from", dest="start", type=_day, required=True, help="first day, YYYY-MM-DD")
    p.add_argument("--to", type=_day, required=True, help="last day, YYYY-MM-DD (included)")
    p.add_argument("--format", choices=FORMATS, default="html")
    p.add_argument("--out", help="the file to write (HTML and Markdown put charts in charts/ beside it); "
                                 "csv without --out prints the main table")
    p.set_defaults(func=cmd_report)
