"""When a hall issues tickets: the site's weekly hours laid over the official working-day calendar.

One implementation for the queue broker and every kiosk, so a kiosk never offers a ticket that the
broker then refuses. On an official or local holiday the hall is closed; on a swapped working weekend
day (调休) it keeps Monday's hours; ticketing stops `ticketing_closes_before_min` before the last
period of the day ends. Dated changes (`site.hours_changes`) take effect on their day by themselves:
the latest change whose `effective_from` is on or before the day gives that day's weekly hours. Pure:
the time is passed in.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from ..config.models import Period, Site, SiteConfig, hhmm
from ..supervision.calendar import WorkCalendar

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class OpeningHours:
    def __init__(self, site: Site, calendar: WorkCalendar):
        self.site = site
        self.calendar = calendar
        self.tz = ZoneInfo(site.timezone)

    @classmethod
    def from_config(cls, config: SiteConfig) -> OpeningHours:
        return cls(config.site, WorkCalendar.from_config(config))

    def schedule(self, day: date) -> tuple[dict[str, list[Period]], int]:
        """The weekly hours and the ticketing cut-off in force on `day` (the latest dated change, else the
        site's own hours)."""
        # read by weekday name (WEEKDAYS), so the keys' Literal type is widened to str
        hours = cast(dict[str, list[Period]], self.site.opening_hours)
        close_before = self.site.ticketing_closes_before_min
        for change in sorted(self.site.hours_changes, key=lambda c: c.effective_from):
            if change.effective_from > day:
                break
            hours = cast(dict[str, list[Period]], change.opening_hours)
            if change.ticketing_closes_before_min is not None:
                close_before = change.ticketing_closes_before_min
        return hours, close_before

    def periods(self, day: date) -> list[Period]:
        kind = self.calendar.kind_of(day)
        if kind == "holiday":
            return []
        hours, _ = self.schedule(day)
        if kind == "swapped":
            return list(hours.get("mon", []))
        return list(hours.get(WEEKDAYS[day.weekday()], []))

    def ticketing_open(self, now: datetime) -> bool:
        local = now.astimezone(self.tz)
        day = local.date()
        periods = self.periods(day)
        close_early = timedelta(minutes=self.schedule(day)[1])
        for p in periods:
            start = datetime.combine(day, hhmm(p.start), self.tz)
            end = datetime.combine(day, hhmm(p.end), self.tz) - (close_early if p is periods[-1] else timedelta(0))
            if start <= local < end:
                return True
        return False

    def next_opening(self, now: datetime, within_days: int = 30) -> datetime | None:
        local = now.astimezone(self.tz)
        for offset in range(within_days):
            day = local.date() + timedelta(days=offset)
            for p in self.periods(day):
                start = datetime.combine(day, hhmm(p.start), self.tz)
                if start > local:
                    return start
        return None

    def self_service_open(self, now: datetime) -> bool:
        """The 24-hour self-service zone (seed art. 26) keeps its own hours, holidays included."""
        t = now.astimezone(self.tz).time()
        return any(
            hhmm(p.start) <= t < (hhmm(p.end) if p.end != "24:00" else time.max) for p in self.site.self_service.hours
        )
