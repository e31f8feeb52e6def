"""Planning-ahead benchmark (docs/planning.md): the forecast's backtest, the reserve comparison, the
cross-training advisor, the day plan, the estimate, and the same on halls kept outside the repository.

    .venv/bin/python bench/planning.py [--parts backtest,reserves,advisor,dayplan,estimate,halls]
                                       [--seeds 40] [--halls DIR] [--workers 2]

Each part runs the project's own commands (`python -m queue_broker.plan ...` as subprocesses, timed as a
user would see them) or the simulator, stores its figures in bench/results/planning.json (parts not run
keep their earlier figures), and the results section of docs/planning.md (between the `results`
markers) and docs/img/planning-*.png are written from that file. Two worker processes by default.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from procfs import write_results  # noqa: E402  (bench/, on sys.path when run as a script)

from queue_broker.sim.runner import simulate, summary  # noqa: E402
from queue_broker.sim.scenario import load_scenario  # noqa: E402

SHARED = ROOT.parent / "shared" / "scenarios"
DAYS = {"standard": SHARED / "standard-day-planning.yaml", "surge": SHARED / "standard-day-surge-planning.yaml"}
PLAIN = {"standard": SHARED / "standard-day.yaml", "surge": SHARED / "standard-day-surge.yaml"}
RESULTS = ROOT / "bench" / "results" / "planning.json"
DOC = ROOT / "docs" / "planning.md"
IMG = ROOT / "docs" / "img"
PY = str(ROOT / ".venv" / "bin" / "python")
FRONTIER = (1.0, 2.0, 3.0, 4.0, 6.0)


def run_cmd(args: list[str]) -> tuple[dict, float]:
    t0 = time.monotonic()
    out = subprocess.run([PY, *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1]), round(time.monotonic() - t0, 1)


def load() -> dict:
    return json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.is_file() else {}


def save(results: dict) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


# ---------------------------------------------------------------------------------- parts
def part_backtest(args) -> dict:
    out = {}
    for key, path in DAYS.items():
        res, secs = run_cmd(
            ["-m", "queue_broker.plan", "forecast-backtest", str(path), "--weeks", "8", "--seeds", "5", "--json"]
        )
        res20, secs20 = run_cmd(
            ["-m", "queue_broker.plan", "forecast-backtest", str(path), "--weeks", "8", "--seeds", "20", "--json"]
        )
        for r in (res, res20):
            r.pop("per_seed", None)
        out[key] = {"seeds5": res, "seconds5": secs, "seeds20": res20, "seconds20": secs20}
    picture_forecast()
    return out


def picture_forecast() -> None:
    """Forecast against actual for the Wednesday of the test week, seed 0, standard planning day."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from queue_broker.plan.backtest import DEFAULT_TEST_WEEK
    from queue_broker.plan.forecast import Forecaster, arrival_counts, cell_label
    from queue_broker.plan.history import TZ, expected_cells, history_events, weekday_factor
    from queue_broker.reports.charts import use_cjk_font
    from queue_broker.supervision.calendar import WorkCalendar

    use_cjk_font()
    scn = load_scenario(DAYS["standard"])
    cal = WorkCalendar("Asia/Shanghai")
    start = DEFAULT_TEST_WEEK
    hist = arrival_counts(history_events(scn, start - timedelta(weeks=8), start, 0, cal), TZ)
    actual = arrival_counts(history_events(scn, start, start + timedelta(days=7), 0, cal), TZ)
    model = Forecaster(cal).fit(hist, [q.id for q in scn.queues])
    day = start + timedelta(days=2)
    fc = model.forecast(day)
    truth = expected_cells(scn, weekday_factor(scn, day, cal))
    cells = fc.span()
    fig, axes = plt.subplots(2, 4, figsize=(14, 6.2), sharex=True)
    for ax, q in zip(axes.flat, scn.queues, strict=False):
        f = fc.queues[q.id]
        lo = [f.interval(c)[0] for c in cells]
        hi = [f.interval(c)[1] for c in cells]
        x = np.arange(len(cells))
        ax.bar(x, [actual[day].get(q.id, np.zeros(48))[c] for c in cells], color="#bbbbbb", label="实际 actual")
        ax.fill_between(x, lo, hi, color="#d62728", alpha=0.15, step="mid", label="80% 区间")
        ax.plot(x, [f.mean[c] for c in cells], color="#d62728", label="预测 forecast")
        ax.plot(x, [truth[q.id][c] for c in cells], color="#1f77b4", ls="--", label="真实期望 oracle")
        ax.set_title(f"{q.name} ({q.id})")
        ax.set_xticks(x[::4], [cell_label(c) for c in cells][::4], fontsize=7)
    axes.flat[-1].axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"standard-day-planning: forecast of {day} (Wednesday) from 8 weeks of history, seed 0")
    fig.tight_layout()
    IMG.mkdir(parents=True, exist_ok=True)
    fig.savefig(IMG / "planning-forecast.png", dpi=90)
    plt.close(fig)


