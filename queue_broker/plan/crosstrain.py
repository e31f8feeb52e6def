"""The cross-training advisor: the K extra skills, at most one per clerk (counter), that cut waiting most.

Jordan and Graves' long chain: when every queue is linked to the next by one counter that also serves
it, and the links close into one cycle through all the queues, a little flexibility captures most of
what full pooling would give. The advisor:

1. **Ranks structures cheaply.** For every closed chain through the queues (every cyclic order, both
   directions; for halls with many queues a greedy chain improved by 2-opt), each link `a -> b` given to
   a counter whose home is `a` (a dedicated one first), it computes the Jordan-Graves shortfall: over
   sampled hours of the day (Poisson arrivals, the queues' service times), the counter-minutes of work
   the hall cannot serve in that hour however its counters are spread over their skills — the max-flow
   shortfall `max_S (demand(S) - capacity of the counters that can serve S)` over sets S of queues.
   With fewer links than queues the weakest links of the chain are dropped, with more the best extra
   links are added; a plan built link by link (greedy on the shortfall) competes too.
2. **Simulates the best.** The most promising plans run through the hall-day simulator (the `tidal`
   policy: the production rebalancer and calling rule) on a few seeds, the best of those on all seeds,
   with the same citizens for every plan (common random numbers).
3. **Keeps every queue served.** A plan under which some queue's mean wait would exceed today's worst
   queue's is not taken (a hall-wide mean is never bought with one neglected queue); among the rest
   the lowest mean wait wins, then the share over 20 minutes.
4. **Says what each link does.** Each link's effect is the plan against the plan without that link,
   on all seeds: "3号窗口 also 不动产: mean −0.4 min, over 20 min −1.2 points". A link without which
   the mean would be lower is dropped (K is the most, not a quota), at most PRUNE_ROUNDS times.

Reserves and history blocks are left out of its simulations: it measures the counters' own skills.
"""

from __future__ import annotations

import itertools
import math
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from ..sim.hall_day import run_day
from ..sim.metrics import average, day_metrics
from ..sim.scenario import Scenario
from .history import expected_cells

MAX_EXACT_QUEUES = 8  # beyond this the cyclic orders are too many: a greedy chain and 2-opt instead
MAX_SUBSET_QUEUES = 14  # the max-flow shortfall enumerates sets of queues
PROXY_SAMPLES = 60  # sampled days of demand for the shortfall
SCREEN_SEEDS = 4  # seeds of the first simulated round
SCREEN_PLANS = 16  # plans simulated in the first round
FINAL_PLANS = 4  # plans simulated on every seed
PRUNE_ROUNDS = 2  # links that cost waiting dropped at most this many times


@dataclass(frozen=True)
class Link:
    counter: str
    add_queue: str


Plan = tuple[Link, ...]


# ---------------------------------------------------------------------------------- plans and scenarios
def apply_plan(scn: Scenario, plan: Sequence[Link]) -> Scenario:
    """The scenario with each link's queue added to its counter's eligible list (nothing else changes)."""
    extra = {link.counter: link.add_queue for link in plan}
    counters = []
    for c in scn.counters:
        if c.id in extra:
            eligible = [*c.skills, extra[c.id]] if extra[c.id] not in c.skills else list(c.skills)
            counters.append(c.model_copy(update={"eligible": eligible}))
        else:
            counters.append(c)
    return scn.model_copy(update={"counters": counters})


def bare(scn: Scenario) -> Scenario:
    """What the advisor simulates: the counters' own skills, no reserves, no history."""
    return scn.model_copy(update={"reserve": [], "history": None})


