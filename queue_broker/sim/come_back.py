"""Item 6 of issue 18: citizens who leave the hall after taking a ticket and come back on a notice.

`python -m queue_broker.sim.come_back SCENARIO.yaml --seeds N [--share S] [--travel-mean M] [--json]`

A share of the day's walk-in citizens are willing to leave. Each states a travel time back (lognormal,
`travel_mean_min`, `travel_cv`), asks for a notice, and leaves unless the notice is already due when the
ticket is issued. When the notice comes they set off; the real trip is their stated time times a noise
(lognormal, `travel_noise_cv`). When their ticket is called they are at the window, or late: the counter
waits up to `grace_min` (its recalls), else the ticket is a no-show. A citizen still away when called
without a notice is told by the call itself.

The notice rule is the broker's own: `come_now_task` (engine/come_now.py) run on the simulated engine
every `check_every_min`, through `RequestNotice`/`NoticeDue` commands like the gateway's; the fixed rule
other systems use ("3 ahead") is run on the same day for comparison, as is the day with nobody leaving
(the no-show rate of "today"). Common random numbers: every rule sees the same citizens and trips.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import numpy as np

from ..engine.come_now import ComeNowRule, ahead_rule_due
from ..engine.commands import NoticeDue, RequestNotice
from ..engine.hall import HallEngine
from .leave import LeaveAndReturn
from .scenario import Arrival, Scenario, load_scenario


@dataclass
class Citizen:
    issued_at: float  # minutes after opening
    travel_min: int  # stated
    trip_min: float  # real
    left: bool = False
    notified_at: float | None = None  # minutes after opening
    back_at: float | None = None
    called_at: float | None = None
    late_min: float = 0.0
    may_leave: bool = False  # the calibrated rule, checked at issue, would have let them go


@dataclass
class Away:
    """The hooks `run_day(away=...)` calls, and what was measured."""

    options: LeaveAndReturn
    rule: str  # "come_now" (with `threshold`), "ahead3", or "stay" (nobody leaves: the bound, `could_leave`)
    threshold: float
    seed: int
    citizens: dict[str, Citizen] = field(default_factory=dict)
    tickets: int = 0
    _rng: np.random.Generator = field(init=False)

    def __post_init__(self) -> None:
        self._rng = np.random.default_rng(10_000 + self.seed)  # the same citizens for every rule
        self.come_now = ComeNowRule(self.options.margin_min, self.threshold)

    @property
    def grace_min(self) -> float:
        return self.options.grace_min

    def _draw(self) -> tuple[bool, int, float]:
        o = self.options
        willing = self._rng.random() < o.share
        s2 = math.log1p(o.travel_cv**2)
        stated = float(self._rng.lognormal(math.log(o.travel_mean_min) - s2 / 2, math.sqrt(s2)))
        n2 = math.log1p(o.travel_noise_cv**2)
        noise = float(self._rng.lognormal(-n2 / 2, math.sqrt(n2)))
        travel = max(1, int(round(stated)))
        return willing, travel, travel * noise

    # ------------------------------------------------------------ hooks
    def issued(self, run: Callable[[Any], Any], engine: HallEngine, ticket_id: str, a: Arrival, now: datetime) -> None:
        self.tickets += 1
        willing, travel, trip = self._draw()  # drawn for every ticket: the same stream for every rule
        if not willing or a.no_show:
            return
        t = engine.tickets[ticket_id]
        if self.rule == "ahead3":
            due = ahead_rule_due(engine.position(t))
        else:
            due, _ = self.come_now.check(engine.estimate_for(t.queue_id, engine.position(t), now), travel)
        c = Citizen(a.t, travel, trip, may_leave=not due)
        self.citizens[ticket_id] = c
        if due or self.rule == "stay":
            return  # the notice would be due at once: no point in leaving
        c.left = True
        if self.rule != "ahead3":
            run(RequestNotice(ticket_id, travel, "sms"))

    def watch(
        self,
        env: Any,
        engine: HallEngine,
        run: Callable[[Any], Any],
        now: Callable[[], datetime],
        hall_empty: Callable[[], bool],
    ) -> Iterator[Any]:
        """Every `check_every_min`: the notices that became due (the broker's tick task, or the fixed rule)."""
        while not hall_empty():
            yield env.timeout(self.options.check_every_min)
            at = now()
            if self.rule == "stay":
                continue
            if self.rule == "ahead3":
                for tid, c in self.citizens.items():
                    if c.left and c.notified_at is None:
                        t = engine.tickets.get(tid)
                        if t is not None and t.state == "waiting" and ahead_rule_due(engine.position(t)):
                            self._notified(c, env.now)
                continue
            for cmd in self._task(engine, at):
                run(cmd)
                told = self.citizens.get(cmd.ticket_id)
                if told is not None and told.left and told.notified_at is None:
                    self._notified(told, env.now)

    def _task(self, engine: HallEngine, at: datetime) -> list[NoticeDue]:
        # the broker's task with this run's threshold (the site file's setting in production)
        out = []
        for tid, rec in engine.notice_requests.items():
            if rec.due_at is not None:
                continue
            t = engine.tickets.get(tid)
            if t is None or t.state != "waiting" or engine.counters_serving(t.queue_id) <= 0:
                continue
            fire, p = self.come_now.check(engine.estimate_for(t.queue_id, engine.position(t), at), rec.travel_min)
            if fire:
                out.append(NoticeDue(tid, round(p, 4)))
        return out

    def _notified(self, c: Citizen, t: float) -> None:
        c.notified_at = t
        c.back_at = t + c.trip_min

    def late_by(self, ticket_id: str, t: float) -> float:
        """Minutes until the called citizen is at the window (0: there)."""
        c = self.citizens.get(ticket_id)
        if c is None:
            return 0.0
        c.called_at = t
        if not c.left:
            return 0.0
        if c.back_at is None:  # called before any notice: the call itself tells them
            c.back_at = t + c.trip_min
        c.late_min = max(0.0, c.back_at - t)
        return c.late_min

    # ------------------------------------------------------------ measures
    def metrics(self) -> dict[str, float]:
        left = [c for c in self.citizens.values() if c.left and c.called_at is not None]
        notified = [c for c in left if c.notified_at is not None and c.notified_at <= _called_at(c)]
        at_window = [c for c in notified if c.late_min <= 1e-9]
        in_grace = [c for c in left if c.late_min <= self.options.grace_min]
        called = [c for c in self.citizens.values() if c.called_at is not None]
        outside = [(c.notified_at if c.notified_at is not None else _called_at(c)) - c.issued_at for c in left]
        # minutes sitting in the hall before the call: all of the wait, or from coming back to the call
        sat = [
            (_called_at(c) - c.issued_at) if not c.left else max(0.0, _called_at(c) - (c.back_at or _called_at(c)))
            for c in called
        ]
        return {
            "tickets": float(self.tickets),
            "willing": float(len(self.citizens)),
            "left_share": len(left) / len(called) if called else 0.0,
            "sat_over_10_min_share": sum(1 for x in sat if x > 10.0) / len(sat) if sat else 0.0,
            "notified_at_window_share": len(at_window) / len(notified) if notified else 1.0,
            "left_served_share": len(in_grace) / len(left) if left else 1.0,
            "called_before_notice": float(len(left) - len(notified)),
            "notices_per_leaver": (len(notified) + (len(left) - len(notified))) / len(left) if left else 0.0,
            "mean_minutes_outside": float(np.mean(outside)) if outside else 0.0,
        }

    def could_leave(self) -> dict[str, float]:
        """The day with nobody leaving ("stay"): of the willing citizens called, who could have waited
        outside had the call's moment been known exactly (wait >= travel + margin: an oracle, the bound of
        any rule) and whom the calibrated estimate at issue let go (the come-now rule's first check)."""
        called = [c for c in self.citizens.values() if c.called_at is not None]
        waits = [_called_at(c) - c.issued_at for c in called]
        fits = [c for c, w in zip(called, waits, strict=True) if w >= c.travel_min + self.options.margin_min]
        let_go = [c for c in called if c.may_leave]
        n = len(called) or 1
        return {
            "called": float(len(called)),
            "oracle_leave_share": len(fits) / n,
            "calibrated_leave_share": len(let_go) / n,
            "median_wait_min": float(np.median(waits)) if waits else 0.0,
            "median_travel_plus_margin_min": float(np.median([c.travel_min for c in called])) + self.options.margin_min
            if called
            else 0.0,
        }


def bound(scn: Scenario, opts: LeaveAndReturn, seeds: int, threshold: float, policy: str = "tidal") -> dict[str, Any]:
    """`could_leave` averaged over seeds (the same citizens and trips as `compare`)."""
    from .hall_day import run_day

    days = []
    for s in range(seeds):
        away = Away(opts, "stay", threshold, s)
        run_day(scn, policy, s, away=away)
        days.append(away.could_leave())
    return {k: round(float(np.mean([d[k] for d in days])), 4) for k in days[0]}


def _called_at(c: Citizen) -> float:
    """The minute `c` was called: asked only of citizens who were (the lists above keep those)."""
    return cast(float, c.called_at)


RULES = ("come_now", "ahead3")


def run_rule(
    scn: Scenario, opts: LeaveAndReturn, rule: str, threshold: float, seed: int, policy: str
) -> dict[str, float]:
    from .hall_day import run_day

    away = Away(opts, rule, threshold, seed)
    r = run_day(scn, policy, seed, away=away)
    m = away.metrics()
    tickets = len(r.tickets)
    no_shows = sum(1 for t in r.tickets if t.wait_min is None)
    m["no_show_rate"] = no_shows / tickets if tickets else 0.0
    served = [t.wait_min for t in r.tickets if t.wait_min is not None]
    m["mean_wait_min"] = float(np.mean(served)) if served else 0.0
    return m


def baseline(scn: Scenario, seed: int, policy: str) -> dict[str, float]:
    from .hall_day import run_day

    r = run_day(scn, policy, seed)
    tickets = len(r.tickets)
    served = [t.wait_min for t in r.tickets if t.wait_min is not None]
    return {
        "no_show_rate": (tickets - len(served)) / tickets if tickets else 0.0,
        "sat_over_10_min_share": sum(1 for w in served if w > 10.0) / len(served) if served else 0.0,
        "mean_wait_min": float(np.mean(served)) if served else 0.0,
        "tickets": float(tickets),
    }


def compare(
    scn: Scenario, opts: LeaveAndReturn, seeds: int, thresholds: list[float], policy: str = "tidal"
) -> dict[str, Any]:
    """Seed-averaged metrics of the day with nobody leaving, of the come-now rule at each threshold and
    of the fixed "3 ahead" rule."""
    runs: dict[str, list[dict[str, float]]] = {"today (nobody leaves)": []}
    for s in range(seeds):
        runs["today (nobody leaves)"].append(baseline(scn, s, policy))
        for th in thresholds:
            runs.setdefault(f"come_now p>={th:g}", []).append(run_rule(scn, opts, "come_now", th, s, policy))
        runs.setdefault("3 ahead", []).append(run_rule(scn, opts, "ahead3", 0.0, s, policy))
    out = {name: {k: round(float(np.mean([d[k] for d in days])), 4) for k in days[0]} for name, days in runs.items()}
    return {"scenario": scn.name, "seeds": seeds, "policy": policy, "options": opts.model_dump(), "rules": out}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m queue_broker.sim.come_back", description=__doc__.splitlines()[0])
    ap.add_argument("scenario")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--share", type=float)
    ap.add_argument("--travel-mean", type=float)
    ap.add_argument("--thresholds", default="0.9,0.5,0.2,0.1,0.05", help="come-now thresholds to compare")
    ap.add_argument("--policy", default="tidal")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--bound", type=float, metavar="THRESHOLD", help="only the bound: who could wait outside at all")
    args = ap.parse_args(argv)
    try:
        scn = load_scenario(args.scenario)
    except (OSError, ValueError) as exc:
        print(f"{args.scenario}: {exc}", file=sys.stderr)
        return 2
    opts = getattr(scn, "leave_and_return", None) or LeaveAndReturn()
    changes = {k: v for k, v in (("share", args.share), ("travel_mean_min", args.travel_mean)) if v is not None}
    opts = opts.model_copy(update=changes)
    if args.bound is not None:
        print(json.dumps({"scenario": scn.name, "seeds": args.seeds, **bound(scn, opts, args.seeds, args.bound)}))
        return 0
    out = compare(scn, opts, args.seeds, [float(x) for x in args.thresholds.split(",")], args.policy)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    cols = (
        "left_share",
        "sat_over_10_min_share",
        "notified_at_window_share",
        "left_served_share",
        "no_show_rate",
        "notices_per_leaver",
        "mean_minutes_outside",
        "mean_wait_min",
    )
    print(
        f"{out['scenario']}: {args.seeds} seeds, share {opts.share}, travel {opts.travel_mean_min} min (cv {opts.travel_cv})"
    )
    print(f"{'rule':<24}" + "".join(f"{c[:16]:>17}" for c in cols))
    for name, m in out["rules"].items():
        print(f"{name:<24}" + "".join(f"{m.get(c, float('nan')):>17.3f}" for c in cols))
    return 0


if __name__ == "__main__":
    sys.exit(main())
