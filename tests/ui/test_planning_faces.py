"""Planning ahead on the faces (issue 22 items 2-4): the supervisor tablet's 计划 screen and a reserve clerk's
counter terminal, each a real Kivy app in its own process (Xvfb), against the real queue broker with its
planning worker (plan/service.py) and a real Mosquitto; the hall is tests/fixtures/planning-site.yaml with
a month of busy mornings in its event log.

The day plan of today and tomorrow as a grid queue × half-hour, the short half-hours in red exactly where
the broker's plan says; the cross-training advice computed from the hall's own history; a reserve clerk
asked on the tablet, the ask taken at its counter terminal (refused in plain Chinese before logging in
and while serving), a citizen served, the window released on the tablet and closed by the broker after
that citizen; a second ask withdrawn."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from kiosk_app.common.reserve_text import TAKE_REFUSALS, refusal
from queue_broker.config.loader import load_site_config
from queue_broker.engine.commands import CounterCommand, FinishTicket, IssueTicket, OpenCounter
from queue_broker.engine.hall import HallEngine
from queue_broker.plan.service import attach as attach_planning
from queue_broker.store import SqliteEventStore

from ..clock import Clock as FakeClock
from ..plan.conftest import NINE, PLANNING_SITE, TZ  # NINE: a Wednesday; tomorrow is a working day too
from .hall import COUNTER_DEVICES, COUNTER_SCREEN, SUPERVISOR_SCREEN
from .harness import HallParts, log_in_counter, log_in_supervisor, step

pytestmark = [pytest.mark.ui, pytest.mark.timeout(420)]


def planning_site(tmp: Path, site_id: str) -> Path:
    """The planning hall with the tablet supervisor-1 and the reserve clerk's terminal counter-W9."""
    data = yaml.safe_load(PLANNING_SITE.read_text(encoding="utf-8"))
    data["site"]["id"] = site_id
    data["data_dir"] = str(tmp / "data")
    data["nodes"] = [
        {"id": "kiosk-1", "role": "kiosk"},
        {
            "id": "counter-W9",
            "role": "counter",
            "counter_id": "W9",
            "devices": copy.deepcopy(COUNTER_DEVICES),
            "screen": dict(COUNTER_SCREEN),
        },
        {"id": "supervisor-1", "role": "supervisor", "screen": dict(SUPERVISOR_SCREEN)},
    ]
    path = tmp / "planning-site.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def busy_mornings(site: Path, data_dir: Path, days: int = 30) -> None:
    """Past working days in the hall's own store, made by the engine as the broker would have: from 08:30
    a 综合受理 citizen every 3 minutes for two hours (8 minutes at one of three windows) and a 社保 citizen
    every 15 minutes — more than the hall's two 综合受理 windows can serve, so the plan has short half-hours."""
    engine = HallEngine(load_site_config(site, env={}))
    events = []
    day = NINE.date() - timedelta(days=days)
    while day < NINE.date():
        if day.weekday() < 5:
            start = datetime(day.year, day.month, day.day, 8, 0, tzinfo=TZ)
            steps = [(start, OpenCounter(c, "demo", "123456")) for c in ("W1", "T1", "W9", "W3")]
            for i in range(40):
                at, counter = start + timedelta(minutes=30 + 3 * i), ("W1", "T1", "W9")[i % 3]
                steps += [(at, IssueTicket("kiosk-1", "zh-general", "walk_in"))]
                steps += [(at + timedelta(minutes=1), CounterCommand(counter, "call-next"))]
                steps += [(at + timedelta(minutes=8), FinishTicket(counter, "done"))]
            for i in range(8):
                at = start + timedelta(minutes=30 + 15 * i)
                steps += [(at, IssueTicket("kiosk-1", "sb-card", "walk_in"))]
                steps += [(at + timedelta(minutes=1), CounterCommand("W3", "call-next"))]
                steps += [(at + timedelta(minutes=7), FinishTicket("W3", "done"))]
            steps += [(start + timedelta(hours=10), CounterCommand(c, "close")) for c in ("W1", "T1", "W9", "W3")]
            for at, cmd in sorted(steps, key=lambda s: s[0]):  # stable: an issue before its call
                events += engine.execute(cmd, at).events
        day += timedelta(days=1)
    store = SqliteEventStore(str(data_dir / "hall.db"))
    store.commit(events, {})
    store.close()


def red_cells(grid: dict) -> set[tuple[str, str]]:
    return {
        (row["name"], grid["half_hours"][i])
        for row in grid["rows"]
        for i, cell in enumerate(row["cells"])
        if cell["short"]
    }