# ---------------------------------------------------------------------------------- the shortfall proxy
class Shortfall:
    """Jordan and Graves' measure, by the half-hour: expected counter-minutes of work per day that no
    spreading of the counters over their skills can serve within the half-hour it arrives (30 minutes
    per counter), over sampled days (Poisson arrivals of the scenario's profile, opening crowd and
    surges included; the queues' service times). Half-hours, not hours: the hall's waits come from its
    peaks within the hour, and measured on the standard day the half-hour shortfall of a plan follows
    how long its worst queue waits, which is what sets chains apart (docs/planning.md)."""

    def __init__(self, scn: Scenario, samples: int = PROXY_SAMPLES, seed: int = 7):
        self.queues = [q.id for q in scn.queues]
        self.qi = {q: i for i, q in enumerate(self.queues)}
        n = len(self.queues)
        if n > MAX_SUBSET_QUEUES:
            raise ValueError(f"the advisor handles up to {MAX_SUBSET_QUEUES} queues, this hall has {n}")
        cells = expected_cells(scn)
        lam = np.array([cells[q] for q in self.queues]).T  # half-hours x queues
        lam = lam[lam.sum(axis=1) > 0]
        rng = np.random.default_rng(seed)
        mean = np.array([q.service_min.mean for q in scn.queues])
        cv = np.array([q.service_min.cv for q in scn.queues])
        counts = rng.poisson(np.broadcast_to(lam, (samples, *lam.shape)))
        noise = rng.standard_normal(counts.shape) * np.sqrt(counts) * cv * mean
        self.demand = np.maximum(counts * mean + noise, 0.0).reshape(-1, n)  # minutes of counter work
        self.samples = samples
        subsets = np.arange(1, 2**n)
        self.subsets = subsets
        member = ((subsets[None, :] >> np.arange(n)[:, None]) & 1).astype(float)  # queues x subsets
        self.load = self.demand @ member  # rows x subsets

    def mask(self, skills: Sequence[str]) -> int:
        return sum(1 << self.qi[q] for q in skills if q in self.qi)

    def score(self, masks: Sequence[int]) -> float:
        """Shortfall (counter-minutes a day) for counters with these skill masks."""
        cap = np.zeros(len(self.subsets))
        for m in masks:
            cap += 30.0 * ((self.subsets & m) != 0)
        short = np.maximum((self.load - cap[None, :]).max(axis=1), 0.0)
        return float(short.sum() / self.samples)


