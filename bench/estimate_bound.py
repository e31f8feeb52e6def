"""How good can a waiting-time estimate be? A bound measured on the hall-day simulator.

    .venv/bin/python bench/estimate_bound.py [--seeds 4] [--samples 200] [SCENARIO]

Under the `skills` policy every counter calls the longest-waiting ticket of its queues, so nobody who
comes later is called before a ticket: who goes before it is known at issue, and only durations are
uncertain. At every ticket's issue this script plays the hall forward `samples` times from the
engine's exact state (who waits, which counter serves whom and since when) with the scenario's TRUE
service-time distributions (lognormal mean and cv per queue, no-shows with their probability and
minutes; a service under way is drawn from its distribution given how long it has run) and takes the
median of the ticket's call time: the estimate of a forecaster that knows the hall's model exactly.
Its mean absolute error against the wait the citizen then had is what no estimate can beat by much;
the engine's own estimate is measured on the same tickets. Prints JSON.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from queue_broker.engine.hall import HallEngine  # noqa: E402
from queue_broker.sim.hall_day import run_day  # noqa: E402
from queue_broker.sim.scenario import Scenario, load_scenario, lognormal_params  # noqa: E402

NORMAL = statistics.NormalDist()


def _mc_call_time(engine, queue_id: str, now, scn: Scenario, samples: int, rng) -> tuple[float, float]:
    """(median, 80th percentile) in minutes of the call time of a new ticket at the end of `queue_id`."""
    params = {q.id: lognormal_params(q.service_min.mean, q.service_min.cv) for q in scn.queues}
    p_ns, ns_min = scn.no_show.probability, scn.no_show.minutes
    qids = list(engine.queues)
    qi = {q: i for i, q in enumerate(qids)}
    lists = [[(now - engine.tickets[t].issued_at).total_seconds() / -60.0 for t in engine.waiting[q]] for q in qids]
    me = qi[queue_id]
    my_index = len(lists[me]) - 1  # the new ticket is already in its queue
    counters = []
    for c in engine.counters.values():
        if c.status != "open":
            continue
        busy = None
        if c.current:
            t = engine.tickets[c.current]
            elapsed = (now - t.called_at).total_seconds() / 60.0 if t.called_at else 0.0
            busy = (t.queue_id, elapsed, t.state == "called")
        counters.append((tuple(qi[q] for q in c.queue_ids), busy))
    out = []
    for _ in range(samples):
        heap = []
        for k, (_qs, busy) in enumerate(counters):
            if busy is None:
                free = 0.0
            elif busy[2]:  # called, not started: a no-show running out its minutes
                free = max(ns_min - busy[1], 0.0)
            else:
                mu, sigma = params[busy[0]]
                lo = NORMAL.cdf((math.log(max(busy[1], 1e-9)) - mu) / sigma) if sigma > 0 else 0.0
                u = lo + (1 - lo) * rng.random()
                x = math.exp(mu + sigma * NORMAL.inv_cdf(min(max(u, 1e-12), 1 - 1e-12)))
                free = max(x - busy[1], 0.0)
            heap.append((free, k))
        heapq.heapify(heap)
        ptr = [0] * len(lists)
        found = None
        while heap:
            t, k = heapq.heappop(heap)
            best, best_issue = -1, math.inf
            for q in counters[k][0]:
                i = ptr[q]
                if i < len(lists[q]) and lists[q][i] < best_issue:
                    best, best_issue = q, lists[q][i]
            if best < 0:
                continue
            if best == me and ptr[me] == my_index:
                found = t
                break
            ptr[best] += 1
            if rng.random() < p_ns:
                s = ns_min
            else:
                mu, sigma = params[qids[best]]
                s = math.exp(mu + sigma * rng.standard_normal()) if sigma > 0 else math.exp(mu)
            heapq.heappush(heap, (t + s, k))
        out.append(found if found is not None else math.inf)
    out.sort()
    return out[len(out) // 2], out[int(0.8 * (len(out) - 1))]


def one(job):
    path, seed, samples = job
    scn = load_scenario(path)
    rng = np.random.default_rng(seed + 99)
    records = []
    # the engine computes each new ticket's estimate in _issue; wrap _issue to play the hall forward
    # right after the ticket is recorded (the same state the estimate saw, plus the ticket itself)
    issue = HallEngine._issue

    def _issue(self, out, now, queue_id, *args, **kw):
        t = issue(self, out, now, queue_id, *args, **kw)
        if t.priority == "normal":
            mc50, mc80 = _mc_call_time(self, queue_id, now, scn, samples, rng)
            records.append((t.id, queue_id, mc50, mc80))
        return t

    HallEngine._issue = _issue
    try:
        r = run_day(scn, "skills", seed)
    finally:
        HallEngine._issue = issue
    # run_day lists the outcomes in issue order, as the records were made
    assert len(records) == len(r.tickets)
    rows = []
    for (_tid, queue_id, mc50, mc80), o in zip(records, r.tickets, strict=True):
        assert o.queue == queue_id
        if o.wait_min is not None:
            rows.append((o.wait_min, o.est_p50_min, o.est_p80_min, mc50, mc80))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "examples" / "scenarios" / "standard-day.yaml"))
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    t0 = time.monotonic()
    jobs = [(args.scenario, s, args.samples) for s in range(args.seeds)]
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        parts = list(pool.map(one, jobs))
    rows = np.array([r for part in parts for r in part])
    w, e50, e80, m50, m80 = rows.T
    waited = (w > 1e-9) | (e80 > 1e-9)
    out = {
        "scenario": Path(args.scenario).stem,
        "policy": "skills",
        "seeds": args.seeds,
        "samples": args.samples,
        "tickets": int(len(w)),
        "engine_mae_min": round(float(np.abs(e50 - w).mean()), 3),
        "engine_p80_coverage": round(float((w <= e80 + 1e-9).mean()), 3),
        "exact_model_mae_min": round(float(np.abs(m50 - w).mean()), 3),
        "exact_model_p80_coverage": round(float((w <= m80 + 1e-9).mean()), 3),
        "engine_mae_waited_min": round(float(np.abs(e50 - w)[waited].mean()), 3),
        "exact_model_mae_waited_min": round(float(np.abs(m50 - w)[waited].mean()), 3),
        "seconds": round(time.monotonic() - t0, 1),
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
