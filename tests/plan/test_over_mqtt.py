"""Reserve windows and plans through the real broker service and a real Mosquitto: a supervisor asks a
back-office clerk in, the clerk takes the ask at a counter terminal, serves, the window is released and
closes after its citizen; the broker's own planner asks before the promise breaks; a plan asked for on
`cmd/supervisor/plan` arrives on `state/plan`. Commands, replies, events and retained state as a
supervisor tablet and a counter terminal see them (the screens come in phase 2)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from queue_broker.config.loader import load_site_config
from queue_broker.engine.commands import CounterCommand, FinishTicket, IssueTicket, OpenCounter
from queue_broker.engine.hall import HallEngine
from queue_broker.plan.planner import planner_task
from queue_broker.plan.service import attach as attach_planning
from queue_broker.store import SqliteEventStore

from ..broker.conftest import Hall
from ..clock import Clock
from ..waiting import wait_for
from .conftest import NINE, PLANNING_SITE, TZ


def _history(data_dir: Path, site: str, days: int = 30) -> None:
    """Past working days in the hall's own store, made by the engine as the broker would have: tickets
    in the morning and the afternoon, called and finished (so counter times are measured too)."""
    cfg = load_site_config(PLANNING_SITE, env={})
    cfg.site.id = site
    engine = HallEngine(cfg)
    events = []
    day = NINE.date() - timedelta(days=days)
    while day < NINE.date():
        if day.weekday() < 5:
            start = datetime.combine(day, datetime.min.time(), TZ)
            for c in ("W1", "W3"):
                events += engine.execute(OpenCounter(c, "demo", "123456"), start).events
            for i in range(18):
                at = datetime(day.year, day.month, day.day, 8, 30, tzinfo=TZ) + timedelta(minutes=15 * i)
                service, counter = ("sb-card", "W3") if i % 3 == 0 else ("zh-general", "W1")
                events += engine.execute(IssueTicket("kiosk-1", service, "walk_in"), at).events
                events += engine.execute(CounterCommand(counter, "call-next"), at + timedelta(minutes=1)).events
                events += engine.execute(FinishTicket(counter, "done"), at + timedelta(minutes=8)).events
            for c in ("W1", "W3"):
                events += engine.execute(CounterCommand(c, "close"), start + timedelta(hours=18)).events
        day += timedelta(days=1)
    store = SqliteEventStore(str(data_dir / "hall.db"))
    store.commit(events, {})
    store.close()


@pytest.fixture
def hall(mosquitto, site_id, tmp_path):
    clock = Clock(NINE)
    data = tmp_path / "data"
    data.mkdir()
    _history(data, site_id)
    with Hall(mosquitto.url, site_id, data, clock, config_path=PLANNING_SITE) as h:
        h.service.tick_tasks.append(planner_task(h.service.config))
        h.worker = attach_planning(h.service, cross_train_seeds=2)
        yield h


@pytest.fixture
def recorder(hall):
    return hall.recorder()


def test_ask_take_serve_release_over_mqtt(hall, recorder):
    sup, desk, kiosk = (
        hall.node("sup-1", "supervisor"),
        hall.node("counter-W9", "counter"),
        hall.node("kiosk-1", "kiosk"),
    )
    t = sup.t
    r = sup.send(t.supervisor_cmd("reserve"), action="ask", reserve_id="R1", reason="综合受理排长队", queue_ids=["ZH"])
    assert r["ok"] and r["reserve"]["state"] == "asked" and r["reserve"]["by"] == "sup-1"
    asked = recorder.wait_for("/event/reserve", lambda b: b["state"] == "asked")
    assert asked["reserve_id"] == "R1" and asked["queue_ids"] == ["ZH"]
    assert asked["ready_by"] == (NINE + timedelta(minutes=10)).isoformat()
    state = recorder.wait_for("/state/reserves", lambda b: b["reserves"][0]["state"] == "asked")
    assert [x["id"] for x in state["reserves"]] == ["R1", "R2"] and state["today"]["asks"] == 1
    # the clerk: a counter that is not R1's may not take it; W9 before logging in may not either
    assert desk.counter("W1", "take-reserve", reserve_id="R1")["error"]["code"] == "forbidden"
    assert desk.counter("W9", "take-reserve", reserve_id="R1")["error"]["code"] == "conflict"
    assert desk.counter("W9", "take-reserve", reserve_id="R 1")["error"]["code"] == "invalid_request"
    assert desk.counter("W9", "open", operator_id="demo", pin="123456")["ok"]
    hall.clock.advance(minutes=9)
    taken = desk.counter("W9", "take-reserve", reserve_id="R1")
    assert taken["ok"] and taken["counter"]["queue_ids"] == ["ZH", "SB"] and taken["counter"]["locked"]
    assert recorder.wait_for("/event/reserve", lambda b: b["state"] == "taken")["counter_number"] == 9
    recorder.wait_for(
        "/state/counters", lambda b: any(c["id"] == "W9" and c["queue_ids"] == ["ZH", "SB"] for c in b["counters"])
    )
    ticket = kiosk.issue()["ticket"]
    assert desk.counter("W9", "call-next")["ticket"]["id"] == ticket["id"]
    hall.clock.advance(minutes=5)
    released = sup.send(t.supervisor_cmd("reserve"), action="release", reserve_id="R1")
    assert released["ok"] and released["reserve"]["state"] == "closing"
    recorder.wait_for("/event/reserve", lambda b: b["state"] == "released")
    hall.clock.advance(minutes=6)
    assert desk.counter("W9", "finish", outcome="done")["ok"]
    closed = recorder.wait_for("/event/reserve", lambda b: b["state"] == "closed")
    assert closed["minutes"] == pytest.approx(20.0) and closed["counter_id"] == "W9"
    idle = recorder.wait_for("/state/reserves", lambda b: b["reserves"][0]["state"] == "idle" and b["today"]["asks"])
    assert idle["today"]["counter_minutes"] == pytest.approx(20.0)
    recorder.wait_for(
        "/state/counters", lambda b: any(c["id"] == "W9" and c["status"] == "closed" for c in b["counters"])
    )
    again = sup.send(t.supervisor_cmd("reserve"), action="cancel", reserve_id="R1")
    assert again["error"]["code"] == "conflict"
    # a restart rebuilds the same from the store
    hall.stop_broker()
    hall.start()
    assert hall.service.engine.reserve_log[-1]["minutes"] == pytest.approx(20.0)


def test_the_planner_asks_before_the_promise_breaks(hall, recorder):
    desk, kiosk = hall.node("counter-W1", "counter"), hall.node("kiosk-1", "kiosk")
    assert desk.counter("W1", "open", operator_id="demo", pin="123456")["ok"]
    for _ in range(10):
        kiosk.issue()
    # the forecast for today is set from the month of history in the store, at the first review
    fc = wait_for(lambda: hall.service.engine.forecast_for(NINE.date()))
    assert fc.history_days >= 15 and fc.expected("ZH", 18) > 0
    hall.clock.advance(seconds=61)
    asked = recorder.wait_for("/event/reserve", lambda b: b["state"] == "asked", timeout=10)
    assert asked["by"] == "planner" and asked["reserve_id"] == "R1" and "超过时限" in asked["reason"]
    # nobody has waited yet: the ask comes before the promise breaks, not after
    waits = [
        (NINE + timedelta(seconds=61) - t.issued_at).total_seconds()
        for t in hall.service.engine.tickets.values()
        if t.state == "waiting"
    ]
    assert max(waits) < 120


def test_plans_on_request(hall, recorder):
    sup = hall.node("sup-1", "supervisor")
    r = sup.send(sup.t.supervisor_cmd("plan"), what="day-plan", day="2026-06-11")
    assert r["ok"] and r["job"]["state"] == "queued"
    plan = recorder.wait_for("/state/plan", lambda b: (b.get("day_plan") or {}).get("day") == "2026-06-11", timeout=30)
    assert plan["day_plan"]["windows"] == 4 and plan["day_plan"]["reserves"] == 2  # W9 is R1's window
    zh = next(q for q in plan["day_plan"]["queues"] if q["id"] == "ZH")
    assert sum(zh["expected"]) > 5 and max(zh["needed"]) >= 1
    assert plan["jobs"][-1]["state"] == "done"
    bad = sup.send(sup.t.supervisor_cmd("plan"), what="horoscope")
    assert bad["error"]["code"] == "invalid_request"
    r = sup.send(sup.t.supervisor_cmd("plan"), what="cross-train", max_extra=1)
    advice = recorder.wait_for("/state/plan", lambda b: b.get("cross_training") is not None, timeout=120)
    ct = advice["cross_training"]
    assert len(ct["plan"]) == 1 and ct["before"]["tickets"] > 0
    assert json.loads((hall.data_dir / "plan-cross-training.json").read_text())["plan"] == ct["plan"]