# ---------------------------------------------------------------------------------- candidate plans
class Planner:
    def __init__(self, scn: Scenario, k: int, proxy: Shortfall):
        self.scn, self.k, self.proxy = scn, k, proxy
        self.skills = {c.id: list(c.skills) for c in scn.counters}
        self.base_masks = {c.id: proxy.mask(c.skills) for c in scn.counters}
        self.order = [c.id for c in scn.counters]

    def masks(self, plan: Sequence[Link]) -> list[int]:
        extra = {link.counter: link.add_queue for link in plan}
        return [self.base_masks[c] | (1 << self.proxy.qi[extra[c]] if c in extra else 0) for c in self.order]

    def score(self, plan: Sequence[Link]) -> float:
        return self.proxy.score(self.masks(plan))

    def counter_for(self, a: str, b: str, used: set[str]) -> str | None:
        """A counter whose home is `a` that can learn `b`: dedicated ones first, then the file order."""
        pool = [
            c
            for c in self.scn.counters
            if c.id not in used and c.home and c.home[0] == a and b not in self.skills[c.id]
        ]
        if not pool:
            pool = [c for c in self.scn.counters if c.id not in used and a in c.skills and b not in self.skills[c.id]]
        if not pool:
            return None
        pool.sort(key=lambda c: (len(c.skills) > 1, 0))
        return pool[0].id

    def chain(self, order: Sequence[str]) -> Plan | None:
        used: set[str] = set()
        links = []
        for a, b in zip(order, [*order[1:], order[0]], strict=True):
            c = self.counter_for(a, b, used)
            if c is None:
                return None
            used.add(c)
            links.append(Link(c, b))
        return tuple(links)

    def fit_to_k(self, plan: Plan) -> Plan:
        """Drop the links that matter least (k below the chain's length) or add the best (above)."""
        links = list(plan)
        while len(links) > self.k:
            best = min(range(len(links)), key=lambda i: self.score(links[:i] + links[i + 1 :]))
            links.pop(best)
        if len(links) < self.k:
            links = list(self.greedy(links))
        return tuple(links)

    def greedy(self, start: Sequence[Link] = ()) -> Plan:
        links = list(start)
        used = {link.counter for link in links}
        while len(links) < self.k:
            best, best_score = None, math.inf
            for c in self.scn.counters:
                if c.id in used:
                    continue
                for q in self.proxy.queues:
                    if q in self.skills[c.id]:
                        continue
                    s = self.score([*links, Link(c.id, q)])
                    if s < best_score - 1e-9:
                        best, best_score = Link(c.id, q), s
            if best is None:
                break
            links.append(best)
            used.add(best.counter)
        return tuple(links)

    def orders(self) -> list[tuple[str, ...]]:
        qs = self.proxy.queues
        if len(qs) <= 2:
            return [tuple(qs)] if len(qs) == 2 else []
        if len(qs) <= MAX_EXACT_QUEUES:
            first = qs[0]
            return [(first, *rest) for rest in itertools.permutations(qs[1:])]
        return self._two_opt_orders()

    def _two_opt_orders(self) -> list[tuple[str, ...]]:
        """Many queues: a chain built by cheapest insertion, improved by 2-opt moves on the shortfall."""
        qs = list(self.proxy.queues)

        def cost(order: Sequence[str]) -> float:
            plan = self.chain(order)
            return self.score(plan) if plan is not None else math.inf

        out = []
        for start in qs[:4]:
            order = [start]
            for q in [x for x in qs if x != start]:
                best = min(range(1, len(order) + 1), key=lambda i: cost([*order[:i], q, *order[i:]]))
                order.insert(best, q)
            improved = True
            while improved:
                improved = False
                for i, j in itertools.combinations(range(1, len(order)), 2):
                    trial = order[:i] + order[i : j + 1][::-1] + order[j + 1 :]
                    if cost(trial) < cost(order) - 1e-9:
                        order, improved = trial, True
            out.append(tuple(order))
        return out

    def candidates(self) -> list[tuple[float, Plan, str]]:
        """(shortfall, plan, how it was built), best first, distinct."""
        seen: set[frozenset[Link]] = set()
        out = []
        for order in self.orders():
            plan = self.chain(order)
            if plan is None:
                continue
            plan = self.fit_to_k(plan) if len(plan) != self.k else plan
            key = frozenset(plan)
            if key in seen:
                continue
            seen.add(key)
            out.append((self.score(plan), plan, "chain " + "→".join(order) + f"→{order[0]}"))
        g = self.greedy()
        if frozenset(g) not in seen:
            out.append((self.score(g), g, "greedy"))
        out.sort(key=lambda x: x[0])
        return out


# ---------------------------------------------------------------------------------- simulation
def _sim(job: tuple[dict[str, Any], str, int]) -> dict[str, Any]:
    data, policy, seed = job
    scn = Scenario.model_validate(data)
    return day_metrics(scn, run_day(scn, policy, seed))


