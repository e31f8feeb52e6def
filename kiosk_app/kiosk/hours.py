"""Opening hours as the kiosk shows them (seed art. 26).

The rules are the queue broker's own (`queue_broker.engine.hours.OpeningHours`: weekly hours on the
official calendar). The broker stays the judge: when the two disagree (a clock off by a minute), its
`closed` reply wins and the kiosk says what it said.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from queue_broker.engine.hours import OpeningHours

WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@dataclass(frozen=True)
class HallHours:
    """What the screens need to know about the time, computed once a second."""

    ticketing_open: bool
    self_service_open: bool
    next_opening: datetime | None

    @classmethod
    def at(cls, hours: OpeningHours, now: datetime) -> HallHours:
        return cls(hours.ticketing_open(now), hours.self_service_open(now), hours.next_opening(now))
