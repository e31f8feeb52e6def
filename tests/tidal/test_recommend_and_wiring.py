"""Window recommendations (Erlang C), and the tidal task wired into the broker service."""

from __future__ import annotations

from datetime import timedelta

import pytest

from queue_broker.engine import events as ev
from queue_broker.engine.commands import (
    AssignCounter,
    FinishTicket,
    IssueTicket,
    RaiseAlert,
    RebalanceCounter,
)
from queue_broker.engine.hall import Rejected
from queue_broker.service.runner import HallService, _Pending
from queue_broker.service.tasks import default_tasks
from queue_broker.tidal.recommend import RATE_LIMIT_MIN, Recommender, erlang_c, erlang_wait, windows_needed
from queue_broker.tidal.task import TidalTask

from .test_rebalancer import T0, Hall, scenario


def test_erlang_c_known_values():
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = rho
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9)
    assert erlang_wait(1, 0.1, 5.0) == pytest.approx(0.5 * 5 / 0.5)  # rho/(1-rho) * s
    assert erlang_wait(2, 1.0, 2.0) == float("inf")  # offered load 2 on 2 servers


def test_windows_needed_clears_backlog_and_serves_newcomers():
    # 12 waiting, 10-minute services, 2 counters: 60 minutes of backlog per counter; SLA 20
    n = windows_needed(12, 0.1, 10.0, 2.0, 20.0)
    assert 12 * 10 / (2 + n) + erlang_wait(2 + n, 0.1, 10.0) <= 20
    assert 12 * 10 / (2 + n - 1) + erlang_wait(2 + n - 1, 0.1, 10.0) > 20
    assert windows_needed(0, 0.05, 5.0, 2.0, 20.0) == 0


def test_recommends_opening_when_rebalancing_is_not_enough_and_not_twice():
    h = Hall(scenario())
    # every counter on B's side is taken: T1 locked on A by the supervisor, B has one counter and 15 waiting
    h.run(AssignCounter("T1", ("A",), "tidal", True, by="sup"), T0)
    h.issue("B", T0, 15)
    h.call("B1", T0)
    task = TidalTask(h.config)
    first = task(h.engine, T0 + timedelta(minutes=1))
    assert not [c for c in first if isinstance(c, RaiseAlert)]  # once above the SLA is not yet "stays"
    second = task(h.engine, T0 + timedelta(minutes=2))
    alerts = [c for c in second if isinstance(c, RaiseAlert)]
    assert len(alerts) == 1
    a = alerts[0]
    assert a.kind == "recommend_open" and a.data["queue_id"] == "B" and a.data["open_more"] >= 1
    assert a.data["recommendation_id"] and "社保" in a.message and "建议再开" in a.message
    h.run(a, T0 + timedelta(minutes=2))
    assert h.events[-1].type == ev.ALERT_RAISED
    # rate-limited: not again for the same queue within RATE_LIMIT_MIN
    for minute in range(3, int(RATE_LIMIT_MIN) + 2):
        assert not [c for c in task(h.engine, T0 + timedelta(minutes=minute)) if isinstance(c, RaiseAlert)]


def test_recommends_closing_idle_windows():
    h = Hall(scenario())
    # a calm hour: B is served at once, A1 and T1 stand idle; ticketing has been open for half an hour
    rec = Recommender(h.config, TidalTask(h.config).rebalancer.rates)
    h.run(AssignCounter("T1", ("A",), "fixed", False, by="sup"), T0)
    for minute in range(0, 40, 10):
        at = T0 + timedelta(minutes=minute)
        h.issue("A", at)
        h.call("A1", at)
        h.run(FinishTicket("A1", "done"), at + timedelta(minutes=2))
    at = T0 + timedelta(minutes=45)
    rec.rates.update(h.engine, at)
    alerts = rec.review(h.engine, at, [])
    close = [a for a in alerts if a.kind == "recommend_close"]
    assert close and close[0].data["queue_id"] in ("A", "B") and close[0].data["close"] >= 1
    assert "可暂停" in close[0].message


def test_default_tasks_include_the_rebalancer_and_the_service_runs_it(tmp_path):
    """The tick task wired into HallService (runner.py) moves a counter through the engine."""
    h = Hall(scenario())
    config = h.config.model_copy(update={"data_dir": str(tmp_path)})
    tasks = default_tasks(config)
    tidal = [t for t in tasks if isinstance(t, TidalTask)]
    assert len(tidal) == 1
    service = HallService(config, clock=lambda: T0, env={"HALL_ID_HASH_KEY": "k" * 64})
    try:
        service.tick_tasks = tasks
        pending = _Pending()
        # the hall's state through the service's own engine: counters open, citizens waiting for B
        for e in h.events:  # what the small hall did: its counters opened
            service.engine.apply(e)
        for _ in range(6):
            service.engine.execute(IssueTicket("k1", "svc-B", "walk_in"), T0)
        service._run_ticks(T0 + timedelta(minutes=1), pending)
        moved = [e for e in pending.events if e.type == ev.COUNTER_REBALANCED]
        assert [e.data["counter_id"] for e in moved] == ["T1"]
        assert moved[0].data["to_queue_ids"] == ["A", "B"] and "增办" in moved[0].data["reason"]
        assert service.engine.counters["T1"].queue_ids == ["A", "B"]
        # and a tidal task's command for a locked counter would be refused, never half-applied
        service.engine.execute(AssignCounter("T1", ("A",), "tidal", True, by="sup"), T0 + timedelta(minutes=2))
        with pytest.raises(Rejected):
            service.engine.execute(RebalanceCounter("T1", ("B",), "x"), T0 + timedelta(minutes=3))
    finally:
        service.store.close()
