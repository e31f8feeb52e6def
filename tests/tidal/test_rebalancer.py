"""The rebalancer's rules, on a small hall driven through the production engine."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from queue_broker.engine import events as ev
from queue_broker.engine.commands import (
    AssignCounter,
    CounterCommand,
    FinishTicket,
    IssueTicket,
    OpenCounter,
    RebalanceCounter,
)
from queue_broker.engine.hall import HallEngine, Rejected
from queue_broker.sim.scenario import SIM_OPERATOR, SIM_PIN, Scenario, service_id, site_config
from queue_broker.tidal.rebalancer import Rebalancer
from queue_broker.tidal.task import TidalTask

from ..scenarios import home_counters, scenario_queue, two_hour_morning

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)


def scenario(*, slow_c: bool = False, switch_cost: float = 3.0) -> Scenario:
    queues = [scenario_queue("A", "综合受理", 40, 5.0), scenario_queue("B", "社保", 40, 5.0)]
    counters = [*home_counters("A1", "B1"), {"id": "T1", "home": ["A"], "eligible": ["A", "B"]}]
    if slow_c:
        queues.append(scenario_queue("C", "企业开办", 4, 30.0, cv=0.3))
        counters = [*home_counters("A1", "C1"), {"id": "T1", "home": ["A"], "eligible": ["A", "C"]}]
    return Scenario.model_validate(
        {
            "name": "small",
            "day": two_hour_morning(),
            "queues": queues,
            "counters": counters,
            "switch_cost_min": switch_cost,
        }
    )


class Hall:
    def __init__(self, scn: Scenario, *, narrow: bool = False):
        self.config = site_config(scn)
        self.config.rebalancer.narrow_sets = narrow  # the site's setting; off unless a test turns it on
        self.engine = HallEngine(self.config)
        self.events: list[ev.Event] = []
        for c in self.config.counters:
            self.run(OpenCounter(c.id, SIM_OPERATOR, SIM_PIN), T0)

    def run(self, cmd, at: datetime):
        result = self.engine.execute(cmd, at)
        self.events.extend(result.events)
        return result

    def issue(self, queue: str, at: datetime, n: int = 1) -> list[str]:
        return [self.run(IssueTicket("k1", service_id(queue), "walk_in"), at).reply["ticket"]["id"] for _ in range(n)]

    def call(self, counter: str, at: datetime):
        return self.run(CounterCommand(counter, "call-next"), at).reply["ticket"]

    def apply(self, moves, at: datetime):
        for m in moves:
            self.run(RebalanceCounter(m.counter_id, m.to_queue_ids, m.reason), at)

    def sets(self, counter: str) -> list[str]:
        return list(self.engine.counters[counter].queue_ids)


def test_a_tidal_counter_goes_where_people_wait_and_says_why():
    h = Hall(scenario())
    h.issue("B", T0 + timedelta(minutes=1), 6)
    reb = Rebalancer(h.config)
    moves = reb.review(h.engine, T0 + timedelta(minutes=2))
    assert [(m.counter_id, m.to_queue_ids) for m in moves] == [("T1", ("A", "B"))]
    reason = moves[0].reason
    assert "社保等候6人" in reason and "3号窗口增办社保" in reason and "分钟" in reason
    h.apply(moves, T0 + timedelta(minutes=2))
    assert h.sets("T1") == ["A", "B"]


def test_a_move_never_interrupts_a_citizen():
    h = Hall(scenario())
    h.issue("A", T0)
    assert h.call("T1", T0)["queue_id"] == "A"  # T1 serves a citizen of A
    h.issue("B", T0 + timedelta(minutes=1), 6)
    task = TidalTask(h.config)
    commands = task(h.engine, T0 + timedelta(minutes=2))
    moves = [c for c in commands if isinstance(c, RebalanceCounter)]
    assert [m.counter_id for m in moves] == ["T1"]
    h.run(moves[0], T0 + timedelta(minutes=2))
    assert h.events[-1].type == ev.COUNTER_REBALANCE_PLANNED
    assert h.sets("T1") == ["A"] and h.engine.counters["T1"].current is not None
    # nothing more is asked while the move waits for the citizen
    assert not [c for c in task(h.engine, T0 + timedelta(minutes=3)) if isinstance(c, RebalanceCounter)]
    h.run(FinishTicket("T1", "done"), T0 + timedelta(minutes=6))
    assert h.events[-1].type == ev.COUNTER_REBALANCED and h.sets("T1") == ["A", "B"]


def test_dwell_after_a_supervisor_assignment_then_the_rebalancer_may_move_again():
    h = Hall(scenario())
    reb = Rebalancer(h.config)
    at = T0 + timedelta(minutes=1)
    # the supervisor's word (not locked): T1 on B alone, while A fills up
    h.run(AssignCounter("T1", ("B",), "tidal", False, by="sup"), at)
    h.issue("A", at, 8)
    for minute in range(1, int(reb.dwell)):  # within the dwell: no move, however long B's queue
        assert reb.review(h.engine, at + timedelta(minutes=minute)) == []
    later = at + timedelta(minutes=reb.dwell)
    assert [m.counter_id for m in reb.review(h.engine, later)] == ["T1"]
    assert reb.dwell == pytest.approx(5 * 3.0)  # five switch costs


def test_locked_and_fixed_counters_are_never_moved():
    h = Hall(scenario())
    h.issue("B", T0, 10)
    reb = Rebalancer(h.config)
    h.run(AssignCounter("T1", ("A",), "tidal", True, by="sup"), T0)
    for minute in range(1, 60, 5):
        assert reb.review(h.engine, T0 + timedelta(minutes=minute)) == []
    with pytest.raises(Rejected):
        h.run(RebalanceCounter("T1", ("A", "B"), "test"), T0 + timedelta(minutes=61))
    h.run(AssignCounter("T1", ("A",), "fixed", False, by="sup"), T0 + timedelta(minutes=62))
    assert reb.review(h.engine, T0 + timedelta(minutes=90)) == []


def test_no_flapping_in_a_calm_hall():
    """Hysteresis: on its widest set with small, balanced queues, a counter is left alone (narrowing
    allowed, so the margin is what holds it)."""
    h = Hall(scenario(), narrow=True)
    reb = Rebalancer(h.config)
    h.issue("B", T0 + timedelta(minutes=1), 2)
    h.apply(reb.review(h.engine, T0 + timedelta(minutes=2)), T0 + timedelta(minutes=2))
    assert h.sets("T1") == ["A", "B"]
    moves = []
    for minute in range(3, 90):
        at = T0 + timedelta(minutes=minute)
        if minute % 4 == 0:
            h.issue("A" if minute % 8 else "B", at)
        for c in ("A1", "B1", "T1"):
            if h.engine.counters[c].current is None:
                h.call(c, at)
            elif minute % 5 == 0:
                h.run(FinishTicket(c, "done"), at)
        moves += reb.review(h.engine, at)
    assert moves == []


def _slow_queue_beside_a_long_one(narrow: bool) -> tuple[Hall, Rebalancer, datetime]:
    """T1 may serve A (5 min) and C (30 min). Two old C tickets would take T1 an hour while twenty
    citizens of A wait with one other counter."""
    h = Hall(scenario(slow_c=True), narrow=narrow)
    h.issue("C", T0, 3)
    assert h.call("C1", T0)["queue_id"] == "C"  # C1 busy for 30 minutes, two C tickets still waiting
    h.issue("A", T0 + timedelta(minutes=2), 20)
    h.run(RebalanceCounter("T1", ("A", "C"), "start"), T0 + timedelta(minutes=2))
    reb = Rebalancer(h.config)
    return h, reb, T0 + timedelta(minutes=2) + timedelta(minutes=reb.dwell)


def test_narrows_only_when_clearly_better_and_explains():
    """With the site's `narrow_sets`: the rebalancer keeps T1 on A alone, and says so."""
    h, reb, at = _slow_queue_beside_a_long_one(narrow=True)
    moves = reb.review(h.engine, at)
    assert [(m.counter_id, m.to_queue_ids) for m in moves] == [("T1", ("A",))]
    assert "停办企业开办" in moves[0].reason and moves[0].saving > moves[0].margin


