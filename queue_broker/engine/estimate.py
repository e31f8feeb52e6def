"""Waiting-time estimates: a number and an honest range for every ticket and queue.

A ticket with `ahead` citizens before it in a queue that `c` counters serve (a counter that serves
several queues counts as a share of one) waits about `(ahead + r) * s / c`, where `s` is the queue's
smoothed service time (no-shows included, since they take counter time too) and `r` the expected
remaining part of the services in progress. The spread of a sum of `ahead + 1` service times gives
the 80th percentile (normal approximation with the queue's coefficient of variation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z80 = 0.8416


@dataclass(frozen=True)
class WaitEstimate:
    p50_s: int
    p80_s: int

    @property
    def range_s(self) -> tuple[int, int]:
        return (self.p50_s, self.p80_s)


def estimate_wait(ahead: int, mean_service_s: float, counters: float, cv: float = 0.8,
                  in_progress: int = 0) -> WaitEstimate:
    """Estimate for a ticket with `ahead` waiting tickets before it."""
    if counters <= 0:
        # nobody serves the queue now: say so honestly with a long bound rather than zero
        counters = 0.5
    work = ahead + 0.5 * min(in_progress, counters)
    mean = work * mean_service_s / counters
    sd = math.sqrt(max(ahead, 0) + 1) * cv * mean_service_s / counters
    p50 = max(0.0, mean)
    p80 = max(p50, mean + Z80 * sd)
    return WaitEstimate(int(round(p50)), int(round(p80)))


def smooth(previous: float, sample: float, alpha: float = 0.1) -> float:
    return (1 - alpha) * previous + alpha * sample
