"""The working-day calendar: China's official days from the chinese-calendar package, local overrides
from the site file and an override file, deadlines across holidays and swapped working weekends."""

from __future__ import annotations

from datetime import date

import pytest

from queue_broker.config.loader import load_site_config
from queue_broker.supervision.calendar import CalendarError, WorkCalendar, load_override_file

from .conftest import MINI, at


@pytest.fixture
def cal():
    return WorkCalendar("Asia/Shanghai")


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (date(2026, 9, 30), "working"),
        (date(2026, 10, 1), "holiday"),  # 国庆节
        (date(2026, 10, 3), "holiday"),  # a Saturday inside the holiday
        (date(2026, 10, 10), "swapped"),  # Saturday worked (调休)
        (date(2026, 9, 20), "swapped"),  # Sunday worked
        (date(2026, 10, 11), "weekend"),
        (date(2026, 2, 14), "swapped"),  # 春节调休
        (date(2026, 2, 17), "holiday"),
        (date(2026, 2, 28), "swapped"),
    ],
)
def test_official_days(cal, day, kind):
    assert cal.kind_of(day) == kind


def test_deadlines_across_national_day_and_a_swapped_saturday(cal):
    # a complex question on Wed 30 Sep: 2 working days are Thu 8 and Fri 9 Oct
    assert cal.deadline(at(2026, 9, 30, 16, 0), 2).isoformat() == "2026-10-10T00:00:00+08:00"
    # on Fri 9 Oct, one working day is Saturday 10 Oct (调休)
    assert cal.deadline(at(2026, 10, 9, 9, 0), 1).isoformat() == "2026-10-11T00:00:00+08:00"
    # 15 working days from Tue 29 Sep: 30 Sep, 8, 9, 10 (Sat), 12–16, 19–23, 26 Oct
    assert cal.deadline(at(2026, 9, 29, 10, 0), 15).isoformat() == "2026-10-27T00:00:00+08:00"
    assert cal.working_days_between(date(2026, 9, 29), date(2026, 10, 26)) == 15
    # a case opened on a holiday counts from the next working day
    assert cal.deadline(at(2026, 10, 3, 10, 0), 1).isoformat() == "2026-10-09T00:00:00+08:00"
    # the Spring Festival: from Fri 13 Feb 2026, Sat 14 is worked, 15–23 are off, Sat 28 is worked
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert cal.add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)
    assert cal.add_working_days(date(2026, 2, 26), 2) == date(2026, 2, 28)


def test_warning_point(cal):
    start = at(2026, 9, 30, 16, 0)
    assert cal.warn_at(start, 2, 1).isoformat() == "2026-10-09T00:00:00+08:00"
    assert cal.warn_at(start, 2, 0) == cal.deadline(start, 2)
    assert cal.warn_at(start, 2, 5) == start


def test_site_overrides_win_over_the_official_calendar(config):
    config.site.holidays = [date(2026, 10, 9)]  # a local rest day
    config.site.extra_working_days = [date(2026, 10, 11)]  # and a Sunday worked instead
    cal = WorkCalendar.from_config(config)
    assert not cal.is_working_day(date(2026, 10, 9)) and cal.is_working_day(date(2026, 10, 11))
    assert cal.deadline(at(2026, 9, 30, 16, 0), 2).isoformat() == "2026-10-11T00:00:00+08:00"  # Thu 8, Sat 10
    assert cal.deadline(at(2026, 9, 30, 16, 0), 3).isoformat() == "2026-10-12T00:00:00+08:00"  # Sun 11


def test_override_file_relative_to_the_site_file_and_uncovered_years(tmp_path):
    site = tmp_path / "site.yaml"
    site.write_text(MINI.read_text(encoding="utf-8") + "calendar: {override_file: days.yaml}\n", encoding="utf-8")
    (tmp_path / "days.yaml").write_text(
        "# 2027 年放假安排（示例）\nholidays: [2027-01-01]\nworking_days: [2027-01-02]\n", encoding="utf-8"
    )
    cfg = load_site_config(site, env={})
    cal = WorkCalendar.from_config(cfg)
    assert not cal.covers(2027) and cal.covers(2026)
    assert not cal.is_working_day(date(2027, 1, 1)) and cal.is_working_day(date(2027, 1, 2))
    assert cal.is_working_day(date(2027, 1, 4)) and not cal.is_working_day(date(2027, 1, 9))  # Mon–Fri fallback
    assert cal.uncovered_years == {2027}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("holidays: [2026-13-01]\n", "not a date"),
        ("holiday: []\n", "only the keys"),
        ("holidays: [yesterday]\n", "not a date"),
    ],
)
def test_bad_override_files_are_named(tmp_path, text, words):
    f = tmp_path / "days.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarError) as err:
        load_override_file(f)
    assert str(f) in str(err.value) and words in str(err.value)
    with pytest.raises(CalendarError):
        load_override_file(tmp_path / "missing.yaml")
