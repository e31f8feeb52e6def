"""The planning commands on a hall's own event log: a demonstration hall made by simulating three weeks
of a small scenario through the engine (make-history), then `python -m queue_broker forecast`,
`day-plan` and `cross-train --config` read its store as they would a real hall's."""

from __future__ import annotations

import json

import pytest
import yaml

from queue_broker.__main__ import main as broker_main
from queue_broker.plan.__main__ import main as plan_main

from ..scenarios import home_counters, scenario_queue, two_hour_morning

SMALL = {
    "name": "small-hall",
    "day": two_hour_morning(opening_burst={"share": 0.4, "minutes": 5}),
    "queues": [scenario_queue("A", "甲", 40, 6, arrival_share=[0.4, 0.3, 0.2, 0.1]), scenario_queue("B", "乙", 12, 9)],
    "counters": [*home_counters("A1", "A2", "B1"), {"id": "T1", "home": ["B"], "eligible": ["B", "A"]}],
    "no_show": {"probability": 0.05, "minutes": 1.0},
    "switch_cost_min": 2.0,
    "history": {"weekday_factor": {"mon": 1.4, "fri": 0.8}, "day_cv": 0.05},
    "reserve": [{"id": "R1", "eligible": ["A", "B"], "ready_min": 10}],
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    d = tmp_path_factory.mktemp("demo")
    scn = d / "small.yaml"
    scn.write_text(yaml.safe_dump(SMALL, allow_unicode=True), encoding="utf-8")
    assert plan_main(["make-history", str(scn), "--weeks", "3", "--out", str(d / "hall")]) == 0
    return d / "hall" / "site.yaml"


def _json(capsys, argv) -> dict:
    capsys.readouterr()
    assert broker_main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_forecast_and_day_plan_from_the_log(demo, capsys):
    fc = _json(capsys, ["forecast", "--config", str(demo), "--day", "2026-06-08", "--json"])  # a Monday
    assert fc["working"] and fc["history_days"] == 15  # the working days of three weeks
    a = next(q for q in fc["queues"] if q["id"] == "A")
    assert 40 * 1.4 * 0.8 < a["total"]["mean"] < 40 * 1.4 * 1.2  # Monday's factor learned
    assert fc["half_hours"][0] == "09:00" and a["half_hours"][0]["mean"] > a["half_hours"][-1]["mean"]
    closed = _json(capsys, ["forecast", "--config", str(demo), "--day", "2026-06-19", "--json"])  # 端午节
    assert not closed["working"] and all(q["total"]["mean"] == 0 for q in closed["queues"])
    plan = _json(capsys, ["day-plan", "--config", str(demo), "--day", "2026-06-08", "--json", "--check-days", "20"])
    assert plan["windows"] == 4 and plan["reserves"] == 1  # R1's own window is the reserve's, not the hall's
    assert plan["half_hours"][0] == "09:00" and max(plan["needed_total"]) >= 2
    assert len(plan["short"]) == len(plan["half_hours"])


def test_cross_train_from_the_log(demo, capsys):
    out = _json(
        capsys,
        [
            "cross-train",
            "--config",
            str(demo),
            "--day",
            "2026-06-08",
            "--seeds",
            "2",
            "--max-extra",
            "1",
            "--workers",
            "1",
            "--json",
        ],
    )
    hist = out["history_scenario"]
    assert [q["id"] for q in hist["queues"]] == ["A", "B"] and len(hist["counters"]) == 4
    assert hist["day"]["opening_burst"]["share"] == pytest.approx(0.4, abs=0.1)
    a = next(q for q in hist["queues"] if q["id"] == "A")
    assert a["service_min"]["mean"] == pytest.approx(6, rel=0.15)
    assert len(out["plan"]) == 1 and out["plan"][0]["counter"] in {"A1", "A2", "B1", "T1"}


def test_daily_and_monthly_reports_carry_the_plans(demo, tmp_path, monkeypatch):
    import queue_broker.reports.planning as planning

    out = tmp_path / "day.html"
    assert (
        broker_main(["report", "--config", str(demo), "--from", "2026-06-05", "--to", "2026-06-05", "--out", str(out)])
        == 0
    )
    html = out.read_text(encoding="utf-8")
    assert (
        "计划：到达预测、排班建议、交叉培训<" in html and "2026-06-08 排班建议" in html
    )  # the next working day after Friday
    assert html.count("<th>09:00</th>") >= 1 and "合计需要" in html
    week = tmp_path / "week.html"
    assert (
        broker_main(["report", "--config", str(demo), "--from", "2026-06-01", "--to", "2026-06-05", "--out", str(week)])
        == 0
    )
    assert "计划：到达预测、排班建议、交叉培训<" not in week.read_text(encoding="utf-8")  # neither a day nor a month
    monkeypatch.setattr(planning, "MONTH_DAYS", 14)
    monkeypatch.setattr(planning, "CROSS_TRAIN_SEEDS", 1)
    month = tmp_path / "month.html"
    assert (
        broker_main(
            ["report", "--config", str(demo), "--from", "2026-05-18", "--to", "2026-06-05", "--out", str(month)]
        )
        == 0
    )
    text = month.read_text(encoding="utf-8")
    assert "交叉培训建议" in text and "加学" in text
