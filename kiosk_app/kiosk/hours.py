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
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class HallHours:
    """What the screens need to know about the time, computed once a second."""

    ticketing_open: bool
    self_service_open: bool
    next_opening: datetime | None

    @classmethod
    def at(cls, hours: OpeningHours, now: datetime) -> HallHours:
        return cls(hours.ticketing_open(now), hours.self_service_open(now), hours.next_opening(now))


def opening_text(when: datetime | None, now: datetime, language: str = "zh") -> str:
    """'今天 14:00', '明天 08:30', '11月30日（周一）08:30' – how a person says when the hall opens."""
    if when is None:
        return "请咨询工作人员" if language == "zh" else "please ask the staff"
    local_now = now.astimezone(when.tzinfo)
    days = (when.date() - local_now.date()).days
    hm = when.strftime("%H:%M")
    if language == "zh":
        if days == 0:
            return f"今天 {hm}"
        if days == 1:
            return f"明天 {hm}"
        return f"{when.month}月{when.day}日（{WEEKDAYS_ZH[when.weekday()]}）{hm}"
    if days == 0:
        return f"today at {hm}"
    if days == 1:
        return f"tomorrow at {hm}"
    return f"{WEEKDAYS_EN[when.weekday()]} {when.day}/{when.month} at {hm}"