def test_plan_grid_advice_and_a_reserve_asked_taken_released(mosquitto, site_id, tmp_path):
    site = planning_site(tmp_path, site_id)
    data = tmp_path / "data"  # the broker's data folder (HallParts.broker), its history written first
    data.mkdir()
    busy_mornings(site, data)
    clock = FakeClock(NINE)
    with HallParts(mosquitto.url, site_id, tmp_path) as hall:
        broker = hall.broker(site, clock=clock, tick_interval_s=0.25)
        worker = attach_planning(broker.service, cross_train_seeds=2)
        kiosk = hall.node("kiosk-1", "kiosk")
        probe = hall.node("counter-probe", "counter")
        sup = hall.screen("supervisor", site, "supervisor-1", "sup")
        desk = hall.screen("counter", site, "counter-W9", "desk")
        sup.connect()
        desk.connect()
        sup.wait_for(lambda s: s["online"], 30, "the tablet online")
        log_in_supervisor(sup)
        sup.wait_for(lambda s: len(s["reserve_rows"]) == 2, 10, "the reserve clerks from state/reserves")

        with step("today's plan: a grid queue × half-hour, red exactly where the broker's plan is short"):
            sup.tap("nav.plan")
            st = sup.wait_for(lambda s: s["plan_grid"].get("day") == "2026-06-10", 90, "today's plan")
            plan = worker.state["day_plan"]
            assert plan["day"] == "2026-06-10" and max(plan["short"]) > 0, plan["short"]
            names = {q["id"]: q["name"] for q in plan["queues"]}
            expected = {(names[q], plan["half_hours"][i]) for i, qs in enumerate(plan["short_queues"]) for q in qs} | {
                ("缺口", plan["half_hours"][i]) for i, x in enumerate(plan["short"]) if x
            }
            assert red_cells(st["plan_grid"]) >= expected and ("综合受理", "09:00") in red_cells(st["plan_grid"])
            assert [r["name"] for r in st["plan_grid"]["rows"][:3]] == ["综合受理", "不动产登记", "社保"]
            assert "缺人时段" in st["plan_note"]
            sup.screenshot("supervisor-plan")

        with step("tomorrow's plan, asked for by the tablet, and back to today without asking again"):
            sup.tap("plan.tomorrow")
            sup.wait_for(lambda s: s["plan_grid"].get("day") == "2026-06-11", 90, "tomorrow's plan")
            jobs = len(worker.state["jobs"])
            sup.tap("plan.today")
            sup.wait_for(lambda s: s["plan_grid"].get("day") == "2026-06-10", 5, "today's again, kept")
            assert len(worker.state["jobs"]) == jobs

        with step("the cross-training advice from the hall's own history"):
            sup.tap("plan.crosstrain")
            st = sup.wait_for(lambda s: "平均等候" in s["advice_summary"], 240, "the advice")
            ct = worker.state["cross_training"]
            assert len(st["advice"]) == max(1, len(ct["plan"]))
            assert all(r.get("advice", "") in st["advice"] for r in ct["plan"])
            assert f"{ct['before']['mean_wait_min']:.1f} → {ct['after']['mean_wait_min']:.1f}" in st["advice_summary"]

        with step("a reserve clerk asked on the tablet"):
            sup.type("plan.reason", "综合受理排长队")
            sup.tap("plan.reserve.R1.ask")
            st = sup.wait_for(lambda s: s["reserve_rows"][0]["state"] == "asked", 10, "R1 asked")
            assert broker.engine.reserves["R1"].state == "asked"
            assert "综合受理排长队" in st["reserve_rows"][0]["text"] and "09:10 前到岗" in st["reserve_rows"][0]["text"]
            assert "计划 (1)" in sup.screen_text()  # the header's badge: one ask waiting for its clerk
            sup.screenshot("supervisor-plan-reserves")

        with step("the clerk's terminal offers it; refused in plain Chinese before logging in"):
            desk.wait_for(lambda s: s["reserve_offer"].get("id") == "R1", 10, "the offer at W9")
            desk.tap("reserve.take")
            st = desk.wait_for(lambda s: s["message_kind"] == "warn", 5, "asked to log in first")
            assert "请先在本窗口登录" in st["message"]
            assert broker.engine.reserves["R1"].state == "asked"
            refused = probe.send(probe.t.counter_cmd("W9", "take-reserve"), reserve_id="R1")  # the broker agrees
            assert refused["error"]["code"] == "conflict"
            text = refusal(refused, TAKE_REFUSALS, "接单开窗")
            assert text.startswith("接单开窗失败：现在不能接单") and not any("a" <= ch <= "z" for ch in text)

        with step("logged in, the clerk takes it: the window serves the reserve's queues"):
            log_in_counter(desk)
            desk.screenshot("counter-reserve")
            desk.tap("reserve.take")
            st = desk.wait_for(lambda s: s["queue_ids"] == ["ZH", "SB"] and s["reserve_here"], 10, "taken")
            assert "后台综合组" in st["reserve_here"] and st["locked"] and not st["reserve_offer"]
            desk.wait_for(lambda s: [r["id"] for r in s["queue_rows"]] == ["ZH", "SB"], 5, "both queues listed")
            assert broker.engine.reserves["R1"].state == "open"
            sup.wait_for(lambda s: s["reserve_rows"][0]["state"] == "open", 10, "open on the tablet")
            desk.screenshot("counter-reserve-open")

        with step("a citizen served; released on the tablet, closed by the broker after that citizen"):
            ticket = kiosk.issue("sb-card")
            desk.tap("desk.call-next")
            desk.wait_for(lambda s: s["ticket"].get("id") == ticket["id"], 10, "the citizen called")
            sup.tap("plan.reserve.R1.release")
            st = desk.wait_for(lambda s: "办完当前群众后窗口自动关闭" in s["message"], 10, "told to finish")
            assert broker.engine.reserves["R1"].state == "closing"
            clock.advance(minutes=6)
            desk.tap("desk.finish")
            st = desk.wait_for(lambda s: s["status"] == "closed" and not s["operator_id"], 10, "closed by the broker")
            assert not st["reserve_here"] and st["screen"] in ("rating", "login")  # the citizen may rate first
            if st["screen"] == "rating":
                desk.tap("rating.skip")
            st = desk.wait_for(lambda s: s["screen"] == "login", 10, "back at the login")
            assert st["ui_errors"] == 0  # the window closed by the broker is handled, not logged as an error
            assert broker.engine.reserves["R1"].state == "idle" and broker.engine.counters["W9"].status == "closed"
            st = sup.wait_for(lambda s: s["reserve_rows"][0]["state"] == "idle", 10, "idle on the tablet")
            assert any("关闭窗口" in line for line in st["reserve_steps"]) and "今日调用 1 次" in st["reserves_today"]

        with step("a second ask withdrawn on the tablet: the terminal's offer goes away"):
            sup.tap("plan.reserve.R2.ask")
            desk.wait_for(lambda s: s["reserve_offer"].get("id") == "R2", 10, "R2 offered at W9 (any window)")
            sup.tap("plan.reserve.R2.cancel")
            desk.wait_for(lambda s: not s["reserve_offer"], 10, "the offer withdrawn")
            assert broker.engine.reserves["R2"].state == "idle"


