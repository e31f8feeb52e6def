"""Working days for every deadline of the hall (2 working days for a complex question, 15 for a bad
rating, the complaint loop, the default-satisfied rule).

China's official calendar — public holidays and the weekends swapped into working days (调休) — comes
from the maintained `chinese-calendar` package, never from a hand-typed table. On top of it, local
overrides: the site file's `site.holidays` and `site.extra_working_days`, and an optional YAML file
(`calendar.override_file`, `{holidays: [...], working_days: [...]}`) for a county's own rest days or a
year the package does not know yet. A local override always wins.

For a year the package does not cover (it publishes each year once the State Council announces it,
usually in November), the calendar falls back to Monday–Friday and says so (`covers(year)` is False,
`uncovered_years` lists what was asked): add that year's days to the override file, or update the
package.

A deadline of N working days counts from the day after the start (the start day itself is not
counted, as for administrative time limits) and ends at local midnight after the N-th working day.
Pure: no clock; the override file is read once, when the calendar is built.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

try:  # the maintained official calendar; pip install chinesecalendar
    import chinese_calendar as _official
except ImportError:  # pragma: no cover - the package is a dependency; this keeps imports safe
    _official = None


class CalendarError(ValueError):
    """An override file that cannot be read or has a wrong shape; the message names the file."""


class WorkCalendar:
    def __init__(
        self,
        tz: str | ZoneInfo = "Asia/Shanghai",
        *,
        holidays: Iterable[date] = (),
        working_days: Iterable[date] = (),
        official: bool = True,
    ):
        self.tz = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        self.holidays = set(holidays)  # local rest days, win over everything
        self.working_days = set(working_days) - self.holidays  # local working days (调休 or extra)
        self.official = official and _official is not None
        self.uncovered_years: set[int] = set()
        self._known: dict[date, bool] = {}  # the package checks its whole table on every call: remember

    # ------------------------------------------------------------------ building
    @classmethod
    def from_config(cls, config: Any) -> WorkCalendar:
        """The calendar of a SiteConfig: official days, then site.* overrides and the override file."""
        holidays = set(config.site.holidays)
        working = set(config.site.extra_working_days)
        cal_cfg = getattr(config, "calendar", None)
        if cal_cfg is not None and cal_cfg.override_file:
            path = Path(cal_cfg.override_file)
            source: str = getattr(config, "source_path", "")
            if not path.is_absolute() and source:
                path = Path(source).parent / path
            extra_h, extra_w = load_override_file(path)
            holidays |= extra_h
            working |= extra_w
        return cls(
            config.site.timezone,
            holidays=holidays,
            working_days=working,
            official=cal_cfg.official if cal_cfg is not None else True,
        )

    def covers(self, year: int) -> bool:
        """Does the official package know this year's holidays and swapped working days?"""
        if not self.official:
            return False
        try:
            _official.is_workday(date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    # ------------------------------------------------------------------ days
    def is_working_day(self, day: date) -> bool:
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = self._working(day)
        return known

    def _working(self, day: date) -> bool:
        if day in self.holidays:
            return False
        if day in self.working_days:
            return True
        if self.official:
            try:
                return bool(_official.is_workday(day))
            except NotImplementedError:
                self.uncovered_years.add(day.year)
        return day.weekday() < 5

    def kind_of(self, day: date) -> str:
        """'working', 'swapped' (a weekend worked, 调休), 'holiday' or 'weekend' — for docs and reports."""
        if self.is_working_day(day):
            return "swapped" if day.weekday() >= 5 else "working"
        if day in self.holidays or day.weekday() < 5 or self._official_holiday_name(day):
            return "holiday"
        return "weekend"

    def _official_holiday_name(self, day: date) -> str | None:
        if not self.official:
            return None
        try:
            return _official.get_holiday_detail(day)[1]
        except NotImplementedError:
            return None

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        d = day + timedelta(days=1)
        for _ in range(400):
            if self.is_working_day(d):
                return d
            d += timedelta(days=1)
        raise CalendarError(f"no working day within 400 days after {day}")

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (not counting `day` itself); n=0 gives `day`."""
        d = day
        for _ in range(n):
            d = self.next_working_day(d)
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: 0 when end <= start."""
        n, d = 0, start
        while d < end:
            d += timedelta(days=1)
            if self.is_working_day(d):
                n += 1
        return n

    # ------------------------------------------------------------------ deadlines (aware datetimes)
    def local_day(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()

    def end_of(self, day: date) -> datetime:
        """Local midnight after `day`: a deadline 'by the end of that day'."""
        return datetime.combine(day + timedelta(days=1), time(0), self.tz)

    def deadline(self, start: datetime, working_days: int) -> datetime:
        """End of the `working_days`-th working day after the local day of `start`."""
        return self.end_of(self.add_working_days(self.local_day(start), working_days))

    def add_working_time(self, start: datetime, days: float) -> datetime:
        """The moment `days` working days (a fraction allowed) are spent, counted like `deadline` from the
        end of the local day of `start`: `add_working_time(s, n)` is `deadline(s, n)` for a whole n, and a
        fraction runs into the next working day (0.8 of 5 days: the end of the 4th working day; 0.8 of 1:
        19:12 on the first working day after the start). For the 80 % warning of a promised time."""
        whole = int(days)
        rest = days - whole
        day = self.add_working_days(self.local_day(start), whole)
        if rest <= 0:
            return self.end_of(day)
        nxt = self.next_working_day(day)
        return datetime.combine(nxt, time(0), self.tz) + timedelta(days=rest)

    def warn_at(self, start: datetime, working_days: int, warn_days: int) -> datetime:
        """When a deadline enters its last `warn_days` working days (yellow). 0: at the deadline."""
        if warn_days <= 0:
            return self.deadline(start, working_days)
        if warn_days >= working_days:
            return start
        return self.deadline(start, working_days - warn_days)


def load_override_file(path: Path) -> tuple[set[date], set[date]]:
    """Read `{holidays: [YYYY-MM-DD, ...], working_days: [...]}`; CalendarError names the problem."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise CalendarError(f"{path}: the calendar override file does not exist") from None
    except ValueError as exc:  # PyYAML builds dates itself: 2026-13-01 fails inside it
        raise CalendarError(f"{path}: a date is not a date (YYYY-MM-DD): {exc}") from None
    except (OSError, yaml.YAMLError) as exc:
        raise CalendarError(f"{path}: cannot be read: {exc}") from None
    if not isinstance(data, dict) or set(data) - {"holidays", "working_days"}:
        raise CalendarError(f"{path}: expected only the keys 'holidays' and 'working_days'")
    out: list[set[date]] = []
    for key in ("holidays", "working_days"):
        days = set()
        for item in data.get(key) or []:
            if isinstance(item, datetime):
                item = item.date()
            if isinstance(item, str):
                try:
                    item = date.fromisoformat(item)
                except ValueError:
                    raise CalendarError(f"{path}: {key}: {item!r} is not a date (YYYY-MM-DD)") from None
            if not isinstance(item, date):
                raise CalendarError(f"{path}: {key}: {item!r} is not a date (YYYY-MM-DD)")
            days.add(item)
        out.append(days)
    return out[0], out[1]
