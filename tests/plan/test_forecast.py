"""The forecast: calendar marks, counting the log, what the model learns, intervals, the backtest."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from queue_broker.engine import events as ev
from queue_broker.plan.backtest import backtest
from queue_broker.plan.forecast import CELLS, Forecaster, arrival_counts, day_marks, nb_quantiles
from queue_broker.plan.history import expected_cells, history_events
from queue_broker.sim.scenario import load_scenario
from queue_broker.supervision.calendar import WorkCalendar

from ..conftest import SHARED

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar("Asia/Shanghai")
PLANNING = SHARED / "scenarios" / "standard-day-planning.yaml"


def test_calendar_marks():
    # Labour Day 2026: 1-5 May closed, Saturday 9 May worked (调休)
    assert not day_marks(CAL, date(2026, 5, 1)).working
    after = day_marks(CAL, date(2026, 5, 6))
    assert after.working and after.after_holiday and after.kind == "wed"
    swapped = day_marks(CAL, date(2026, 5, 9))
    assert swapped.kind == "swapped" and swapped.schedule == "mon"
    assert not day_marks(CAL, date(2026, 5, 11)).after_holiday  # after a plain weekend
    assert day_marks(CAL, date(2026, 6, 30)).month_end and day_marks(CAL, date(2026, 6, 29)).month_end
    assert not day_marks(CAL, date(2026, 6, 26)).month_end


def test_arrival_counts_leave_out_return_tickets():
    at = datetime(2026, 6, 8, 9, 10, tzinfo=TZ)
    events = [
        ev.Event(ev.TICKET_ISSUED, at, {"queue_id": "A"}),
        ev.Event(ev.TICKET_ISSUED, at + timedelta(minutes=25), {"queue_id": "A"}),
        ev.Event(ev.TICKET_ISSUED, at, {"queue_id": "A", "return_of": "x"}),
        ev.Event(ev.TICKET_CALLED, at, {"ticket_id": "x"}),
    ]
    counts = arrival_counts(events, TZ)
    row = counts[date(2026, 6, 8)]["A"]
    assert row[18] == 1 and row[19] == 1 and row.sum() == 2  # 09:10 is cell 18 (09:00), 09:35 cell 19


def _synthetic(days, level, factor_of, rng):
    """Counts of one queue A with a fixed profile over 09:00-11:00 and a day factor by date."""
    profile = np.zeros(CELLS)
    profile[18:22] = [0.4, 0.3, 0.2, 0.1]
    out = {}
    for d in days:
        out[d] = {"A": rng.poisson(level * factor_of(d) * profile).astype(float)}
    return out, profile


def test_learns_weekday_and_after_holiday_effects():
    rng = np.random.default_rng(1)
    days = [date(2025, 9, 1) + timedelta(days=i) for i in range(260)]
    days = [d for d in days if day_marks(CAL, d).working]

    def factor(d):
        f = 1.4 if d.weekday() == 0 else 1.0
        return f * (1.5 if day_marks(CAL, d).after_holiday else 1.0)

    counts, profile = _synthetic(days, 200, factor, rng)
    model = Forecaster(CAL).fit(counts, ["A"])
    effects = model.effects()
    assert effects["flag.after_holiday"] == pytest.approx(1.5, rel=0.12)
    assert effects["weekday.mon"] / effects["weekday.wed"] == pytest.approx(1.4, rel=0.06)
    # the first working day after the 2026 Spring Festival closure (Feb 24, a Tuesday)
    fc = model.forecast(date(2026, 2, 24))
    assert fc.marks.after_holiday
    assert fc.queues["A"].total_mean == pytest.approx(300, rel=0.12)
    assert np.allclose(fc.mean("A") / fc.queues["A"].total_mean, profile, atol=0.02)
    closed = model.forecast(date(2026, 2, 17))
    assert not closed.marks.working and closed.queues["A"].total_mean == 0


def test_no_effect_stays_near_none():
    rng = np.random.default_rng(2)
    days = [d for d in (date(2026, 4, 1) + timedelta(days=i) for i in range(60)) if day_marks(CAL, d).working]
    counts, _ = _synthetic(days, 100, lambda d: 1.0, rng)
    effects = Forecaster(CAL).fit(counts, ["A"]).effects()
    assert effects["flag.after_holiday"] == pytest.approx(1.0, abs=0.12)
    assert effects["flag.month_end"] == pytest.approx(1.0, abs=0.12)


def test_negative_binomial_quantiles():
    assert nb_quantiles(0.0, 0.0, (0.1, 0.9)) == [0, 0]
    assert nb_quantiles(4.0, 4.0, (0.1, 0.5, 0.9)) == [2, 4, 7]  # Poisson(4)
    lo, hi = nb_quantiles(20.0, 60.0, (0.1, 0.9))
    assert lo < 20 - 1.28 * math.sqrt(20) and hi > 20 + 1.28 * math.sqrt(20)  # wider than Poisson


def test_history_follows_the_scenario_and_the_calendar():
    scn = load_scenario(PLANNING)
    events = list(history_events(scn, date(2026, 4, 27), date(2026, 5, 11), 0, CAL))
    days = sorted({e.at.astimezone(TZ).date() for e in events})
    assert date(2026, 5, 1) not in days and date(2026, 5, 9) in days  # holiday closed, 调休 worked
    expected = expected_cells(scn)
    assert sum(r.sum() for r in expected.values()) == pytest.approx(860)
    assert expected["ZH"][17] == pytest.approx(22.0)  # 08:30 cell: 220 x 0.10


def test_backtest_beats_naive_and_is_near_the_oracle():
    out = backtest(load_scenario(PLANNING), weeks=8, seeds=2)
    assert out["wape"] <= 1.15 * out["oracle_wape"]
    assert out["wape"] <= 0.8 * out["naive_wape"]
    assert 0.75 <= out["interval_coverage"] <= 0.92