def test_without_narrowing_a_tidal_counter_keeps_its_widest_set():
    """The default: the same hall, and T1 stays on A and C; the engine's call decides between them."""
    h, reb, at = _slow_queue_beside_a_long_one(narrow=False)
    for minute in range(0, 30, 3):
        assert reb.review(h.engine, at + timedelta(minutes=minute)) == []
    assert h.sets("T1") == ["A", "C"]


def test_without_narrowing_a_narrowed_counter_goes_back_to_its_widest_set():
    """A supervisor's unlocked assignment to one queue stands for the dwell; then the widest set."""
    h = Hall(scenario())
    reb = Rebalancer(h.config)
    h.run(AssignCounter("T1", ("B",), "tidal", False, by="sup"), T0)
    h.issue("A", T0, 4)
    assert reb.review(h.engine, T0 + timedelta(minutes=1)) == []
    moves = reb.review(h.engine, T0 + timedelta(minutes=reb.dwell))
    assert [(m.counter_id, m.to_queue_ids) for m in moves] == [("T1", ("A", "B"))]
    assert "综合受理等候4人" in moves[0].reason and "增办综合受理" in moves[0].reason


def test_task_reviews_at_the_configured_pace():
    h = Hall(scenario())
    task = TidalTask(h.config)
    h.issue("B", T0, 5)
    calls = [task(h.engine, T0 + timedelta(seconds=s)) for s in range(0, 59)]
    assert sum(1 for c in calls if c) == 1  # one review in the first minute, the rest throttled
    assert task.every_s == h.config.rebalancer.review_every_s
