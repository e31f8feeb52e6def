"""The day's 好差评 counts that `state/queues` carries (queue_broker/engine/day_ratings.py): pure engine,
injected clock, counted as the reports count them."""

from __future__ import annotations

import json
from datetime import timedelta

from queue_broker.engine.commands import ApplyDefaultRatings, CaseAction
from queue_broker.engine.day_ratings import day_ratings
from queue_broker.protocol import QueuesState, parse

from .conftest import at


def _rated_day(d) -> dict[int, str]:
    """Seven tickets at W1: five served and rated 5, 4, 3, 2, 1, one served and not rated, one no-show,
    and one still waiting. Returns level -> ticket id."""
    d.open("W1")
    ids = {}
    for level in (5, 4, 3, 2, 1):
        t = d.issue()
        d.serve("W1")
        d.rate(t["id"], level, ["等候时间长"] if level <= 2 else [])
        ids[level] = t["id"]
    d.issue()
    d.serve("W1")  # finished, not rated
    d.issue()
    d.act("W1", "call-next")
    d.act("W1", "no-show")  # not finished
    d.issue()  # waiting
    return ids


def test_counts_of_the_day_good_bad_finished_and_an_annulled_rating(make_day):
    d = make_day(at(2026, 11, 27, 9, 0))
    _rated_day(d)
    assert day_ratings(d.e, d.now) == {"day": "2026-11-27", "good": 3, "bad": 2, "rated": 5, "finished": 6}
    # an accepted appeal annuls the rating: it no longer counts, as in the reports
    case = next(c for c in d.e.cases.values() if c.kind == "bad_rating")
    d.run(CaseAction(case.id, "appeal", "评价人当场表示误按", counter_id="W1"))
    d.run(CaseAction(case.id, "appeal-accept", "调看录像属实"))
    state = d.e.queues_state(d.now)
    assert state["ratings"] == {"day": "2026-11-27", "good": 3, "bad": 1, "rated": 4, "finished": 6}
    # it is what the county reads: the protocol's model takes it (and the JSON carries counts only)
    parsed = parse(QueuesState, json.dumps(state))
    assert parsed.ratings is not None and (parsed.ratings.good, parsed.ratings.rated) == (3, 4)
    assert set(state["ratings"]) == {"day", "good", "bad", "rated", "finished"}


def test_a_new_day_starts_at_zero_and_a_late_default_rating_counts_for_its_ticket_s_day(config, make_day):
    cfg = config.model_copy(deep=True)
    cfg.ratings.default_satisfied.after_days, cfg.ratings.default_satisfied.working_days = 1, False
    d = make_day(at(2026, 11, 27, 9, 0), cfg)
    d.open("W1")
    unrated = d.issue()
    d.serve("W1")
    d.now += timedelta(days=2)  # Sunday (due at the end of Saturday): nothing of Friday counts today
    assert day_ratings(d.e, d.now) == {"day": "2026-11-29", "good": 0, "bad": 0, "rated": 0, "finished": 0}
    assert d.run(ApplyDefaultRatings((unrated["id"],)))["defaulted"] == 1  # 默认满意: Friday's ticket, Friday's figure
    assert day_ratings(d.e, d.now)["rated"] == 0
    assert day_ratings(d.e, at(2026, 11, 27, 17, 0)) == {
        "day": "2026-11-27",
        "good": 1,
        "bad": 0,
        "rated": 1,
        "finished": 1,
    }
