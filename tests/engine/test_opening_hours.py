"""Ticketing follows opening hours and the official calendar: closed on public holidays, open with
Monday's hours on a swapped working weekend day (调休)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest

from queue_broker.config.models import Period
from queue_broker.engine.commands import IssueTicket
from queue_broker.engine.hall import HallEngine, Rejected

from .conftest import TZ


def weekday_hours(config):
    weekdays = [Period(start="08:30", end="12:00"), Period(start="14:00", end="17:30")]
    config.site.opening_hours = {d: list(weekdays) for d in ("mon", "tue", "wed", "thu", "fri")}
    config.site.ticketing_closes_before_min = 30
    return HallEngine(config)


def first(pred, start=date(2026, 1, 1)) -> date:
    day = start
    while not pred(day):
        day += timedelta(days=1)
    return day


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, datetime.strptime(hhmm, "%H:%M").time(), TZ)


def test_weekday_hours_and_closing_early(config):
    e = weekday_hours(config)
    monday = date(2026, 11, 23)
    assert e.is_ticketing_open(at(monday, "09:00")) and e.is_ticketing_open(at(monday, "11:59"))
    assert not e.is_ticketing_open(at(monday, "12:30"))  # lunch
    assert e.is_ticketing_open(at(monday, "16:59")) and not e.is_ticketing_open(at(monday, "17:00"))
    assert not e.is_ticketing_open(at(monday + timedelta(days=5), "10:00"))  # Saturday


def test_official_holiday_on_a_weekday_is_closed_and_the_reply_says_when_it_opens(config):
    e = weekday_hours(config)
    holiday = first(lambda d: d.weekday() < 5 and chinese_calendar.is_holiday(d), date(2026, 10, 1))
    assert not e.is_ticketing_open(at(holiday, "10:00"))
    with pytest.raises(Rejected) as err:
        e.execute(IssueTicket("kiosk-1", "zh-general", "walk_in"), at(holiday, "10:00"))
    assert err.value.code == "closed"
    reopen = e.next_opening(at(holiday, "10:00"))
    assert chinese_calendar.is_workday(reopen.date()) and reopen.strftime("%H:%M") == "08:30"


def test_swapped_working_weekend_day_opens_with_mondays_hours(config):
    e = weekday_hours(config)
    swapped = first(lambda d: d.weekday() >= 5 and chinese_calendar.is_workday(d))
    assert e.is_ticketing_open(at(swapped, "09:00"))
    assert e.execute(IssueTicket("kiosk-1", "zh-general", "walk_in"), at(swapped, "09:00")).reply["ticket"]


def test_local_holiday_from_the_site_file(config):
    config.site.holidays = [date(2026, 11, 24)]
    e = weekday_hours(config)
    assert not e.is_ticketing_open(at(date(2026, 11, 24), "10:00"))
    assert e.is_ticketing_open(at(date(2026, 11, 25), "10:00"))
