"""`python -m queue_broker forecast | day-plan | cross-train --config SITE.yaml`: planning from the hall's
own event log (docs/planning.md). `--db` reads a copy of the hall's SQLite store instead of its data
folder (as `report` does)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from ..config.loader import load_or_exit


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _history(args: argparse.Namespace):
    from ..plan.hall import read_history
    from .report import _store

    cfg = load_or_exit(args.config)
    if args.db and not Path(args.db).is_file():
        print(f"--db {args.db}: no such file", file=sys.stderr)
        sys.exit(2)
    store = _store(cfg, args.db)
    try:
        from zoneinfo import ZoneInfo

        history = read_history((row.event for row in store.iter_events()), ZoneInfo(cfg.site.timezone))
    finally:
        store.close()
    return cfg, history


def _target(args: argparse.Namespace, cfg, what: str) -> date:
    from zoneinfo import ZoneInfo

    from ..supervision.calendar import WorkCalendar

    if args.day:
        return args.day
    today = datetime.now(UTC).astimezone(ZoneInfo(cfg.site.timezone)).date()
    return WorkCalendar.from_config(cfg).next_working_day(today) if what != "cross-train" else today


def cmd_forecast(args: argparse.Namespace) -> int:
    from ..plan.hall import forecast, forecast_json

    cfg, history = _history(args)
    day = _target(args, cfg, "forecast")
    fc = forecast(cfg, history, day)
    out = forecast_json(cfg, fc)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    if not fc.marks.working:
        print(f"{day}: the hall is closed ({fc.marks.kind})")
        return 0
    flags = [k for k, v in out["flags"].items() if v]
    print(
        f"{cfg.site.name} {day} ({fc.marks.kind}{', ' + ', '.join(flags) if flags else ''}), from {fc.history_days} days"
    )
    print(f"{'queue':<8}{'expected':>9}  80 % range   by half-hour")
    for q in out["queues"]:
        t = q["total"]
        halves = " ".join(f"{h['mean']:.0f}" for h in q["half_hours"])
        print(f"{q['id']:<8}{t['mean']:>9.1f}  {t['p10']:>4}–{t['p90']:<5}  {halves}")
    print(
        f"half-hours from {out['half_hours'][0]} to {out['half_hours'][-1]}"
        if out["half_hours"]
        else "no tickets expected"
    )
    return 0


def cmd_day_plan(args: argparse.Namespace) -> int:
    from ..plan.dayplan import table_lines
    from ..plan.hall import day_plan

    cfg, history = _history(args)
    day = _target(args, cfg, "day-plan")
    plan, fc = day_plan(cfg, history, day, check_days=args.check_days)
    out = plan.to_json()
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    if not plan.cells:
        print(f"{day}: no tickets expected (the hall is closed, or it has no history yet)")
        return 0
    print(
        f"{cfg.site.name} {day}: counters needed per half-hour ({out['windows']} windows, {out['reserves']} reserves)"
    )
    print("\n".join(table_lines(out)))
    return 0


def cmd_cross_train(args: argparse.Namespace) -> int:
    from ..plan.crosstrain import advise
    from ..plan.hall import scenario_from_history
    from ..sim.runner import default_workers
    from ..sim.scenario import Scenario

    cfg, history = _history(args)
    until = _target(args, cfg, "cross-train")
    try:
        data = scenario_from_history(cfg, history, until, days=args.days)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    scn = Scenario.model_validate(data)
    k = args.max_extra if args.max_extra is not None else len(scn.queues)
    say = None if args.json else (lambda msg: print(msg, file=sys.stderr))
    numbers = {c.id: c.number for c in cfg.counters}
    out = advise(scn, k, args.seeds, workers=args.workers or default_workers(), say=say, numbers=numbers)
    out["history_scenario"] = data
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"{cfg.site.name}: {len(out['plan'])} extra skills from {data['name']} ({out['structure']})")
    for row in out["plan"]:
        print("  " + row.get("advice", f"{row['counter']} + {row['add_queue']}"))
    for name in ("before", "after"):
        m = out[name]
        print(f"  {name:<6} mean {m['mean_wait_min']:.2f} min, over 20 min {m['share_over_20_min']:.1%}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    for name, func, text in (
        ("forecast", cmd_forecast, "expected tickets per queue and half-hour for a day, from the hall's history"),
        ("day-plan", cmd_day_plan, "counters needed per half-hour against the hall's, from the forecast"),
        ("cross-train", cmd_cross_train, "the extra skills that cut waiting most, from the hall's history"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--config", required=True)
        p.add_argument("--db", help="a copy of the hall's SQLite store instead of its data folder")
        p.add_argument("--day", type=_day, help="the day (default: the next working day; cross-train: today)")
        p.add_argument("--json", action="store_true")
        if name == "day-plan":
            p.add_argument("--check-days", type=int, default=80)
        if name == "cross-train":
            p.add_argument("--max-extra", type=int)
            p.add_argument("--seeds", type=int, default=20)
            p.add_argument("--days", type=int, default=20, help="working days of history the hall's day is made of")
            p.add_argument("--workers", type=int, default=0)
        p.set_defaults(func=func)
