"""What if a tidal counter serving several queues called by another rule than the longest wait?

    .venv/bin/python bench/tidal_calling_rules.py --seeds 100            # both shared days, every rule
    .venv/bin/python bench/tidal_calling_rules.py --rules blend,drain --seeds 20

The experiment behind docs/tidal.md ("How a tidal counter calls"): the `tidal` policy of the
simulator (the production rebalancer), with the engine's choice *between queues* replaced, for tidal
counters serving several queues only, by one of the rules below. Within a queue the order stays the
engine's; the rebalancer's pricing is left as it is. `blend-rescue-next` is the rule the engine ships
(engine/calling.py, rule 4), written again here so that every row goes through the same code;
`longest-wait` is what every counter did before (and what `skills` does). Every rule is scale-free:
people, minutes of service and the queue's SLA, no constant fitted to a scenario.

For a queue q of the counter: n waiting, head wait w, mean service s, SLA L, and `others` the other
open counters serving q (one serving k queues counts 1/k); `skip` = w + s / max(others, 0.5) is the
head's wait by the time another counter of q would reach them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import queue_broker.engine.hall as hall  # noqa: E402
from queue_broker.engine import events as ev  # noqa: E402
from queue_broker.sim.runner import default_workers, simulate, summary  # noqa: E402
from queue_broker.sim.scenario import load_scenario  # noqa: E402

DAYS = [ROOT.parent / "shared" / "scenarios" / f for f in ("standard-day.yaml", "standard-day-surge.yaml")]


def _score(rule: str, n: int, w: float, s: float, others: float, sla: float):
    skip = w + s / max(others, 0.5)
    blend = (n - 1) / (others + 1) + skip / sla  # people moved on per server + the head against the SLA
    if rule == "longest-wait":
        return w
    if rule == "blend":
        return blend
    if rule == "blend-late-first":  # heads already beyond the SLA first, by their wait
        return (1, w) if w >= sla else (0, blend)
    if rule == "blend-rescue":  # heads that would pass the SLA if skipped first, by that wait
        return (1, skip) if skip >= sla else (0, blend)
    if rule == "blend-rescue-by-wait":
        return (1, w) if skip >= sla else (0, blend)
    if rule == "blend-rescue-next":  # as blend-rescue-by-wait, the rescue judged at the queue's next free counter
        return (1, w) if w + s / (others + 1) >= sla else (0, blend)
    if rule == "blend-save-first":  # heads who can still make the SLA if called now, before those past it
        if w < sla <= w + s / (others + 1):
            return (2, w)
        return (1, w) if w >= sla else (0, blend)
    if rule == "drain":  # waiting work per server: where a newcomer would wait longest (like one line)
        return n * s / (others + 1)
    if rule == "drain+wait":
        return w + n * s / (others + 1)
    if rule == "gcmu":  # generalised c-mu: wait per minute of service
        return w / s
    raise ValueError(f"unknown rule {rule!r}")


RULES = [
    "longest-wait",
    "blend",
    "blend-late-first",
    "blend-rescue",
    "blend-rescue-by-wait",
    "blend-rescue-next",
    "blend-save-first",
    "drain",
    "drain+wait",
    "gcmu",
]


def install(rule: str) -> None:
    """Replace the engine's call for tidal counters with several queues (this process and the workers
    it forks)."""
    plain = hall.HallEngine._call_next

    def call_next(self, c, now):
        if c.mode != "tidal" or c.status == "paused" or len(c.queue_ids) < 2:
            return plain(self, c, now)
        queues = {q: [self.tickets[t] for t in self.waiting.get(q, [])] for q in c.queue_ids}
        queues = {q: ts for q, ts in queues.items() if ts}
        if len(queues) < 2:
            return plain(self, c, now)
        best = None
        for q, ts in queues.items():
            head = min(ts, key=lambda t: t.issued_at)
            others = sum(
                1.0 / len(o.queue_ids)
                for o in self.counters.values()
                if o is not c and o.status == "open" and q in o.queue_ids
            )
            key = _score(
                rule,
                len(ts),
                (now - head.issued_at).total_seconds() / 60.0,
                self.stats[q].mean_service_s / 60.0,
                others,
                float(self.queues[q].sla_min),
            )
            if best is None or key > best[0]:
                best = (key, head)
        out: list = []
        if c.current:  # the engine's own implicit finish, as its call-next does
            self._finish(out, c, now, "done", implicit=True)
            self._settle_counter(out, c, now)
        self._emit(out, ev.TICKET_CALLED, now, ticket_id=best[1].id, counter_id=c.id, recall=0)
        return hall.Result(out, {"ticket": self.ticket_view(best[1], now)})

    hall.HallEngine._call_next = call_next


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--rules", default=",".join(RULES))
    ap.add_argument("--workers", type=int, default=default_workers())
    ap.add_argument("scenarios", nargs="*", default=[str(p) for p in DAYS])
    args = ap.parse_args()
    plain = hall.HallEngine._call_next
    print("| day | rule | mean | p90 | >20 min | worst queue mean | switches |")
    print("|---|---|---|---|---|---|---|")
    for path in args.scenarios:
        scn = load_scenario(path)
        for rule in args.rules.split(","):
            hall.HallEngine._call_next = plain
            install(rule)
            m = summary(scn, simulate(scn, ["tidal"], args.seeds, workers=args.workers), args.seeds)
            t = m["policies"]["tidal"]
            q, worst = max(t["per_queue_mean_wait_min"].items(), key=lambda kv: kv[1])
            print(
                f"| {scn.name} | {rule} | {t['mean_wait_min']:.2f} | {t['p90_wait_min']:.1f} | "
                f"{100 * t['share_over_20_min']:.1f}% | {q} {worst:.1f} | {t['switches_per_day']:.1f} |",
                flush=True,
            )
    hall.HallEngine._call_next = plain


if __name__ == "__main__":
    main()
