"""Item 6 of issue 18 in the simulator: citizens who leave and come back on the notice, decided by the
broker's own come-now rule through the engine's RequestNotice/NoticeDue commands, against "3 ahead"."""

from __future__ import annotations

from pathlib import Path

from queue_broker.engine.come_now import ComeNowRule, p_called_within
from queue_broker.engine.estimate import WaitEstimate
from queue_broker.sim.come_back import Away, baseline, bound, run_rule
from queue_broker.sim.hall_day import run_day
from queue_broker.sim.leave import LeaveAndReturn
from queue_broker.sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
OPTS = LeaveAndReturn(share=1.0, travel_mean_min=10.0)


def test_the_rule_reads_the_estimates_lognormal():
    est = WaitEstimate(600, 900)  # median 10 min, p80 15 min
    assert abs(p_called_within(est, 10) - 0.5) < 1e-9
    assert abs(p_called_within(est, 15) - 0.8) < 1e-3
    assert p_called_within(WaitEstimate(0, 0), 0) == 1.0
    assert ComeNowRule(3.0, 0.1).check(est, 20)[0] and not ComeNowRule(3.0, 0.9).check(est, 5)[0]


def test_notified_citizens_are_back_in_time_with_the_calibrated_rule_and_not_with_three_ahead():
    scn = load_scenario(ROOT / "examples" / "scenarios" / "standard-day-surge.yaml")
    today = baseline(scn, 0, "tidal")
    calibrated = run_rule(scn, OPTS, "come_now", 0.1, 0, "tidal")
    literal = run_rule(scn, OPTS, "come_now", 0.9, 0, "tidal")
    ahead = run_rule(scn, OPTS, "ahead3", 0.0, 0, "tidal")
    assert calibrated["left_share"] > 0.1  # some waits are long enough to go out
    assert calibrated["notified_at_window_share"] >= 0.85
    assert calibrated["notified_at_window_share"] > literal["notified_at_window_share"] + 0.3
    assert calibrated["notified_at_window_share"] > ahead["notified_at_window_share"] + 0.3
    assert calibrated["no_show_rate"] <= today["no_show_rate"] + 0.01
    assert ahead["no_show_rate"] > today["no_show_rate"] + 0.05
    assert calibrated["notices_per_leaver"] <= 1.0


def test_the_bound_on_who_could_wait_outside_is_the_waits_not_the_rule():
    """docs/gateway.md: even a rule that knew each call's moment lets go only who waits longer than the
    trip back + 3 min; the calibrated rule lets go fewer, the same share as its own run on that day."""
    scn = load_scenario(ROOT / "examples" / "scenarios" / "standard-day-surge.yaml")
    b = bound(scn, OPTS, 1, 0.05)
    ruled = run_rule(scn, OPTS, "come_now", 0.05, 0, "tidal")
    assert 0.0 < b["calibrated_leave_share"] < b["oracle_leave_share"] < 0.5
    assert abs(b["calibrated_leave_share"] - ruled["left_share"]) < 0.03
    assert b["median_wait_min"] < b["median_travel_plus_margin_min"]  # most waits are shorter than the trip


def test_the_notices_go_through_the_engine():
    scn = load_scenario(ROOT / "examples" / "scenarios" / "small-township.yaml")
    away = Away(OPTS, "come_now", 0.1, 0)
    run_day(scn, "static", 0, away=away)
    left = [c for c in away.citizens.values() if c.left]
    assert left, "nobody left"
    assert all(c.called_at is not None for c in left)
    assert sum(1 for c in left if c.notified_at is not None) >= len(left) * 0.8
