"""The cross-training advisor: the shortfall measure, chains, the scenario file it writes, and a whole
run on a small hall whose imbalance a chain plainly fixes."""

from __future__ import annotations

import json

import pytest
import yaml

from queue_broker.plan.__main__ import main as plan_main
from queue_broker.plan.crosstrain import Link, Planner, Shortfall, advise, apply_plan, with_skills
from queue_broker.sim.scenario import Scenario, load_scenario

from ..conftest import ROOT
from ..scenarios import home_counters, scenario_queue, two_hour_morning

# three queues, one of them overloaded in the morning: a link from an idle queue's counter helps
LOPSIDED = {
    "name": "lopsided",
    "day": two_hour_morning(),
    "queues": [scenario_queue("A", "甲", 44, 8), scenario_queue("B", "乙", 10, 8), scenario_queue("C", "丙", 10, 8)],
    "counters": home_counters("A1", "A2", "B1", "B2", "C1", "C2"),
    "switch_cost_min": 1.0,
}


@pytest.fixture
def lopsided() -> Scenario:
    return Scenario.model_validate(LOPSIDED)


def test_shortfall_falls_with_flexibility(lopsided):
    planner = Planner(lopsided, 3, Shortfall(lopsided))
    none = planner.score(())
    one = planner.score((Link("B1", "A"),))
    chain = planner.chain(("A", "B", "C"))
    assert chain == (Link("A1", "B"), Link("B1", "C"), Link("C1", "A"))
    everything = planner.proxy.score([0b111] * 6)
    assert none > one > everything - 1e-9
    assert planner.score(chain) >= everything - 1e-9


def test_plans_fit_k_and_use_each_counter_once(lopsided):
    for k in (1, 2, 3, 4):
        planner = Planner(lopsided, k, Shortfall(lopsided))
        for _, plan, _ in planner.candidates():
            assert len(plan) == k
            assert len({link.counter for link in plan}) == k
            for link in plan:
                assert link.add_queue not in next(c for c in lopsided.counters if c.id == link.counter).skills


def test_written_scenario_only_grows_eligible_lists():
    path = ROOT / "examples" / "scenarios" / "standard-day.yaml"
    text = path.read_text(encoding="utf-8")
    plan = [Link("ZH1", "BDC"), Link("T1", "SW")]
    out = with_skills(text, plan)
    assert Scenario.model_validate(yaml.safe_load(out)) == apply_plan(load_scenario(path), plan)
    changed = [(a, b) for a, b in zip(text.splitlines(), out.splitlines(), strict=True) if a != b]
    assert changed == [
        ("  - {id: ZH1, home: [ZH], eligible: [ZH]}", "  - {id: ZH1, home: [ZH], eligible: [ZH, BDC]}"),
        ("  - {id: T1, home: [ZH], eligible: [ZH, SB, YB]}", "  - {id: T1, home: [ZH], eligible: [ZH, SB, YB, SW]}"),
    ]
    block = (
        "name: x\ncounters:\n  - id: A1\n    home: [A]\n  - id: B1\n    home: [B]\n    eligible:\n      - B  # kept\n"
    )
    assert with_skills(block, [Link("A1", "B"), Link("B1", "A")]).splitlines()[3:] == [
        "    home: [A]",
        "    eligible: [A, B]",
        "  - id: B1",
        "    home: [B]",
        "    eligible:",
        "      - B  # kept",
        "      - A",
    ]


def test_advice_on_a_lopsided_hall(lopsided, tmp_path, capsys):
    out = advise(lopsided, 3, seeds=4)
    assert len(out["plan"]) == 3
    assert out["after"]["mean_wait_min"] < out["before"]["mean_wait_min"]
    assert out["every_queue_within_todays_worst"]
    assert max(out["after"]["per_queue_mean_wait_min"].values()) <= max(
        out["before"]["per_queue_mean_wait_min"].values()
    )
    assert all("effect" in row and "加学" in row["advice"] for row in out["plan"])
    src = tmp_path / "lopsided.yaml"
    src.write_text(yaml.safe_dump(LOPSIDED, allow_unicode=True), encoding="utf-8")
    new = tmp_path / "new.yaml"
    assert (
        plan_main(
            [
                "cross-train",
                str(src),
                "--max-extra",
                "2",
                "--seeds",
                "2",
                "--workers",
                "1",
                "--out",
                str(new),
                "--json",
                "--quiet",
            ]
        )
        == 0
    )
    printed = json.loads(capsys.readouterr().out)
    assert [set(r) >= {"counter", "add_queue"} for r in printed["plan"]] == [True, True]
    grown = load_scenario(new)
    added = {c.id: set(c.skills) - set(o.skills) for c, o in zip(grown.counters, lopsided.counters, strict=True)}
    assert {(cid, q) for cid, qs in added.items() for q in qs} == {
        (r["counter"], r["add_queue"]) for r in printed["plan"]
    }
