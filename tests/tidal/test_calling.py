"""How a tidal counter serving several queues calls (engine/calling.py, rule 4)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from queue_broker.engine.calling import QueueLoad, choose_next
from queue_broker.engine.commands import CounterCommand, RebalanceCounter
from queue_broker.engine.records import GREEN, NORMAL, QueueStats, TicketRec

from .test_rebalancer import T0, Hall, scenario

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)
STATS = {"A": QueueStats(300.0), "B": QueueStats(300.0)}


def waiting(queue: str, n: int, first_waited_min: float) -> list[TicketRec]:
    """`n` tickets of `queue`, the first issued `first_waited_min` ago, then one a second."""
    t0 = NOW - timedelta(minutes=first_waited_min)
    return [
        TicketRec(
            id=f"{queue}{i}",
            number=f"{queue}{i:03d}",
            queue_id=queue,
            service_id=queue,
            channel="walk_in",
            priority=NORMAL,
            issued_at=t0 + timedelta(seconds=i),
            day=NOW.date(),
        )
        for i in range(n)
    ]


def call(tickets: list[TicketRec], loads: dict[str, QueueLoad] | None) -> TicketRec:
    t = choose_next(tickets, NOW, STATS, 0.3, {}, loads)
    assert t is not None
    return t


def test_goes_where_one_service_moves_most_people_not_to_the_longest_wait():
    # A: ten waiting and one other counter; B: one waiting a minute longer, three other counters
    tickets = waiting("A", 10, 9) + waiting("B", 1, 10)
    loads = {"A": QueueLoad(1.0, 300.0, 1200.0), "B": QueueLoad(3.0, 300.0, 1200.0)}
    assert call(tickets, None).queue_id == "B"  # a fixed counter: the longest wait
    assert call(tickets, loads).id == "A0"  # a tidal counter: the queue that needs it, its first ticket


def test_a_queue_nobody_else_serves_is_not_left_behind():
    # B has no other counter and a long service: its one citizen outweighs two more people in A
    tickets = waiting("A", 3, 6) + waiting("B", 1, 5)
    loads = {"A": QueueLoad(2.0, 300.0, 1200.0), "B": QueueLoad(0.0, 1500.0, 1200.0)}
    assert call(tickets, loads).queue_id == "B"


def test_a_citizen_about_to_pass_the_sla_goes_first_whatever_the_need():
    loads = {"A": QueueLoad(1.0, 300.0, 1200.0), "B": QueueLoad(1.0, 300.0, 1200.0)}
    # B's first citizen: 18 minutes, and B calls every 2.5 minutes (5-minute services, two counters)
    assert call(waiting("A", 20, 15) + waiting("B", 1, 18), loads).queue_id == "B"
    # at 16 minutes they would still be called in time: the need decides (A)
    assert call(waiting("A", 20, 15) + waiting("B", 1, 16), loads).queue_id == "A"
    # of two at risk, the longer wait
    assert call(waiting("A", 20, 25) + waiting("B", 1, 21), loads).queue_id == "A"


def test_priority_classes_still_come_first():
    tickets = waiting("A", 10, 9) + waiting("B", 1, 2)
    tickets[-1].priority = GREEN
    loads = {"A": QueueLoad(1.0, 300.0, 1200.0), "B": QueueLoad(3.0, 300.0, 1200.0)}
    assert call(tickets, loads).queue_id == "B"


def test_in_the_engine_only_tidal_counters_call_by_need():
    hall = Hall(scenario())  # A1 serves A, B1 serves B, T1 is tidal over A and B
    t0 = T0
    hall.run(RebalanceCounter("T1", ("A", "B"), "测试"), t0)
    hall.issue("A", t0)
    hall.issue("B", t0, 2)
    hall.call("A1", t0)
    hall.call("B1", t0)  # both home counters busy; one B citizen waits from t0
    hall.issue("A", t0 + timedelta(minutes=1), 8)  # then eight A citizens
    at = t0 + timedelta(minutes=3)
    assert hall.engine.counters["T1"].mode == "tidal"
    ticket = hall.run(CounterCommand("T1", "call-next"), at).reply["ticket"]
    assert ticket["queue_id"] == "A"  # the longest wait would have been the B citizen
    # once the B citizen has waited beyond the SLA, they go first
    hall.run(CounterCommand("T1", "no-show"), at)
    ticket = hall.run(CounterCommand("T1", "call-next"), t0 + timedelta(minutes=21)).reply["ticket"]
    assert ticket["queue_id"] == "B"


def test_the_rebalancers_lookahead_plays_a_tidal_counter_by_the_same_rule():
    """The lookahead (tidal/lookahead.py) prices a plan by playing counters forward; a tidal counter
    must choose there as the engine does, or plans are priced for a hall that does not exist."""
    from queue_broker.engine.estimate import board
    from queue_broker.tidal.lookahead import by_need, picture, shares

    hall = Hall(scenario())  # as in the test above: the need sends T1 to A; once B's citizen is near
    hall.run(RebalanceCounter("T1", ("A", "B"), "测试"), T0)  # the SLA, to B
    hall.issue("A", T0)
    hall.issue("B", T0, 2)
    hall.call("A1", T0)
    hall.call("B1", T0)
    hall.issue("A", T0 + timedelta(minutes=1), 8)
    for minutes, expected in ((3, "A"), (19, "B")):
        at = T0 + timedelta(minutes=minutes)
        p = picture(board(hall.engine, at), {"A": 20.0, "B": 20.0}, {}, [], 35.0)
        k = p.counter_ids.index("T1")
        assert p.by_need[k] and not p.by_need[p.counter_ids.index("A1")]
        chosen = by_need(
            0.0, p.sets[k], p.tickets, [0] * len(p.tickets), p.service, p.sla, shares(p.sets, len(p.tickets))
        )
        assert p.queue_ids[chosen] == expected
        ticket = hall.run(CounterCommand("T1", "call-next"), at).reply["ticket"]
        assert ticket["queue_id"] == expected


def test_the_supervisor_is_told_why_a_tidal_counter_called_from_that_queue():
    """state/counters' `call_reason`: a tidal counter's choice between its queues, in words; nothing for
    a counter that simply calls the longest wait, and nothing once its citizen has left."""
    from queue_broker.engine.commands import FinishTicket
    from queue_broker.protocol import CountersState, parse

    hall = Hall(scenario())  # A1 serves A (综合受理), B1 serves B (社保), T1 is tidal over both
    hall.run(RebalanceCounter("T1", ("A", "B"), "测试"), T0)
    hall.issue("A", T0)
    hall.issue("B", T0, 2)
    hall.call("A1", T0)
    hall.call("B1", T0)
    hall.issue("A", T0 + timedelta(minutes=1), 8)
    at = T0 + timedelta(minutes=3)
    hall.run(CounterCommand("T1", "call-next"), at)
    views = {c: hall.engine.counter_view(hall.engine.counters[c]) for c in ("A1", "T1")}
    assert views["A1"]["call_reason"] is None  # a fixed counter
    assert views["T1"]["call_reason"] == "按需叫号：综合受理等候8人、另有约1个窗口办理，最需要人手"
    hall.run(CounterCommand("T1", "no-show"), at)
    assert hall.engine.counter_view(hall.engine.counters["T1"])["call_reason"] is None  # nobody there
    hall.run(CounterCommand("T1", "call-next"), T0 + timedelta(minutes=21))
    reason = hall.engine.counter_view(hall.engine.counters["T1"])["call_reason"]
    assert reason == "按需叫号：社保该号已等21分钟，已超过20分钟时限，优先叫"
    # the field is part of the published state, and a reader of the contract parses it
    body = json.dumps(
        {"at": T0.isoformat(), "counters": [hall.engine.counter_view(hall.engine.counters[c]) for c in ("A1", "T1")]},
        ensure_ascii=False,
    )
    assert [c.call_reason for c in parse(CountersState, body.encode()).counters] == [None, reason]
    hall.run(FinishTicket("T1", "done"), T0 + timedelta(minutes=25))
    assert hall.engine.counter_view(hall.engine.counters["T1"])["call_reason"] is None
