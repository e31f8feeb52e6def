"""When to tell a citizen who left the hall to come back: the calibrated "come now" rule (docs/gateway.md).

A ticket's waiting-time estimate (engine/estimate.py) is a calibrated lognormal: its printed number is
the median (p50) of what citizens like this one really waited today and its range's end the 80th
percentile (p80). Through those two points the lognormal is fixed, so the probability of being called
within any time t is Φ((ln t − ln p50) / σ) with σ = ln(p80 / p50) / z₀.₈. A notice is due as soon as

    P(called within travel_min + margin_min) ≥ threshold        (margin 3 min; threshold: see below)

The contract's words are a threshold of 0.9. Read literally that is late: when the call is 90 % likely
within 23 minutes, its median is some 15 minutes away, so most citizens 20 minutes away arrive after
their call. The simulator measures both readings (docs/gateway.md, "When to notify"); the site file's
`gateway.notify.threshold` chooses. Not "N people ahead" either way: a queue with one slow counter and
one with five fast ones differ by a factor of five per person ahead.

Pure: the broker's tick task and the simulator (queue_broker/sim/come_back.py) call the same code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .commands import NoticeDue
from .estimate import Z80, WaitEstimate

if TYPE_CHECKING:
    from .hall import HallEngine


def p_called_within(est: WaitEstimate, minutes: float) -> float:
    """P(the wait from now is at most `minutes`) under the estimate's lognormal (p50, p80)."""
    t = minutes * 60.0
    p50, p80 = float(est.p50_s), float(est.p80_s)
    if p50 <= 0:
        return 1.0  # the estimate says now
    if t <= 0:
        return 0.0
    if p80 <= p50:  # no spread: a certain time
        return 1.0 if t >= p50 else 0.0
    sigma = math.log(p80 / p50) / Z80
    return 0.5 * math.erfc(-(math.log(t / p50) / sigma) / math.sqrt(2))


@dataclass(frozen=True)
class ComeNowRule:
    margin_min: float = 3.0
    threshold: float = 0.9

    def check(self, est: WaitEstimate, travel_min: float) -> tuple[bool, float]:
        """(due, probability) for a citizen `travel_min` minutes away."""
        p = p_called_within(est, travel_min + self.margin_min)
        return p >= self.threshold, p


def rule_of(engine: HallEngine) -> ComeNowRule:
    n = engine.config.gateway.notify
    return ComeNowRule(n.margin_min, n.threshold)


def come_now_task(engine: HallEngine, now: datetime) -> list[NoticeDue]:
    """A tick task: `NoticeDue` for every waiting ticket whose notice has become due."""
    rule = rule_of(engine)
    due: list[NoticeDue] = []
    for tid, rec in engine.notice_requests.items():
        if rec.due_at is not None:
            continue
        t = engine.tickets.get(tid)
        if t is None or t.state != "waiting":
            continue
        if engine.counters_serving(t.queue_id) <= 0:
            continue  # no counter serves the queue now: the estimate cannot say when the call comes
        est = engine.estimate_for(t.queue_id, engine.position(t), now)
        fire, p = rule.check(est, rec.travel_min)
        if fire:
            due.append(NoticeDue(tid, round(p, 4)))
    return due


def ahead_rule_due(ahead: int, n: int = 3) -> bool:
    """The fixed rule other systems use (JackQChen's push to the next three): notify at `n` ahead."""
    return ahead <= n
