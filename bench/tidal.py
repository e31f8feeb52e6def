"""Tidal windows benchmark: the standard and surge days, five policies, 100 seeds each.

    .venv/bin/python bench/tidal.py                  # the two days (2 scenarios x 5 policies x 100 seeds)
    .venv/bin/python bench/tidal.py --others 40      # also the project's other scenarios, 40 seeds
    .venv/bin/python bench/tidal.py --bounds 100     # also what more flexibility would give (see doc)

Beside the README's five policies every scenario also runs `tidal-narrowing` (the rebalancer with the
site's `rebalancer.narrow_sets` on), the measurement behind its default (docs/tidal.md, "Narrowing").

Every day drives the production engine; `tidal` is the broker's own rebalancer task. Writes the
results section of docs/tidal.md (between the `results` markers), docs/img/tidal-*.png, and prints
the README's JSON objects. Two worker processes by default (the days are independent).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from procfs import cpu_model, write_results  # noqa: E402  (bench/, on sys.path when run as a script)

from queue_broker.engine.commands import AssignCounter  # noqa: E402
from queue_broker.sim import policies as P  # noqa: E402
from queue_broker.sim.hall_day import SAMPLE_MIN  # noqa: E402
from queue_broker.sim.runner import simulate, summary  # noqa: E402
from queue_broker.sim.scenario import Scenario, load_scenario  # noqa: E402

SCEN = ROOT / "examples" / "scenarios"
DAYS = {"standard": SCEN / "standard-day.yaml", "surge": SCEN / "standard-day-surge.yaml"}
OTHERS = {
    "township": SCEN / "township-hall.yaml",
    "skills-mix": SCEN / "skills-mix.yaml",
    "afternoon-surge": SCEN / "afternoon-surge.yaml",
    "small-township": SCEN / "small-township.yaml",
    "city-hall": SCEN / "city-hall.yaml",
    "all-flexible": SCEN / "all-flexible.yaml",
}
RUN = (*P.POLICIES, "tidal-narrowing")
DOC = ROOT / "docs" / "tidal.md"
IMG = ROOT / "docs" / "img"
COLORS = {
    "static": "#888888",
    "skills": "#1f77b4",
    "threshold": "#ff7f0e",
    "tidal": "#d62728",
    "pooled": "#2ca02c",
}  # the plots show the README's five policies


# ---------------------------------------------------------------------------------- flexibility bounds
class TidalAnyQueue(P.Policy):
    """Not a policy the hall can run: each tidal counter serves EVERY queue (beyond its eligibility),
    longest wait first, no switch cost. How far six flexible counters could go at most."""

    name = "bound-any-queue"

    def setup(self, engine, now):
        everything = tuple(q.id for q in self.config.queues)
        return [
            AssignCounter(c.id, everything, "fixed", False, by="bench")
            for c in self.config.counters
            if len(c.eligible) > 1
        ]


def _replace_calling(rule):
    """For a bound: counters serving several queues call by `rule(tickets, now, stats)` instead of the
    engine's rule, in this process and the workers it forks for the next run. Returns the undo."""
    import queue_broker.engine.hall as hall

    plain = hall.choose_next

    def choose(waiting, now, stats, share, weights, loads=None):
        tickets = list(waiting)
        if len({t.queue_id for t in tickets}) < 2:
            return plain(tickets, now, stats, share, weights, loads)
        return rule(tickets, now, stats)

    hall.choose_next = choose

    def restore() -> None:
        hall.choose_next = plain

    return restore


def gcmu(tickets, now, stats):
    """Bound 2 (with `skills`): the generalised c-mu rule, waiting time / mean service time."""
    return max(
        tickets,
        key=lambda t: (
            (now - t.issued_at).total_seconds() / stats[t.queue_id].mean_service_s,
            -t.issued_at.timestamp(),
        ),
    )


