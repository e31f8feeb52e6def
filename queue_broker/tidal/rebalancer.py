"""The tidal rebalancer: which of its eligible queues each tidal counter serves now.

A tidal counter serves a SET of queues; the engine then decides at every call which of them it takes
(engine/calling.py rule 4: a citizen about to pass the SLA first, otherwise the queue that needs the
counter most). The rebalancer's default for every tidal counter is its widest set (all its eligible
queues): with it the counter goes, call by call, where it is needed, at no switch cost. With the
site's `rebalancer.narrow_sets` it also narrows a counter's set when playing the hall forward
(lookahead.py) shows that the narrower set saves clearly more waiting than it costs, both in the
expected picture and, paired, over sampled futures; a narrowed counter goes back to its widest set as
soon as that is no longer so. Narrowing is off by default: on every hall day measured it did not pay
(docs/tidal.md, "Narrowing").

Rules that hold whatever the prices say:
- only counters in `tidal` mode that no supervisor has locked are moved; a supervisor's assignment
  (AssignCounter) always wins: the engine refuses RebalanceCounter for locked or fixed counters, and
  this module does not even ask;
- a citizen is never interrupted: a move decided while a counter serves someone waits for that
  citizen (RebalanceCounter is planned by the engine and takes effect when the counter is free);
- a counter stays at least `dwell` minutes on a set before it is moved again (also after a
  supervisor's assignment);
- a counter is reconsidered when it is idle (the cheapest moment to change), when its citizen should
  be done within two reviews, and otherwise every switch-cost minutes;
- moves out to the widest set are made together; narrowing moves one per review;
- a closed tidal counter is set to its widest set at once (no citizen, no clerk: nothing is lost), so
  it opens on it.

Parameters (docs/tidal.md says how each was chosen; none is fitted to a scenario):
- switch cost `sc`: the site's `rebalancer.switch_cost_min`; the moved counter serves nobody for `sc`
  minutes after its current citizen, and every replay of a plan includes that;
- dwell = DWELL_SWITCHES x sc (at least one review): a counter spends at most 1/DWELL_SWITCHES of its
  time switching;
- horizon = dwell + the longest SLA: a move commits the counter for the dwell, and whoever arrives
  in that time is judged against the SLA;
- hysteresis (margin): a move must save more than sc x everyone it affects, i.e. be worth the switch
  even if everyone concerned paid the switch time again: the citizens waiting in the counter's
  eligible queues (plus one), and for a narrowing also those expected in them during the dwell (the
  narrowing commits the counter for that long);
- robustness of a narrowing: over SAMPLES sampled futures the paired saving minus two standard errors
  must still clear the margin (a one-sided test at about 97.5 %).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from typing import cast

from ..config.models import SiteConfig
from ..engine.estimate import board, mean_residual, service_model
from ..engine.hall import HallEngine
from ..engine.records import counter_seconds
from .lookahead import Picture, picture, replay, sampled
from .rates import ArrivalRates, open_minutes

DWELL_SWITCHES = 5.0
DECIDE_WITHIN = 2.0  # reviews: a busy counter is reconsidered when its citizen should be done by then
SAMPLES = 8  # sampled futures a narrowing must hold up in
STANDARD_ERRORS = 2.0
SLA_WEIGHT = 1.0  # a minute beyond the SLA costs this much more than a minute within it
BY_NEED = "哪项业务更需要人手就叫哪项，将超时的群众优先"  # how a tidal counter calls (engine rule 4)
MAX_SET_SIZE = 4  # beyond this many eligible queues, only sets of up to 3 and the full set are tried


@dataclass
class Move:
    counter_id: str
    from_queue_ids: tuple[str, ...]
    to_queue_ids: tuple[str, ...]
    saving: float  # person-minutes over the horizon, as priced
    margin: float  # what it had to clear
    reason: str


@dataclass
class Decision:
    """What a review saw and did (for logs, tests and the simulator)."""

    at: datetime
    moves: list[Move]
    base_cost: float
    replays: int


def candidate_sets(eligible: list[str]) -> list[tuple[str, ...]]:
    n = len(eligible)
    sizes = range(1, n + 1) if n <= MAX_SET_SIZE else (1, 2, 3)
    out = [tuple(c) for k in sizes for c in combinations(eligible, k)]
    if n > MAX_SET_SIZE:
        out.append(tuple(eligible))
    return out


class Rebalancer:
    def __init__(self, config: SiteConfig):
        self.config = config
        self.switch_cost = float(config.rebalancer.switch_cost_min)
        self.review_min = config.rebalancer.review_every_s / 60.0
        self.dwell = max(DWELL_SWITCHES * self.switch_cost, self.review_min)
        self.sla = {q.id: float(q.sla_min) for q in config.queues}
        self.names = {q.id: q.name for q in config.queues}
        self.numbers = {c.id: c.number for c in config.counters}
        self.eligible = {c.id: list(c.eligible) for c in config.counters}
        self.home = {c.id: tuple(c.home) for c in config.counters}
        self.horizon = self.dwell + max(self.sla.values(), default=20.0)
        self.narrow = config.rebalancer.narrow_sets
        self.rates = ArrivalRates()
        self.considered: dict[str, datetime] = {}  # counter -> when it was last priced
        self.changed: set[str] = set()  # counters seen off their home queues at least once
        self.last: Decision | None = None

    # ------------------------------------------------------------------ who may move, and when
    def settled_since(self, c) -> datetime | None:
        """When the counter took up its present set of queues (the engine's `queue_since`). A counter
        still on its home queues since it opened has not been moved at all: it may move at once."""
        if tuple(c.queue_ids) != self.home.get(c.id):
            self.changed.add(c.id)
        if c.id not in self.changed:
            return None
        return c.queue_since

    def movable(self, engine: HallEngine, now: datetime) -> list[str]:
        out = []
        svc = None
        for c in engine.counters.values():
            if c.mode != "tidal" or c.locked or c.status != "open" or c.pending_queue_ids is not None:
                continue
            if len(self.eligible.get(c.id, ())) < 2:
                continue
            since = self.settled_since(c)
            if since is not None and (now - since).total_seconds() < self.dwell * 60 - 1e-6:
                continue
            if c.current is not None:
                svc = svc or service_model(engine)
                t = engine.tickets[c.current]
                m = svc.mean_s.get(t.queue_id, 480.0) / 60.0
                elapsed = counter_seconds(t, now) / 60.0  # time on hold (挂起) left out
                soon = mean_residual(m, svc.cv.get(t.queue_id, 0.8), elapsed) <= DECIDE_WITHIN * self.review_min
                last = self.considered.get(c.id)
                stale = last is None or (now - last).total_seconds() >= max(self.switch_cost, self.review_min) * 60
                if not (soon or stale):
                    continue
            self.considered[c.id] = now
            out.append(c.id)
        return out

    # ------------------------------------------------------------------ the review
    def closed_moves(self, engine: HallEngine, now: datetime) -> list[Move]:
        """A closed tidal counter has no citizen and no clerk: it is set to its widest set for free,
        so it starts on it when it opens (the broker runs before the staff log in)."""
        out = []
        for c in engine.counters.values():
            widest = self.eligible.get(c.id, [])
            if (
                c.status != "closed"
                or c.mode != "tidal"
                or c.locked
                or c.pending_queue_ids is not None
                or len(widest) < 2
                or set(c.queue_ids) == set(widest)
            ):
                continue
            since = self.settled_since(c)
            if since is not None and (now - since).total_seconds() < self.dwell * 60 - 1e-6:
                continue
            num = f"{self.numbers.get(c.id, c.id)}号窗口"
            names = "、".join(self.names[q] for q in widest)
            out.append(
                Move(
                    c.id,
                    tuple(c.queue_ids),
                    tuple(widest),
                    0.0,
                    0.0,
                    f"{num}尚未开窗：开窗后同时办理{names}，{BY_NEED}",
                )
            )
        return out

    def review(self, engine: HallEngine, now: datetime) -> list[Move]:
        self.rates.update(engine, now)
        closed = self.closed_moves(engine, now)
        for m in closed:
            self.changed.add(m.counter_id)
        movable = self.movable(engine, now)
        if not self.narrow:  # without narrowing only a counter off its widest set has anything to decide
            movable = [cid for cid in movable if set(engine.counters[cid].queue_ids) != set(self.eligible[cid])]
        if not movable:
            self.last = Decision(now, closed, 0.0, 0)
            return closed
        rates = self.rates.rates(engine, now)
        b = board(engine, now, self.switch_cost)
        om = open_minutes(engine, now, self.horizon, self.rates.clock)
        p = picture(b, self.sla, rates, om, self.horizon)
        futures: list[Picture] = []
        replays = 0

        def price(pic: Picture, k: int | None = None, s: tuple[int, ...] | None = None) -> float:
            nonlocal replays
            replays += 1
            sets, free = pic.sets, pic.free_at
            if k is not None:
                sets = list(sets)
                sets[k] = cast(tuple[int, ...], s)  # given with k
                free = list(free)
                free[k] = pic.residual[k] + self.switch_cost
            return replay(pic, sets, free, self.horizon, SLA_WEIGHT)

        base = price(p)
        widen: list[Move] = []
        best: tuple[float, Move] | None = None
        for cid in movable:
            if cid not in p.counter_ids:
                continue
            k = p.counter_ids.index(cid)
            current = frozenset(p.sets[k])
            full = frozenset(p.index[q] for q in self.eligible[cid])
            if not any(p.waiting[q] for q in full):
                # nobody waits for this counter: nothing to narrow for; back to the widest set if not on it
                if current != full:
                    widen.append(
                        Move(
                            cid,
                            tuple(p.queue_ids[q] for q in p.sets[k]),
                            tuple(self.eligible[cid]),
                            0.0,
                            self.switch_cost,
                            "",
                        )
                    )
                continue
            if not self.narrow:
                if current != full:  # back to (or out to) the widest set; its saving for the reason
                    full_t = tuple(sorted(full))
                    widen.append(
                        Move(
                            cid,
                            tuple(p.queue_ids[q] for q in p.sets[k]),
                            tuple(self.eligible[cid]),
                            base - price(p, k, full_t),
                            0.0,
                            "",
                        )
                    )
                continue
            cost = {current: base}
            for cand in candidate_sets(self.eligible[cid]):
                key = frozenset(p.index[q] for q in cand)
                if key not in cost:
                    cost[key] = price(p, k, tuple(sorted(key)))
            margin = self.switch_cost * (1 + sum(p.waiting[q] for q in full))
            target = full
            narrow_cost, narrow = min((c, tuple(sorted(key))) for key, c in cost.items() if key != full)
            # a narrowing commits the counter for the dwell: everyone expected in its queues meanwhile
            # is affected too
            narrow_margin = margin + self.switch_cost * self.dwell * sum(rates.get(p.queue_ids[q], 0.0) for q in full)
            if cost[full] - narrow_cost > narrow_margin:
                if not futures:
                    rng = random.Random(int(now.timestamp()))
                    futures = [sampled(p, b, rates, om, self.horizon, rng) for _ in range(SAMPLES)]
                full_t = tuple(sorted(full))
                diffs = [price(f, k, full_t) - price(f, k, narrow) for f in futures]
                mean = sum(diffs) / len(diffs)
                sd = (sum((d - mean) ** 2 for d in diffs) / max(len(diffs) - 1, 1)) ** 0.5
                if mean - STANDARD_ERRORS * sd / len(diffs) ** 0.5 > narrow_margin:
                    target = frozenset(narrow)
            if target == current:
                continue
            saving = base - cost[target]
            frm = tuple(p.queue_ids[q] for q in p.sets[k])
            to = tuple(q for q in self.eligible[cid] if p.index[q] in target)
            if target == full:
                # out (or back) to the widest set: the default, taken at the first chance
                widen.append(Move(cid, frm, to, saving, margin, ""))
                continue
            if saving <= narrow_margin:
                continue
            move = Move(cid, frm, to, saving, narrow_margin, "")
            if best is None or saving - narrow_margin > best[0]:
                best = (saving - narrow_margin, move)
        moves = widen + ([best[1]] if best else [])
        for m in moves:
            self.changed.add(m.counter_id)
            m.reason = self.explain(engine, now, m.counter_id, m.from_queue_ids, m.to_queue_ids, m.saving)
        moves = closed + moves
        self.last = Decision(now, moves, base, replays)
        return moves

    # ------------------------------------------------------------------ words for the supervisor
    def explain(
        self, engine: HallEngine, now: datetime, cid: str, frm: tuple[str, ...], to: tuple[str, ...], saving: float
    ) -> str:
        """E.g. "社保等候12人、预计28分钟，高于综合受理的6分钟；3号窗口改办社保（停办综合受理）…"."""

        def state(q: str) -> tuple[int, int]:
            est = engine.estimate_for(q, len(engine.waiting[q]), now)
            return len(engine.waiting[q]), int(round(est.p50_s / 60))

        def names(qs) -> str:
            return "、".join(self.names[q] for q in qs)

        gained = [q for q in to if q not in frm]
        dropped = [q for q in frm if q not in to]
        kept = [q for q in to if q in frm]
        num = f"{self.numbers.get(cid, cid)}号窗口"
        parts = []
        before = {d: state(d) for d in dropped}
        mentioned: set[str] = set()
        for q in gained:
            n, w = state(q)
            lower = [d for d in dropped if before[d][1] < w]
            mentioned.update(lower)
            parts.append(
                f"{self.names[q]}等候{n}人、预计{w}分钟"
                + ("，高于" + "、".join(f"{self.names[d]}的{before[d][1]}分钟" for d in lower) if lower else "")
            )
        if not gained:
            for q in kept:
                n, w = state(q)
                parts.append(f"{self.names[q]}等候{n}人、预计{w}分钟")
        for q in dropped:
            if q not in mentioned:
                n, w = before[q]
                parts.append(f"{self.names[q]}等候{n}人、预计{w}分钟，由其他窗口继续办理")
        if gained and not dropped:
            what = f"{num}增办{names(gained)}（同时办理{names(to)}）"
        elif gained:
            what = f"{num}改办{names(to)}（停办{names(dropped)}）"
        else:
            what = f"{num}停办{names(dropped)}，专办{names(to)}"
        gain = (
            f"预计{int(round(self.horizon))}分钟内全厅少等约{int(round(saving))}人·分钟"
            if saving > 0
            else f"不再限定业务，{BY_NEED}"
        )
        return f"{'；'.join(parts)}；{what}。{gain}"
