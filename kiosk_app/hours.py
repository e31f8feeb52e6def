"""Opening hours as the kiosk sees them (seed art. 26): pure functions of the site config and a time.

The rules are the queue broker's (`HallEngine.is_ticketing_open` / `next_opening`): ticketing stops
`ticketing_closes_before_min` before the last period of a day ends; local holidays close the hall;
a swapped working weekend (调休) uses Monday's hours. The broker stays the judge: when the two
disagree (a clock off by a minute), its `closed` reply wins and the kiosk says what it said.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from queue_broker.config.models import Period, Site, hhmm

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _periods(site: Site, day) -> list[Period]:
    if day in site.holidays:
        return []
    periods = site.opening_hours.get(WEEKDAYS[day.weekday()], [])
    if day in site.extra_working_days and not periods:
        periods = site.opening_hours.get("mon", [])
    return list(periods)


def ticketing_open(site: Site, now: datetime) -> bool:
    tz = ZoneInfo(site.timezone)
    local = now.astimezone(tz)
    periods = _periods(site, local.date())
    close_early = timedelta(minutes=site.ticketing_closes_before_min)
    for p in periods:
        start = datetime.combine(local.date(), hhmm(p.start), tz)
        end = datetime.combine(local.date(), hhmm(p.end), tz) - (close_early if p is periods[-1] else timedelta(0))
        if start <= local < end:
            return True
    return False


def next_opening(site: Site, now: datetime) -> datetime | None:
    tz = ZoneInfo(site.timezone)
    local = now.astimezone(tz)
    for offset in range(0, 15):
        day = local.date() + timedelta(days=offset)
        for p in _periods(site, day):
            start = datetime.combine(day, hhmm(p.start), tz)
            if start > local:
                return start
    return None


def self_service_open(site: Site, now: datetime) -> bool:
    local = now.astimezone(ZoneInfo(site.timezone))
    t = local.time()
    return any(hhmm(p.start) <= t < (hhmm(p.end) if p.end != "24:00" else time.max) for p in site.self_service.hours)


@dataclass(frozen=True)
class HallHours:
    """What the screens need to know about the time, computed once a second."""

    ticketing_open: bool
    self_service_open: bool
    next_opening: datetime | None

    @classmethod
    def at(cls, site: Site, now: datetime) -> HallHours:
        return cls(ticketing_open(site, now), self_service_open(site, now), next_opening(site, now))


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