def save_first(tickets, now, stats, sla_s: float = 20 * 60.0):
    """Bound 3 (with `bound-any-queue`): of the queues' first citizens, the longest wait among those
    who can still be called within the SLA; the others (already past it) only when nobody can. Not a
    rule a hall should run: it makes the longest waits longer to lower a count."""
    heads: dict[str, object] = {}
    for t in tickets:
        h = heads.get(t.queue_id)
        if h is None or t.issued_at < h.issued_at:
            heads[t.queue_id] = t
    savable = [h for h in heads.values() if (now - h.issued_at).total_seconds() < sla_s]
    return min(savable or heads.values(), key=lambda t: t.issued_at)


P._CLASSES[TidalAnyQueue.name] = TidalAnyQueue


# ---------------------------------------------------------------------------------- output
def machine() -> dict[str, str]:
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu_model() or "unknown",
        "python": platform.python_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def fmt(x: float, d: int = 2) -> str:
    return f"{x:.{d}f}"


def table(res: dict, with_est: bool = True) -> str:
    pols = res["policies"]
    qids = list(next(iter(pols.values()))["per_queue_mean_wait_min"])
    head = ["policy", "mean", "p90", "max", ">20 min", "worst queue", "switches", "util.", "last"]
    if with_est:
        head += ["MAE", "p80 cover", "p80 cover (waited)"]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for p, m in pols.items():
        worst = max(qids, key=lambda q: m["per_queue_mean_wait_min"][q])
        row = [
            p,
            fmt(m["mean_wait_min"]),
            fmt(m["p90_wait_min"], 1),
            fmt(m["max_wait_min"], 1),
            f"{m['share_over_20_min']:.1%}",
            f"{worst} {m['per_queue_mean_wait_min'][worst]:.1f}",
            fmt(m["switches_per_day"], 1),
            f"{m['utilisation']:.0%}",
            m["last_finish"],
        ]
        if with_est:
            row += [
                fmt(m["estimate_mae_min"]),
                f"{m['estimate_p80_coverage']:.0%}",
                f"{m['estimate_p80_coverage_waited']:.0%}",
            ]
        rows.append("| " + " | ".join(row) + " |")
    gap = res.get("gap_closed")
    if gap is not None:
        rows.append("")
        rows.append(f"gap closed by tidal (static→pooled): **{gap:.1%}**")
    return "\n".join(rows)


def per_queue(res: dict) -> str:
    pols = res["policies"]
    qids = list(next(iter(pols.values()))["per_queue_mean_wait_min"])
    rows = ["| policy | " + " | ".join(qids) + " |", "|---|" + "---|" * len(qids)]
    for p, m in pols.items():
        rows.append(f"| {p} | " + " | ".join(fmt(m["per_queue_mean_wait_min"][q], 1) for q in qids) + " |")
    return "\n".join(rows)


