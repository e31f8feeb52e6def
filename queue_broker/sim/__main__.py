"""python -m queue_broker.sim SCENARIO.yaml --seeds N [--json] [--policies static,skills,...] [--workers W]

Simulates the hall day of the scenario under each policy, driving the production engine (and, for
`tidal`, the broker's own rebalancer task), and prints the seed-averaged metrics: a table, or with
`--json` the object described in the scenarios README.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from .policies import EXTRA_POLICIES, POLICIES, RESERVE_POLICIES
from .runner import run_file


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m queue_broker.sim", description=__doc__.splitlines()[0])
    ap.add_argument("scenario", help="scenario YAML (see examples/scenarios/)")
    ap.add_argument("--seeds", type=int, default=10, help="days simulated per policy (seeds 0..N-1)")
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument(
        "--policies",
        default=None,
        help=f"comma-separated, from {', '.join(POLICIES)} (and {', '.join(EXTRA_POLICIES)}); default the five, "
        "and reactive-reserve when the scenario has reserves",
    )
    ap.add_argument("--workers", type=int, default=1, help="processes (the days are independent)")
    ap.add_argument("--json", action="store_true", help="print the README's JSON object")
    args = ap.parse_args(argv)
    if args.policies is None:
        policies = list(POLICIES) + (list(RESERVE_POLICIES) if _has_reserves(args.scenario) else [])
    else:
        policies = [p.strip() for p in args.policies.split(",") if p.strip()]
    unknown = [p for p in policies if p not in POLICIES + EXTRA_POLICIES]
    if unknown:
        ap.error(f"unknown policy {', '.join(unknown)}; choose from {', '.join(POLICIES + EXTRA_POLICIES)}")
    if args.seeds < 1:
        ap.error("--seeds must be at least 1")
    t0 = time.monotonic()
    try:
        out = run_file(args.scenario, policies, args.seeds, workers=args.workers, first_seed=args.first_seed)
    except (OSError, ValueError) as exc:
        print(f"{args.scenario}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    cols = (
        "mean_wait_min",
        "p90_wait_min",
        "max_wait_min",
        "share_over_20_min",
        "switches_per_day",
        "utilisation",
        "last_finish",
        "estimate_mae_min",
        "estimate_p80_coverage",
    )
    print(f"{out['scenario']}: {args.seeds} seeds, {time.monotonic() - t0:.1f} s")
    width = max(10, *(len(p) for p in out["policies"]))
    print(f"{'policy':<{width}} " + " ".join(f"{c[:14]:>14}" for c in cols))
    for p, m in out["policies"].items():
        print(f"{p:<{width}} " + " ".join(f"{m[c]:>14}" if isinstance(m[c], str) else f"{m[c]:>14.3f}" for c in cols))
    if out["gap_closed"] is not None:
        print(f"gap closed by tidal: {out['gap_closed']:.1%}")
    return 0


def _has_reserves(path: str) -> bool:
    """Does the scenario have reserve clerks (then the README's reference rule for them runs too)?"""
    from .scenario import load_scenario

    try:
        return bool(load_scenario(path).reserve)
    except (OSError, ValueError):
        return False  # the run itself reports the problem


if __name__ == "__main__":
    sys.exit(main())
