"""Payloads of planning ahead (queue_broker/protocol/planning.py) for the contract test: a valid one, a
broken variant and the words its refusal must contain."""

from __future__ import annotations

from queue_broker.protocol import planning as pl

AT = "2026-06-10T09:00:00+08:00"
RESERVE = {
    "id": "R1",
    "name": "后台综合组",
    "eligible_queue_ids": ["ZH", "SB"],
    "ready_min": 10.0,
    "counters": ["W9"],
    "state": "asked",
    "ask_id": "R1-20260610-090000",
    "asked_at": AT,
    "ready_by": "2026-06-10T09:10:00+08:00",
    "queue_ids": ["ZH"],
    "reason": "预计30分钟内将有群众等候超过时限",
    "by": "planner",
}

PLANNING_PAYLOADS = [
    (
        pl.SupervisorReserve,
        {"request_id": "p1", "action": "ask", "reserve_id": "R1", "reason": "综合受理排长队"},
        {"action": "fire"},
        "action",
    ),
    (pl.CounterTakeReserve, {"request_id": "p2", "reserve_id": "R1"}, {"reserve_id": "R 1"}, "reserve_id"),
    (pl.SupervisorPlan, {"request_id": "p3", "what": "day-plan", "day": "2026-06-11"}, {"what": "horoscope"}, "what"),
    (
        pl.ReservesState,
        {"at": AT, "reserves": [RESERVE], "today": {"asks": 1, "counter_minutes": 12.5}},
        {"reserves": [{**RESERVE, "state": "asleep"}]},
        "state",
    ),
    (
        pl.ReserveEvent,
        {
            "at": AT,
            "reserve_id": "R1",
            "ask_id": "R1-20260610-090000",
            "state": "closed",
            "counter_id": "W9",
            "counter_number": 9,
            "minutes": 42.0,
            "by": "planner",
        },
        {"state": "gone"},
        "state",
    ),
    (
        pl.PlanState,
        {"at": AT, "day_plan": {"day": "2026-06-11", "short": [0, 2]}, "jobs": [{"what": "day-plan", "state": "done"}]},
        {"jobs": [{"what": "day-plan", "state": "maybe"}]},
        "jobs",
    ),
]