# ---------------------------------------------------------------------------------- wording, without a window
def test_plan_grid_marks_the_short_queue_and_the_shortage():
    from kiosk_app.supervisor.plan_state import plan_grid

    plan = {
        "day": "2026-06-11",
        "half_hours": ["09:00", "09:30"],
        "windows": 4,
        "reserves": 0,
        "needed_total": [3, 6],
        "short": [0, 2],
        "short_queues": [[], ["ZH"]],
        "short_with_reserves": [0, 2],
        "queues": [
            {"id": "ZH", "name": "综合受理（含咨询）", "needed": [2, 5]},
            {"id": "SB", "name": "社保", "needed": [1, 0]},
        ],
    }
    grid = plan_grid(plan)
    assert [r["name"] for r in grid["rows"]] == ["综合受理", "社保", "合计（4窗）", "缺口"]  # no reserves: no row
    assert red_cells(grid) == {("综合受理", "09:30"), ("缺口", "09:30")}
    assert [c["text"] for c in grid["rows"][1]["cells"]] == ["1", "·"]
    assert grid["summary"].endswith("缺人时段 1 个（09:30 起）")


def test_reserve_wording():
    from kiosk_app.common.reserve_text import reserve_line, step_line

    names = {"ZH": "综合受理", "SB": "社保"}
    asked = {
        "id": "R1",
        "name": "后台综合组",
        "eligible_queue_ids": ["ZH", "SB"],
        "state": "asked",
        "queue_ids": ["ZH"],
        "ready_by": "2026-06-10T01:10:00+00:00",
        "by": "planner",
        "reason": "预计30分钟内将有群众等候超过时限",
    }
    line = reserve_line(asked, names, TZ)
    assert (
        line == "后台综合组（综合受理）：已调用，等待接单，09:10 前到岗，系统预测调用：预计30分钟内将有群众等候超过时限"
    )
    closed = {"at": "2026-06-10T01:30:00+00:00", "reserve_id": "R1", "state": "closed", "counter_number": 9}
    assert step_line({**closed, "minutes": 20.0}, {"R1": "后台综合组"}, names, TZ) == (
        "09:30 后台综合组 关闭窗口 9号窗口，共 20 窗口分钟"
    )