def part_reserves(args) -> dict:
    import queue_broker.plan.planner as P

    out = {}
    for key, path in DAYS.items():
        scn = load_scenario(path)
        t0 = time.monotonic()
        runs = simulate(scn, ["skills", "reactive-reserve", "tidal"], args.seeds, workers=args.workers)
        res = summary(scn, runs, args.seeds)
        plain = summary(
            load_scenario(PLAIN[key]),
            simulate(load_scenario(PLAIN[key]), ["tidal"], args.seeds, workers=args.workers),
            args.seeds,
        )
        res["policies"]["tidal-without-reserves"] = plain["policies"]["tidal"]
        res["seconds"] = round(time.monotonic() - t0, 1)
        frontier = []
        keep = (P.ASK_VALUE, P.KEEP_VALUE)
        for ask in FRONTIER:
            P.ASK_VALUE, P.KEEP_VALUE = ask, ask / 2  # the worker processes fork with these
            m = summary(scn, simulate(scn, ["tidal"], args.frontier_seeds, workers=args.workers), args.frontier_seeds)
            frontier.append({"ask_value": ask, "keep_value": ask / 2, **_short(m["policies"]["tidal"])})
        P.ASK_VALUE, P.KEEP_VALUE = keep
        reactive = summary(
            scn, simulate(scn, ["reactive-reserve"], args.frontier_seeds, workers=args.workers), args.frontier_seeds
        )
        res["frontier"] = {
            "seeds": args.frontier_seeds,
            "tidal": frontier,
            "reactive": _short(reactive["policies"]["reactive-reserve"]),
        }
        out[key] = res
    picture_frontier(out)
    return out


def _short(m: dict) -> dict:
    keys = (
        "mean_wait_min",
        "p90_wait_min",
        "share_over_20_min",
        "reserve_counter_minutes",
        "reserve_asks_per_day",
        "estimate_mae_min",
        "estimate_p80_coverage",
        "estimate_p80_coverage_waited",
        "per_queue_mean_wait_min",
    )
    return {k: m[k] for k in keys if k in m}