class Runner:
    """Simulated days in a pool of worker processes (or in this process)."""

    def __init__(self, workers: int):
        self.pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 else None
        self.days = 0

    def metrics(self, scns: Sequence[Scenario], policy: str, seeds: Sequence[int]) -> list[dict[str, Any]]:
        """The seed-averaged metrics of each scenario."""
        jobs = [(s.model_dump(), policy, seed) for s in scns for seed in seeds]
        self.days += len(jobs)
        if self.pool is not None:
            results = list(self.pool.map(_sim, jobs, chunksize=max(1, len(jobs) // 16)))
        else:
            results = [_sim(j) for j in jobs]
        n = len(seeds)
        return [average(scns[i], results[i * n : (i + 1) * n]) for i in range(len(scns))]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


def _key(m: dict[str, Any]) -> tuple[float, float]:
    return (m["mean_wait_min"], m["share_over_20_min"])


def _worst(m: dict[str, Any]) -> float:
    return max(m["per_queue_mean_wait_min"].values())


def gap(static: float, tidal: float, pooled: float) -> float | None:
    return round((static - tidal) / (static - pooled), 4) if static != pooled else None


def advise(
    scn: Scenario,
    k: int,
    seeds: int = 20,
    *,
    workers: int = 1,
    screen_plans: int = SCREEN_PLANS,
    final_plans: int = FINAL_PLANS,
    say: Callable[[str], None] | None = None,
    numbers: dict[str, int] | None = None,
) -> dict[str, Any]:
    """The advice for `scn`: {"plan", "before", "after", ...} (module docstring)."""
    t0 = time.monotonic()
    say = say or (lambda _msg: None)
    base = bare(scn)
    runner = Runner(workers)
    try:
        seeds_all = list(range(seeds))
        screen = seeds_all[: min(SCREEN_SEEDS, seeds)]
        static, pooled = (runner.metrics([base], p, seeds_all)[0] for p in ("static", "pooled"))
        before = runner.metrics([base], "tidal", seeds_all)[0]
        say(f"today: tidal mean {before['mean_wait_min']:.2f} min, worst queue {_worst(before):.1f}")
        planner = Planner(base, k, Shortfall(base))
        ranked = planner.candidates()
        say(f"{len(ranked)} plans ranked by shortfall (today {planner.score(()):.0f} counter-min a day)")
        if not ranked or k <= 0:
            return _result(scn, (), before, before, static, pooled, [], {}, runner.days, t0, "none", numbers=numbers)
        first = ranked[:screen_plans]
        before_screen = runner.metrics([base], "tidal", screen)[0]
        screened = runner.metrics([apply_plan(base, p) for _, p, _ in first], "tidal", screen)
        limit_screen = _worst(before_screen)
        order = sorted(
            range(len(first)),
            key=lambda i: (_worst(screened[i]) > limit_screen + 0.5, *_key(screened[i])),
        )[:final_plans]
        finals = [first[i] for i in order]
        final_metrics = runner.metrics([apply_plan(base, p) for _, p, _ in finals], "tidal", seeds_all)
        limit = _worst(before)
        fair = [i for i in range(len(finals)) if _worst(final_metrics[i]) <= limit + 1e-9]
        pick_from = fair or list(range(len(finals)))
        best = min(pick_from, key=lambda i: _key(final_metrics[i]) if fair else (_worst(final_metrics[i]),))
        _, plan, how = finals[best]
        after = final_metrics[best]
        say(f"chosen: {how}: mean {after['mean_wait_min']:.2f}, over 20 min {after['share_over_20_min']:.1%}")
        # each link's effect: the plan against the plan without it; a link whose removal lowers the
        # mean (every queue still within today's worst) is dropped: K is the most, not a quota
        for round_ in range(PRUNE_ROUNDS + 1):
            without = runner.metrics(
                [apply_plan(base, [x for x in plan if x != link]) for link in plan], "tidal", seeds_all
            )
            effects = {
                link: {
                    "mean_wait_min": round(after["mean_wait_min"] - w["mean_wait_min"], 3),
                    "share_over_20_min": round(after["share_over_20_min"] - w["share_over_20_min"], 4),
                }
                for link, w in zip(plan, without, strict=True)
            }
            drop = [i for i, w in enumerate(without) if _key(w) < _key(after) and _worst(w) <= limit + 1e-9]
            if not drop or len(plan) <= 1 or round_ == PRUNE_ROUNDS:
                break
            i = min(drop, key=lambda j: _key(without[j]))
            say(f"dropping {plan[i].counter} + {plan[i].add_queue}: without it the mean is lower")
            how += f", less {plan[i].counter}+{plan[i].add_queue}"
            plan, after = plan[:i] + plan[i + 1 :], without[i]
        tried = [
            {
                "how": finals[i][2],
                "shortfall": round(finals[i][0], 1),
                "mean_wait_min": final_metrics[i]["mean_wait_min"],
                "share_over_20_min": final_metrics[i]["share_over_20_min"],
                "worst_queue_min": round(_worst(final_metrics[i]), 2),
            }
            for i in range(len(finals))
        ]
        return _result(
            scn,
            plan,
            before,
            after,
            static,
            pooled,
            tried,
            effects,
            runner.days,
            t0,
            how,
            fair=bool(fair),
            numbers=numbers,
        )
    finally:
        runner.close()


def _result(
    scn: Scenario,
    plan: Plan,
    before: dict[str, Any],
    after: dict[str, Any],
    static: dict[str, Any],
    pooled: dict[str, Any],
    tried: list[dict[str, Any]],
    effects: dict[Link, dict[str, float]],
    days: int,
    t0: float,
    how: str,
    fair: bool = True,
    numbers: dict[str, int] | None = None,
) -> dict[str, Any]:
    names = {q.id: q.name for q in scn.queues}
    numbers = numbers or {c.id: i + 1 for i, c in enumerate(scn.counters)}
    rows = []
    for link in plan:
        e = effects.get(link, {})
        row: dict[str, Any] = {"counter": link.counter, "add_queue": link.add_queue}
        if e:
            row["effect"] = e
            row["advice"] = (
                f"{numbers[link.counter]}号窗口（{link.counter}）加学{names[link.add_queue]}："
                f"平均等候{e['mean_wait_min']:+.1f}分钟，超20分钟占比{100 * e['share_over_20_min']:+.1f}个百分点"
            )
        rows.append(row)
    s, p = static["mean_wait_min"], pooled["mean_wait_min"]
    return {
        "scenario": scn.name,
        "max_extra": len(plan),
        "plan": rows,
        "before": before,
        "after": after,
        "gap_closed_before": gap(s, before["mean_wait_min"], p),
        "gap_closed_after": gap(s, after["mean_wait_min"], p),
        "static_mean_wait_min": s,
        "pooled_mean_wait_min": p,
        "structure": how,
        "every_queue_within_todays_worst": fair,
        "finalists": tried,
        "simulated_days": days,
        "seconds": round(time.monotonic() - t0, 1),
    }


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


# ---------------------------------------------------------------------------------- the scenario file
def with_skills(text: str, plan: Sequence[Link]) -> str:
    """The scenario YAML `text` with each link's queue added to its counter's `eligible` list, edited in
    place so that comments, order and layout stay as they were (only `eligible` lists grow)."""
    import yaml

    root = cast(yaml.MappingNode, yaml.compose(text, Loader=yaml.SafeLoader))  # a scenario is a mapping
    counters = next((v for k, v in root.value if k.value == "counters"), None)
    if counters is None:
        raise ValueError("the scenario has no counters")
    edits: list[tuple[int, str]] = []
    for link in plan:
        node = next(
            (n for n in counters.value if any(k.value == "id" and v.value == link.counter for k, v in n.value)), None
        )
        if node is None:
            raise ValueError(f"no counter {link.counter} in the scenario")
        fields = {k.value: v for k, v in node.value}
        if "eligible" in fields:
            seq = fields["eligible"]
            if seq.flow_style:
                at = text.rindex("]", 0, seq.end_mark.index)
                edits.append((at, (", " if seq.value else "") + link.add_queue))
            else:
                last = seq.value[-1]
                line_start = text.rindex("\n", 0, last.start_mark.index) + 1
                indent = text[line_start : last.start_mark.index]
                edits.append((_line_end(text, last.end_mark.index), "\n" + indent + link.add_queue))
        else:
            skills = [v.value for v in fields["home"].value]
            value = "[" + ", ".join([*skills, link.add_queue]) + "]"
            if node.flow_style:
                at = text.rindex("}", 0, node.end_mark.index)
                edits.append((at, f", eligible: {value}"))
            else:
                first = node.value[0][0]
                col = first.start_mark.column
                end = _line_end(text, node.value[-1][1].end_mark.index)
                edits.append((end, "\n" + " " * col + f"eligible: {value}"))
    for at, piece in sorted(edits, reverse=True):
        text = text[:at] + piece + text[at:]
    return text


def _line_end(text: str, index: int) -> int:
    """Where the line holding the character before `index` ends (before its newline and comment-safe)."""
    if index > 0 and text[index - 1] == "\n":
        return index - 1
    end = text.find("\n", index)
    return len(text) if end < 0 else end
