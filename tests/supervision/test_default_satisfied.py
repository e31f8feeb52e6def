"""The default-satisfied rule: a served ticket not rated within the configured days counts as 满意 (4),
in working days by default, never a second early, never over a real rating, never for a no-show."""

from __future__ import annotations

from datetime import timedelta

import pytest

from queue_broker.engine import events as ev
from queue_broker.engine.commands import ApplyDefaultRatings
from queue_broker.engine.hall import Rejected

from .conftest import at

S = timedelta(seconds=1)


def _served_and_others(d):
    d.open("W1")
    quiet = d.issue()
    rated = d.issue()
    absent = d.issue()
    d.serve("W1")  # quiet: served, never rated
    d.serve("W1")
    d.rate(rated["id"], 5)
    d.act("W1", "call-next")
    d.act("W1", "no-show")
    d.act("W1", "close")
    return quiet, rated, absent


def test_off_by_default(make_day):
    d = make_day(at(2026, 9, 30, 10, 0))
    quiet, _, _ = _served_and_others(d)
    d.to(at(2026, 12, 31, 10, 0))
    assert d.of(ev.RATING_DEFAULTED) == [] and d.e.tickets[quiet["id"]].rating is None
    with pytest.raises(Rejected):
        d.run(ApplyDefaultRatings((quiet["id"],)))


def test_five_working_days_across_national_day(make_day, config):
    config.ratings.default_satisfied.after_days = 5
    d = make_day(at(2026, 9, 30, 10, 0), config)
    quiet, rated, absent = _served_and_others(d)
    # finished Wed 30 Sep; working days 8, 9, 10 (Sat, 调休), 12, 13 Oct: due at the end of 13 Oct
    assert d.e.default_rating_due(d.e.tickets[quiet["id"]].finished_at).isoformat() == "2026-10-14T00:00:00+08:00"
    d.to(at(2026, 10, 1, 9, 0))
    assert d.to(at(2026, 10, 14) - S) == []
    assert d.run(ApplyDefaultRatings((quiet["id"],))) == {"defaulted": 0}  # the engine refuses early itself
    new = d.later(seconds=1)
    assert [e.type for e in new] == [ev.RATING_DEFAULTED]
    assert new[0].data["ticket_id"] == quiet["id"] and new[0].data["level"] == 4
    assert d.e.tickets[quiet["id"]].rating == 4 and d.e.ratings[quiet["id"]]["default"] is True
    assert d.e.tickets[rated["id"]].rating == 5 and d.e.tickets[absent["id"]].rating is None
    assert d.later(days=30) == []  # once
    with pytest.raises(Rejected) as err:  # a citizen rating after the window: already counted
        d.rate(quiet["id"], 1, ["服务态度差"])
    assert err.value.code == "conflict"


def test_calendar_days_and_the_older_alerts_setting(make_day, config):
    config.alerts.default_satisfied_after_days = 3  # the setting that existed before ratings.default_satisfied
    config.ratings.default_satisfied.working_days = False
    config.ratings.default_satisfied.level = 5
    d = make_day(at(2026, 9, 30, 10, 0), config)
    quiet, _, _ = _served_and_others(d)
    assert d.to(at(2026, 10, 4) - S) == []  # 3 calendar days: 1, 2, 3 Oct
    d.to(at(2026, 10, 4))
    assert d.e.tickets[quiet["id"]].rating == 5


def test_the_task_follows_a_rebuilt_engine(make_day, config):
    from queue_broker.engine.hall import HallEngine
    from queue_broker.supervision.ratings import DefaultSatisfiedTask

    config.ratings.default_satisfied.after_days = 1
    d = make_day(at(2026, 11, 27, 10, 0), config)
    quiet, _, _ = _served_and_others(d)
    task = DefaultSatisfiedTask()
    assert task(d.e, d.now) == []
    rebuilt = HallEngine(config)
    rebuilt.replay(d.events)
    cmds = task(rebuilt, at(2026, 12, 1))  # Fri 27 Nov + 1 working day = Mon 30 Nov
    assert len(cmds) == 1 and cmds[0].ticket_ids == (quiet["id"],)