def picture_frontier(out: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    for ax, (key, res) in zip(axes, out.items(), strict=True):
        f = res["frontier"]
        xs = [p["reserve_counter_minutes"] for p in f["tidal"]]
        ys = [100 * p["share_over_20_min"] for p in f["tidal"]]
        ax.plot(xs, ys, "o-", color="#d62728", label="tidal (forecast planner)")
        for p in f["tidal"]:
            ax.annotate(
                f"{p['ask_value']:g}",
                (p["reserve_counter_minutes"], 100 * p["share_over_20_min"]),
                fontsize=8,
                xytext=(4, 4),
                textcoords="offset points",
            )
        r = f["reactive"]
        ax.plot(
            [r["reserve_counter_minutes"]],
            [100 * r["share_over_20_min"]],
            "s",
            color="#1f77b4",
            label="reactive-reserve",
        )
        ax.axvline(
            0.85 * r["reserve_counter_minutes"], color="#1f77b4", ls=":", lw=1, label="85 % of reactive's minutes"
        )
        ax.set_xlabel("reserve counter-minutes a day")
        ax.set_ylabel("% of citizens over 20 min")
        ax.set_title(f"{key} day ({f['seeds']} seeds; labels: ASK_VALUE)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(IMG / "planning-reserves.png", dpi=90)
    plt.close(fig)


def part_advisor(args) -> dict:
    out = {}
    for key, path in PLAIN.items():
        res, secs = run_cmd(
            [
                "-m",
                "queue_broker.plan",
                "cross-train",
                str(path),
                "--max-extra",
                "7",
                "--seeds",
                "20",
                "--json",
                "--quiet",
                "--out",
                f"/tmp/planning-bench-{key}.yaml",
            ]
        )
        res["command_seconds"] = secs
        out[key] = res
    picture_advisor(out, "planning-advisor.png")
    return out


def picture_advisor(out: dict, name: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(out), figsize=(6 * len(out), 4.2), squeeze=False)
    for ax, (key, res) in zip(axes[0], out.items(), strict=True):
        qs = list(res["before"]["per_queue_mean_wait_min"])
        x = np.arange(len(qs))
        ax.bar(
            x - 0.2,
            [res["before"]["per_queue_mean_wait_min"][q] for q in qs],
            0.4,
            label="today (tidal)",
            color="#888888",
        )
        ax.bar(
            x + 0.2,
            [res["after"]["per_queue_mean_wait_min"][q] for q in qs],
            0.4,
            label="with the advice",
            color="#d62728",
        )
        ax.set_xticks(x, qs)
        ax.set_ylabel("mean wait (min)")
        ax.set_title(
            f"{key}: {len(res['plan'])} extra skills, {res['before']['mean_wait_min']:.2f} → {res['after']['mean_wait_min']:.2f} min"
        )
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(IMG / name, dpi=90)
    plt.close(fig)


def part_dayplan(args) -> dict:
    out = {}
    for key, path in DAYS.items():
        res, secs = run_cmd(
            ["-m", "queue_broker.plan", "day-plan", str(path), "--seeds", str(min(args.seeds, 20)), "--json"]
        )
        res["command_seconds"] = secs
        out[key] = res
    picture_dayplan(out)
    return out


def picture_dayplan(out: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.2))
    for ax, (key, res) in zip(axes, out.items(), strict=True):
        hh = res["half_hours"]
        x = np.arange(len(hh))
        ax.bar(x, res["needed_total"], color="#cccccc", label="counters needed (plan)")
        ax.axhline(res["windows"], color="#333333", lw=1, label=f"the hall's {res['windows']} windows")
        ax.bar(x, [res["windows"] + s if s else 0 for s in res["short"]], color="#d62728", alpha=0.0)
        for i, s in enumerate(res["short"]):
            if s:
                ax.bar(i, s, bottom=res["windows"], color="#d62728", alpha=0.6)
        ax.set_xticks(x[::2], hh[::2], fontsize=7)
        ax.set_ylabel("counters")
        if "simulated_hall" in res:
            ax2 = ax.twinx()
            share = res["simulated_hall"]["share_over_20_by_half_hour"]
            ax2.plot(
                x, [100 * share.get(h, 0) for h in hh], color="#1f77b4", marker=".", label="hall today: % over 20 min"
            )
            ax2.set_ylabel("% over 20 min (simulated hall)")
            ax2.legend(fontsize=8, loc="upper right")
        ax.set_title(f"{key}: plan for {res['day']} (red: short of staff)")
        ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(IMG / "planning-dayplan.png", dpi=90)
    plt.close(fig)


def part_estimate(args) -> dict:
    res, secs = run_cmd(["bench/estimate_bound.py", "--seeds", "20", "--samples", "200"])
    res["command_seconds"] = secs
    return res


def part_halls(args) -> dict:
    out = {}
    for path in sorted(Path(args.halls).glob("*.yaml")):
        scn = load_scenario(path)
        entry: dict = {"file": str(path)}
        bt, secs = run_cmd(
            ["-m", "queue_broker.plan", "forecast-backtest", str(path), "--weeks", "8", "--seeds", "5", "--json"]
        )
        bt.pop("per_seed", None)
        entry["backtest"] = {**bt, "command_seconds": secs}
        ct, secs = run_cmd(
            [
                "-m",
                "queue_broker.plan",
                "cross-train",
                str(path),
                "--seeds",
                "20",
                "--json",
                "--quiet",
                "--out",
                f"/tmp/planning-bench-{path.stem}.yaml",
            ]
        )
        entry["advisor"] = {**ct, "command_seconds": secs}
        dp, secs = run_cmd(["-m", "queue_broker.plan", "day-plan", str(path), "--seeds", "10", "--json"])
        entry["dayplan"] = {**dp, "command_seconds": secs}
        runs = simulate(
            scn, ["static", "skills", "tidal", "pooled", "reactive-reserve"], args.hall_seeds, workers=args.workers
        )
        entry["reserves"] = summary(scn, runs, args.hall_seeds)
        out[scn.name] = entry
    if out:
        picture_advisor({k: v["advisor"] for k, v in out.items()}, "planning-advisor-halls.png")
    return out


PARTS = {
    "backtest": part_backtest,
    "reserves": part_reserves,
    "advisor": part_advisor,
    "dayplan": part_dayplan,
    "estimate": part_estimate,
    "halls": part_halls,
}


# ---------------------------------------------------------------------------------- the document
def pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def render(results: dict) -> str:
    lines = [f"Measured by `bench/planning.py` ({results.get('machine', '')}).", ""]
    bt = results.get("backtest")
    if bt:
        lines += [
            "### Forecast backtest",
            "",
            "| day | seeds | WAPE | oracle | naive | WAPE ÷ oracle | WAPE ÷ naive | 80 % interval covers | command time |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for key, r in bt.items():
            for n in ("5", "20"):
                x = r[f"seeds{n}"]
                lines.append(
                    f"| {key} | {n} | {x['wape']:.4f} | {x['oracle_wape']:.4f} | {x['naive_wape']:.4f} | "
                    f"{x['wape'] / x['oracle_wape']:.3f} | {x['wape'] / x['naive_wape']:.3f} | {pct(x['interval_coverage'])} | {r[f'seconds{n}']} s |"
                )
        lines += ["", "![forecast against actual](img/planning-forecast.png)", ""]
    rs = results.get("reserves")
    if rs:
        lines += ["### Reserve windows: the forecast planner against reactive-reserve", ""]
        for r in rs.values():
            lines += [
                f"**{r['scenario']}** ({r['seeds']} seeds, {r['seconds']} s)",
                "",
                "| policy | mean | p90 | > 20 min | reserve counter-min | asks a day | estimate MAE | p80 cover | p80 cover (waited) |",
                "|---|---|---|---|---|---|---|---|---|",
            ]
            for p, m in r["policies"].items():
                lines.append(
                    f"| {p} | {m['mean_wait_min']:.2f} | {m['p90_wait_min']:.1f} | {pct(m['share_over_20_min'])} | "
                    f"{m.get('reserve_counter_minutes', 0):.0f} | {m.get('reserve_asks_per_day', 0):.1f} | {m['estimate_mae_min']:.2f} | "
                    f"{pct(m['estimate_p80_coverage'])} | {pct(m['estimate_p80_coverage_waited'])} |"
                )
            pol = r["policies"]
            ratio = pol["tidal"]["reserve_counter_minutes"] / pol["reactive-reserve"]["reserve_counter_minutes"]
            lines += [
                "",
                f"tidal against reactive-reserve: counter-minutes {ratio:.1%} of reactive's; mean "
                f"{pol['tidal']['mean_wait_min']:.2f} against {pol['reactive-reserve']['mean_wait_min']:.2f}; over 20 min "
                f"{pct(pol['tidal']['share_over_20_min'])} against {pct(pol['reactive-reserve']['share_over_20_min'])}.",
                "",
            ]
            f = r["frontier"]
            lines += [
                f"The planner's exchange rate (ASK_VALUE citizen-minutes per counter-minute to ask, KEEP_VALUE = half to keep), {f['seeds']} seeds:",
                "",
                "| ASK_VALUE | mean | > 20 min | reserve counter-min | asks | MAE |",
                "|---|---|---|---|---|---|",
            ]
            for p in f["tidal"]:
                lines.append(
                    f"| {p['ask_value']:g} | {p['mean_wait_min']:.2f} | {pct(p['share_over_20_min'])} | {p['reserve_counter_minutes']:.0f} | "
                    f"{p['reserve_asks_per_day']:.1f} | {p['estimate_mae_min']:.2f} |"
                )
            x = f["reactive"]
            lines += [
                f"| reactive-reserve | {x['mean_wait_min']:.2f} | {pct(x['share_over_20_min'])} | {x['reserve_counter_minutes']:.0f} | "
                f"{x['reserve_asks_per_day']:.1f} | {x['estimate_mae_min']:.2f} |",
                "",
            ]
        lines += ["![reserve frontier](img/planning-reserves.png)", ""]
    ad = results.get("advisor")
    if ad:
        lines += ["### Cross-training advisor (K = 7, 20 seeds)", ""]
        for r in ad.values():
            b, a = r["before"], r["after"]
            lines += [
                f"**{r['scenario']}** — {r['structure']}; command {r['command_seconds']} s, {r['simulated_days']} simulated days",
                "",
                "| | mean | p90 | > 20 min | worst queue mean | gap closed |",
                "|---|---|---|---|---|---|",
                f"| today (tidal) | {b['mean_wait_min']:.2f} | {b['p90_wait_min']:.1f} | {pct(b['share_over_20_min'])} | "
                f"{max(b['per_queue_mean_wait_min'].values()):.1f} | {r['gap_closed_before']:.3f} |",
                f"| with the advice | {a['mean_wait_min']:.2f} | {a['p90_wait_min']:.1f} | {pct(a['share_over_20_min'])} | "
                f"{max(a['per_queue_mean_wait_min'].values()):.1f} | {r['gap_closed_after']:.3f} |",
                "",
            ]
            lines += [f"- {row['advice']}" for row in r["plan"]]
            lines.append("")
        lines += ["![before and after per queue](img/planning-advisor.png)", ""]
    dp = results.get("dayplan")
    if dp:
        lines += ["### Day plan", ""]
        for key, r in dp.items():
            lines += [
                f"**{key}** — plan for {r['day']} ({r['windows']} windows, {r['reserves']} reserve clerks), command {r['command_seconds']} s",
                "",
                "| | " + " | ".join(r["half_hours"]) + " |",
                "|---|" + "---|" * len(r["half_hours"]),
            ]
            for q in r["queues"]:
                lines.append(f"| {q['id']} | " + " | ".join(str(n) for n in q["needed"]) + " |")
            lines.append("| **needed** | " + " | ".join(str(n) for n in r["needed_total"]) + " |")
            lines.append("| short | " + " | ".join(str(n) if n else "" for n in r["short"]) + " |")
            lines.append(
                "| short with reserves | " + " | ".join(str(n) if n else "" for n in r["short_with_reserves"]) + " |"
            )
            if "simulated_hall" in r:
                sh = r["simulated_hall"]["share_over_20_by_half_hour"]
                lines.append(
                    f"| hall today > 20 min ({r['simulated_hall']['seeds']} seeds) | "
                    + " | ".join(f"{100 * sh[h]:.0f} %" if h in sh else "" for h in r["half_hours"])
                    + " |"
                )
            lines.append("")
        lines += ["![day plan](img/planning-dayplan.png)", ""]
    es = results.get("estimate")
    if es:
        lines += [
            "### Estimate: a measured bound",
            "",
            f"`bench/estimate_bound.py --seeds {es['seeds']} --samples {es['samples']}` ({es['policy']}, {es['tickets']} citizens, {es['command_seconds']} s): "
            f"the engine's estimate MAE {es['engine_mae_min']:.3f} min (p80 covers {pct(es['engine_p80_coverage'])}); an estimate that knows the "
            f"true service-time distributions and plays the hall forward {es['samples']} times from the exact state: MAE "
            f"{es['exact_model_mae_min']:.3f} min (p80 covers {pct(es['exact_model_p80_coverage'])}). Among those who waited: "
            f"{es['engine_mae_waited_min']:.2f} against {es['exact_model_mae_waited_min']:.2f}.",
            "",
        ]
    hs = results.get("halls")
    if hs:
        lines += ["### Halls kept outside the repository", ""]
        for name, h in hs.items():
            bt, ad, dp, rs = h["backtest"], h["advisor"], h["dayplan"], h["reserves"]["policies"]
            lines += [
                f"**{name}** (`{h['file']}`)",
                "",
                f"- forecast-backtest (8 weeks, 5 seeds, {bt['command_seconds']} s): WAPE {bt['wape']:.4f}, oracle {bt['oracle_wape']:.4f} "
                f"(×{bt['wape'] / bt['oracle_wape']:.3f}), naive {bt['naive_wape']:.4f} (×{bt['wape'] / bt['naive_wape']:.3f}), interval covers {pct(bt['interval_coverage'])}",
                f"- cross-train (K = {len(ad['before']['per_queue_mean_wait_min'])} queues, {len(ad['plan'])} skills kept, 20 seeds, {ad['command_seconds']} s, {ad['structure']}): mean {ad['before']['mean_wait_min']:.2f} → "
                f"{ad['after']['mean_wait_min']:.2f}, over 20 min {pct(ad['before']['share_over_20_min'])} → {pct(ad['after']['share_over_20_min'])}, worst queue "
                f"{max(ad['before']['per_queue_mean_wait_min'].values()):.1f} → {max(ad['after']['per_queue_mean_wait_min'].values()):.1f}, gap closed "
                f"{ad['gap_closed_before']:.3f} → {ad['gap_closed_after']:.3f}",
                f"- day-plan ({dp['command_seconds']} s): needed at most {max(dp['needed_total'])} against {dp['windows']} windows; short in "
                f"{sum(1 for s in dp['short'] if s)} half-hours, {sum(1 for s in dp['short_with_reserves'] if s)} with the reserves",
                f"- reserves ({h['reserves']['seeds']} seeds): "
                + "; ".join(
                    f"{p} {m['mean_wait_min']:.2f} / {pct(m['share_over_20_min'])}"
                    + (f" / {m['reserve_counter_minutes']:.0f} counter-min" if m.get("reserve_counter_minutes") else "")
                    for p, m in rs.items()
                ),
                "",
            ]
        lines += ["![advisor on the outside halls](img/planning-advisor-halls.png)", ""]
    return "\n".join(lines)


def write_doc(results: dict) -> None:
    if DOC.is_file():
        write_results(DOC, render(results))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", default=",".join(PARTS))
    ap.add_argument("--seeds", type=int, default=40)
    ap.add_argument("--frontier-seeds", type=int, default=20)
    ap.add_argument("--hall-seeds", type=int, default=20)
    ap.add_argument("--halls", default="/work/planning-halls")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--render-only", action="store_true")
    args = ap.parse_args()
    results = load()
    if not args.render_only:
        for name in [p.strip() for p in args.parts.split(",") if p.strip()]:
            t0 = time.monotonic()
            print(f"{name} ...", file=sys.stderr, flush=True)
            results[name] = PARTS[name](args)
            print(f"{name}: {time.monotonic() - t0:.0f} s", file=sys.stderr, flush=True)
            results["machine"] = (
                f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
                f"{args.workers} worker processes; the machine was shared with other engineers' work"
            )
            save(results)
    write_doc(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