def plots(name: str, scn: Scenario, runs: dict) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:  # the reports' CJK font (WenQuanYi), for the queue names
        from queue_broker.reports.charts import use_cjk_font

        use_cjk_font()
    except ImportError:
        pass

    out = []
    fig, ax = plt.subplots(figsize=(9, 4.2))
    for p, run in runs.items():
        if run.half_hour_n is None or p not in COLORS:
            continue
        with np.errstate(invalid="ignore", divide="ignore"):
            y = np.where(run.half_hour_n > 0, run.half_hour_sum / np.maximum(run.half_hour_n, 1), np.nan)
        x = np.arange(len(y)) * 30 + 15
        ax.plot(x, y, marker="o", ms=3, label=p, color=COLORS.get(p))
    ticks = np.arange(0, len(y) * 30 + 1, 60)
    ax.set_xticks(ticks, [scn.clock(t) for t in ticks])
    ax.set_xlabel("half hour in which the ticket was taken")
    ax.set_ylabel("mean wait of served citizens (min)")
    ax.set_title(f"{scn.name}: mean wait per half hour by policy ({len(runs['static'].days)} seeds)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path = IMG / f"tidal-halfhour-{name}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    out.append(path.name)

    run = runs.get("tidal")
    if run is not None and run.timeline is not None:
        n = np.maximum(run.timeline_n, 1)
        keep = run.timeline_n > 0
        x = np.arange(len(n))[keep] * SAMPLE_MIN
        keys = [q.id for q in scn.queues] + ["switching", "idle"]
        ys = [run.timeline[k][keep] / n[keep] for k in keys]
        fig, ax = plt.subplots(figsize=(9, 4.6))
        cmap = plt.get_cmap("tab10")
        colors = [cmap(i) for i in range(len(scn.queues))] + ["#444444", "#dddddd"]
        labels = [f"{q.id} {q.name}" for q in scn.queues] + ["switching", "idle"]
        ax.stackplot(x, ys, labels=labels, colors=colors, alpha=0.9)
        ticks = np.arange(0, x.max() + 1, 60)
        ax.set_xticks(ticks, [scn.clock(t) for t in ticks])
        ax.set_ylabel("counters (mean over seeds)")
        ax.set_title(f"{scn.name}, tidal: what the {len(scn.counters)} counters are doing over the day")
        ax.legend(loc="upper right", fontsize=7, ncol=3)
        ax.set_xlim(0, x.max())
        fig.tight_layout()
        path = IMG / f"tidal-counters-{name}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        out.append(path.name)
    return out


def verdicts(results: dict[str, dict]) -> str:
    """One line per scenario: tidal against the better of skills and threshold (the issue's test on
    halls the rebalancer was not tuned on), and against itself with narrowing."""
    rows = [
        "| scenario | tidal mean / p90 / >20 min | better of skills, threshold | tidal-narrowing | tidal ≤ both? |",
        "|---|---|---|---|---|",
    ]
    for res in results.values():
        pols = res["policies"]
        t, n = pols["tidal"], pols["tidal-narrowing"]
        ref = min((pols["skills"], pols["threshold"]), key=lambda m: m["mean_wait_min"])
        ok = all(t[k] <= ref[k] for k in ("mean_wait_min", "p90_wait_min", "share_over_20_min"))

        def f(m):
            return f"{m['mean_wait_min']:.2f} / {m['p90_wait_min']:.1f} / {m['share_over_20_min']:.1%}"

        rows.append(f"| {res['scenario']} | {f(t)} | {f(ref)} | {f(n)} | {'yes' if ok else 'no'} |")
    return "\n".join(rows)


# ---------------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--others", type=int, default=0, help="also the other scenarios, with this many seeds")
    ap.add_argument("--bounds", type=int, default=0, help="also the flexibility bounds, with this many seeds")
    ap.add_argument("--no-doc", action="store_true", help="print only; do not touch docs/")
    args = ap.parse_args(argv)
    IMG.mkdir(parents=True, exist_ok=True)
    info = machine()
    parts: list[str] = []
    results: dict[str, dict] = {}
    t_all = time.monotonic()
    for name, path in DAYS.items():
        scn = load_scenario(path)
        t0 = time.monotonic()
        runs = simulate(scn, RUN, args.seeds, workers=args.workers, collect=True)
        took = time.monotonic() - t0
        res = summary(scn, runs, args.seeds)
        results[name] = res
        print(json.dumps(res, ensure_ascii=False))
        imgs = [] if args.no_doc else plots(name, scn, runs)
        moves = runs["tidal"].moves
        first = [m for m in moves if m["seed"] == 0]
        narrowing = [m for m in runs["tidal-narrowing"].moves if set(m["to"]) < set(m["from"])]
        widening = [m for m in moves if set(m["to"]) > set(m["from"]) and m["t"] > 0]
        per_day = len(moves) / args.seeds
        text = (
            f"### {scn.name} ({args.seeds} seeds, {took:.0f} s)\n\n{table(res)}\n\n"
            f"Mean wait per queue (min):\n\n{per_queue(res)}\n\n"
            + "".join(f"![{i}](img/{i})\n\n" for i in imgs)
            + f"Moves under tidal: {per_day:.1f} a day, of which {len(widening) / args.seeds:.2f} after "
            f"opening; the rest set closed counters before opening. Seed 0:\n\n"
            + "\n".join(f"- {scn.clock(m['t'])} {m['counter_id']}: {m['reason']}" for m in first)
            + "\n"
        )
        if narrowing:
            text += (
                f"\nUnder `tidal-narrowing` {len(narrowing) / args.seeds:.2f} narrowings a day; "
                "the first three of all seeds:\n\n"
                + "\n".join(
                    f"- seed {m['seed']}, {scn.clock(m['t'])} {m['counter_id']} "
                    f"{'+'.join(m['from'])} → {'+'.join(m['to'])}: {m['reason']}"
                    for m in narrowing[:3]
                )
                + "\n"
            )
        parts.append(text)
        alerts = [a for a in runs["tidal"].alerts if a["seed"] == 0]
        if alerts:
            opens = [a for a in alerts if a["kind"] == "recommend_open"][:4]
            closes = [a for a in alerts if a["kind"] == "recommend_close"][:2]
            parts.append(
                f"Window recommendations: {res['policies']['tidal']['recommendations_per_day']:.1f} a day "
                f"on average; seed 0 had {len(alerts)} "
                f"({sum(a['kind'] == 'recommend_open' for a in alerts)} open, "
                f"{sum(a['kind'] == 'recommend_close' for a in alerts)} close), for example:\n\n"
                + "\n".join(f"- {scn.clock(a['t'])} `{a['kind']}`: {a['message']}" for a in opens + closes)
                + "\n"
            )
    main_took = time.monotonic() - t_all
    if args.others:
        rows = []
        for name, path in OTHERS.items():
            scn = load_scenario(path)
            t0 = time.monotonic()
            res = summary(scn, simulate(scn, RUN, args.others, workers=args.workers), args.others)
            results[name] = res
            print(json.dumps(res, ensure_ascii=False))
            rows.append(f"### {scn.name} ({args.others} seeds, {time.monotonic() - t0:.0f} s)\n\n{table(res)}\n")
        parts.append("## Other scenarios\n\n" + verdicts(results) + "\n\n" + "\n".join(rows))
    if args.bounds:
        rows = []
        for path in DAYS.values():
            scn = load_scenario(path)
            any_q = summary(scn, simulate(scn, [TidalAnyQueue.name], args.bounds, workers=args.workers), args.bounds)
            restore = _replace_calling(gcmu)
            try:
                by_gcmu = summary(scn, simulate(scn, ["skills"], args.bounds, workers=args.workers), args.bounds)
            finally:
                restore()
            restore = _replace_calling(save_first)
            try:
                saving = summary(
                    scn, simulate(scn, [TidalAnyQueue.name], args.bounds, workers=args.workers), args.bounds
                )
            finally:
                restore()
            merged = {
                "scenario": scn.name,
                "policies": {
                    **any_q["policies"],
                    "bound-gcmu-calling": by_gcmu["policies"]["skills"],
                    "bound-any-queue-save-first": saving["policies"][TidalAnyQueue.name],
                },
            }
            rows.append(
                f"### {scn.name} ({args.bounds} seeds)\n\n{table(merged, with_est=False)}\n\n{per_queue(merged)}\n"
            )
        parts.append("## Flexibility bounds (not policies the hall can run)\n\n" + "\n".join(rows))
    head = (
        f"Measured by `bench/tidal.py` on {info['date']}: {info['nproc']} CPUs ({info['cpu']}), "
        f"Python {info['python']}, {args.workers} worker processes. The two days "
        f"(2 scenarios × {len(RUN)} policies × {args.seeds} seeds) took {main_took:.0f} s.\n"
    )
    if not args.no_doc:
        write_results(DOC, head + "\n" + "\n".join(parts))
    print(f"done in {time.monotonic() - t_all:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
