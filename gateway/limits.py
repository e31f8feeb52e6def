"""Rate limits (docs/gateway-api.md "Limits"): requests a second per client address on any route, and
posts a minute per status token. In memory, bounded: a flood of addresses cannot grow it without end."""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

MAX_TRACKED = 50_000


class AddressLimiter:
    """A token bucket per address: `rate` a second, bursts up to `burst`."""

    def __init__(self, rate: float, burst: float | None = None, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = burst if burst is not None else max(rate, 1.0)
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # address -> (tokens, at)

    def take(self, address: str) -> float:
        """0 when allowed, else the seconds to wait before the next request would be."""
        now = self.clock()
        tokens, at = self._buckets.pop(address, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if tokens >= 1.0:
            self._buckets[address] = (tokens - 1.0, now)
            wait = 0.0
        else:
            self._buckets[address] = (tokens, now)
            wait = (1.0 - tokens) / self.rate
        while len(self._buckets) > MAX_TRACKED:
            self._buckets.popitem(last=False)
        return wait


class TokenPosts:
    """At most `per_minute` posts per status token in any 60 s."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.per_minute = per_minute
        self.clock = clock
        self._posts: OrderedDict[str, deque[float]] = OrderedDict()

    def take(self, token: str) -> float:
        now = self.clock()
        times = self._posts.pop(token, deque())
        while times and now - times[0] >= 60.0:
            times.popleft()
        wait = 0.0
        if len(times) >= self.per_minute:
            wait = 60.0 - (now - times[0])
        else:
            times.append(now)
        self._posts[token] = times
        while len(self._posts) > MAX_TRACKED:
            self._posts.popitem(last=False)
        return wait


def retry_after(wait_s: float) -> int:
    return max(1, math.ceil(wait_s))
