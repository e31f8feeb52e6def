"""python -m queue_broker.plan COMMAND: planning on a hall-day scenario (docs/planning.md).

forecast-backtest SCENARIO --weeks 8 --seeds N [--json]     the forecast against the oracle and naive
cross-train SCENARIO --max-extra K --seeds N --out NEW.yaml  the K extra skills that cut waiting most
day-plan SCENARIO [--seeds N] [--json]                       counters needed per half-hour, checked by simulation
make-history SCENARIO --weeks 8 --out DIR                    a demonstration hall with simulated history
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date

from ..sim.runner import default_workers
from ..sim.scenario import Scenario, load_scenario


def cmd_backtest(args: argparse.Namespace, scn: Scenario) -> int:
    from .backtest import DEFAULT_TEST_WEEK, backtest

    t0 = time.monotonic()
    start = date.fromisoformat(args.test_week) if args.test_week else DEFAULT_TEST_WEEK
    if start.weekday() != 0:
        print(f"--test-week {start} is not a Monday", file=sys.stderr)
        return 2
    out = backtest(scn, weeks=args.weeks, seeds=args.seeds, test_start=start, workers=args.workers)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"{out['scenario']}: {args.weeks} weeks of history, {args.seeds} seeds, test week {out['test_week']}")
    print(f"  WAPE {out['wape']:.3f}   oracle {out['oracle_wape']:.3f}   naive {out['naive_wape']:.3f}")
    print(
        f"  against the oracle {out['wape'] / out['oracle_wape']:.3f}, against naive "
        f"{out['wape'] / out['naive_wape']:.3f}; 80 % interval covers {out['interval_coverage']:.1%} of cells"
    )
    print(f"  {time.monotonic() - t0:.1f} s")
    return 0


def cmd_cross_train(args: argparse.Namespace, scn: Scenario) -> int:
    from pathlib import Path

    from .crosstrain import Link, advise, apply_plan, with_skills

    k = args.max_extra if args.max_extra is not None else len(scn.queues)
    if k < 0:
        print("--max-extra must not be negative", file=sys.stderr)
        return 2
    say = (lambda msg: print(msg, file=sys.stderr)) if not args.quiet else None
    out = advise(scn, k, args.seeds, workers=args.workers, say=say)
    if args.out:
        plan = [Link(r["counter"], r["add_queue"]) for r in out["plan"]]
        text = with_skills(Path(args.scenario).read_text(encoding="utf-8"), plan)
        check = load_scenario_text(text)
        if check != apply_plan(scn, plan):  # the file says exactly what was simulated
            print("internal error: the written scenario differs from the simulated plan", file=sys.stderr)
            return 1
        Path(args.out).write_text(text, encoding="utf-8")
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    b, a = out["before"], out["after"]
    print(
        f"{out['scenario']}: {len(out['plan'])} extra skills ({out['structure']}), {args.seeds} seeds, {out['seconds']} s"
    )
    for row in out["plan"]:
        print("  " + row.get("advice", f"{row['counter']} + {row['add_queue']}"))
    for name, m, g in (("before", b, out["gap_closed_before"]), ("after", a, out["gap_closed_after"])):
        print(
            f"  {name:<6} mean {m['mean_wait_min']:.2f} min, p90 {m['p90_wait_min']:.1f}, over 20 min "
            f"{m['share_over_20_min']:.1%}, worst queue {max(m['per_queue_mean_wait_min'].values()):.1f}, gap closed {g:.1%}"
        )
    if args.out:
        print(f"  written: {args.out}")
    return 0


def cmd_day_plan(args: argparse.Namespace, scn: Scenario) -> int:
    from ..sim.runner import simulate
    from .dayplan import plan_for_scenario, table_lines
    from .forecast import cell_label

    t0 = time.monotonic()
    plan, _fc = plan_for_scenario(scn, check_days=args.check_days)
    out = plan.to_json()
    if args.seeds:
        # the hall as it is (its own counters, the tidal policy, no reserves): where does it break the
        # promise? The half-hours the plan marks short should be those.
        runs = simulate(
            scn.model_copy(update={"reserve": []}), ["tidal"], args.seeds, workers=args.workers, collect=True
        )
        run = runs["tidal"]
        assert run.half_hour_sum is not None and run.half_hour_n is not None  # collected: seeds > 0
        shares = _over_sla_by_half_hour(scn, args.seeds, args.workers)
        out["simulated_hall"] = {
            "policy": "tidal",
            "seeds": args.seeds,
            "mean_wait_by_half_hour": [
                round(float(s / n), 2) if n else None for s, n in zip(run.half_hour_sum, run.half_hour_n, strict=True)
            ],
            "share_over_20_by_half_hour": shares,
        }
    out["seconds"] = round(time.monotonic() - t0, 1)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"{scn.name}: day plan for {plan.day} ({out['windows']} windows, {out['reserves']} reserve clerks)")
    print("\n".join(table_lines(out)))
    if "simulated_hall" in out:
        cells = [cell_label(c) for c in plan.cells]
        sh = out["simulated_hall"]["share_over_20_by_half_hour"]
        print("hall >20  " + " ".join(f"{(sh.get(h) or 0):>5.0%}" for h in cells))
    print(f"{out['seconds']} s")
    return 0


def _over_sla_by_half_hour(scn, seeds: int, workers: int) -> dict[str, float]:
    """Share of citizens over 20 minutes by the half-hour they took their ticket (tidal, no reserves)."""
    from concurrent.futures import ProcessPoolExecutor

    jobs = [(scn.model_copy(update={"reserve": []}).model_dump(), s) for s in range(seeds)]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(_half_hour_job, jobs))
    else:
        parts = [_half_hour_job(j) for j in jobs]
    over: dict[str, list[int]] = {}
    for part in parts:
        for k, (o, n) in part.items():
            acc = over.setdefault(k, [0, 0])
            acc[0] += o
            acc[1] += n
    return {k: round(o / n, 4) for k, (o, n) in sorted(over.items()) if n}


def _half_hour_job(job) -> dict[str, tuple[int, int]]:
    from ..sim.hall_day import run_day
    from ..sim.scenario import Scenario

    data, seed = job
    scn = Scenario.model_validate(data)
    r = run_day(scn, "tidal", seed)
    out: dict[str, list[int]] = {}
    opens = Scenario._hm(scn.day.opens)
    for t in r.tickets:
        if t.wait_min is None:
            continue
        minute = opens + t.issued_min
        label = f"{int(minute // 30 * 30) // 60:02d}:{int(minute // 30 * 30) % 60:02d}"
        acc = out.setdefault(label, [0, 0])
        acc[0] += int(t.wait_min > 20.0)
        acc[1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


def cmd_make_history(args: argparse.Namespace, scn: Scenario) -> int:
    from pathlib import Path

    from .demo import default_period, make_history

    start, end = default_period(args.weeks, date.fromisoformat(args.until) if args.until else date(2026, 6, 8))
    out = make_history(scn, Path(args.out), start=start, end=end, policy=args.policy, seed=args.seed)
    print(json.dumps(out, ensure_ascii=False))
    return 0


def load_scenario_text(text: str):
    import yaml

    from ..sim.scenario import Scenario

    return Scenario.model_validate(yaml.safe_load(text))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m queue_broker.plan", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("forecast-backtest", help="the forecast on generated history against the oracle and naive")
    p.add_argument("scenario")
    p.add_argument("--weeks", type=int, default=8, help="weeks of history before the test week")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--test-week", help="the Monday the test week starts (default 2026-06-08)")
    p.add_argument("--workers", type=int, default=default_workers())
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_backtest)

    p = sub.add_parser("cross-train", help="the extra skills (at most one per counter) that cut waiting most")
    p.add_argument("scenario")
    p.add_argument("--max-extra", type=int, help="how many extra skills (default: the number of queues)")
    p.add_argument("--seeds", type=int, default=20)
    p.add_argument("--out", help="write the scenario with the skills added (only eligible lists grow)")
    p.add_argument("--workers", type=int, default=default_workers())
    p.add_argument("--json", action="store_true")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.set_defaults(func=cmd_cross_train)

    p = sub.add_parser(
        "day-plan", help="counters needed per half-hour (Erlang C, checked by simulation) against the hall's"
    )
    p.add_argument("scenario")
    p.add_argument("--seeds", type=int, default=10, help="days of the hall itself simulated beside the plan (0: none)")
    p.add_argument("--check-days", type=int, default=80, help="sampled days of the plan's own check")
    p.add_argument("--workers", type=int, default=default_workers())
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_day_plan)

    p = sub.add_parser("make-history", help="a demonstration hall with weeks of simulated history (site file + store)")
    p.add_argument("scenario")
    p.add_argument("--weeks", type=int, default=8)
    p.add_argument("--until", help="the day after the last one simulated (default 2026-06-08)")
    p.add_argument("--out", required=True, help="the folder for site.yaml and var/hall.db")
    p.add_argument("--policy", default="skills")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_make_history)

    args = ap.parse_args(argv)
    if getattr(args, "seeds", 1) < (0 if args.command == "day-plan" else 1) or getattr(args, "weeks", 1) < 1:
        ap.error("--seeds and --weeks must be at least 1")
    try:  # every command plans on a scenario
        scn = load_scenario(args.scenario)
    except (OSError, ValueError) as exc:
        print(f"{args.scenario}: {exc}", file=sys.stderr)
        return 2
    return args.func(args, scn)


if __name__ == "__main__":
    sys.exit(main())
