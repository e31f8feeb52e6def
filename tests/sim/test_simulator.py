"""The hall-day simulator: hand-computed days through the production engine, the CLI's JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from queue_broker.sim.__main__ import main as sim_main
from queue_broker.sim.hall_day import run_day
from queue_broker.sim.metrics import day_metrics
from queue_broker.sim.policies import POLICIES
from queue_broker.sim.scenario import Arrival, Scenario, lognormal_params, site_config, ticket_stream

from ..scenarios import home_counters, scenario_queue

TINY = {
    "name": "tiny",
    "day": {"opens": "09:00", "ticketing_closes": "09:30", "slot_minutes": 30, "slots": ["09:00"]},
    "queues": [
        scenario_queue("A", "甲", 6, 4.0, cv=0.0, arrival_share=[1.0]),
        scenario_queue("B", "乙", 4, 6.0, cv=0.0, arrival_share=[1.0]),
    ],
    "counters": home_counters("A1", "B1"),
    "no_show": {"probability": 0.0, "minutes": 1.0},
    "switch_cost_min": 2.0,
}

# fixed arrivals (minute, queue, service, no-show): deterministic, so the waits can be worked out by hand
STREAM = [
    Arrival(0.0, "A", 4.0, False),
    Arrival(0.0, "A", 4.0, False),
    Arrival(1.0, "A", 4.0, False),
    Arrival(2.0, "B", 6.0, False),
    Arrival(2.5, "A", 4.0, True),
    Arrival(3.0, "B", 6.0, False),
    Arrival(3.0, "B", 6.0, False),
]


@pytest.fixture
def tiny() -> Scenario:
    return Scenario.model_validate(TINY)


def waits(result) -> list[float]:
    return [round(t.wait_min, 6) for t in result.tickets if t.wait_min is not None]


def test_static_matches_hand_computation(tiny):
    # A1 serves A: 0 -> 0-4, 0 -> 4-8, 1 -> 8-12, then the no-show of 2.5 is called at 12 and takes 1 min.
    # B1 serves B: 2 -> 2-8, 3 -> 8-14, 3 -> 14-20.
    r = run_day(tiny, "static", stream=STREAM)
    assert sorted(waits(r)) == sorted([0, 4, 7, 0, 5, 11])
    m = day_metrics(tiny, r)
    assert m["mean_wait_min"] == pytest.approx(27 / 6)
    assert m["max_wait_min"] == pytest.approx(11)
    assert m["switches_per_day"] == 0
    assert r.last_finish_min == pytest.approx(20)
    assert r.busy_min == pytest.approx(3 * 4 + 3 * 6 + 1)  # the no-show costs its minute


def test_pooled_matches_hand_computation(tiny):
    # one first-come-first-served line for both counters: 0 and 0 at once (0-4 each); at 4 the oldest,
    # A of 1 (wait 3, 4-8) and B of 2 (wait 2, 4-10); at 8 the no-show of 2.5 (8-9); at 9 B of 3 (wait 6,
    # 9-15); at 10 the other B of 3 (wait 7, 10-16).
    r = run_day(tiny, "pooled", stream=STREAM)
    assert sorted(waits(r)) == sorted([0, 0, 3, 2, 6, 7])
    assert day_metrics(tiny, r)["mean_wait_min"] == pytest.approx(18 / 6)
    assert r.last_finish_min == pytest.approx(16)


def test_every_policy_runs_the_same_citizens(tiny):
    for policy in POLICIES:
        r = run_day(tiny, policy, stream=STREAM)
        assert len(r.tickets) == len(STREAM) and len(waits(r)) == 6, policy


def test_ticket_stream_is_common_and_follows_the_scenario(tiny):
    a, b = ticket_stream(tiny, 7), ticket_stream(tiny, 7)
    assert a == b and a != ticket_stream(tiny, 8)
    counts = [len(ticket_stream(tiny, s)) for s in range(200)]
    assert np.mean(counts) == pytest.approx(10, rel=0.1)  # Poisson, 6 + 4 a day
    assert all(0 <= x.t < 30 for s in range(20) for x in ticket_stream(tiny, s))


def test_lognormal_parametrisation_keeps_mean_and_cv():
    mu, sigma = lognormal_params(8.0, 0.8)
    x = np.random.default_rng(1).lognormal(mu, sigma, 200_000)
    assert x.mean() == pytest.approx(8.0, rel=0.02)
    assert x.std() / x.mean() == pytest.approx(0.8, rel=0.03)


def test_opening_burst_and_surge():
    data = json.loads(json.dumps(TINY))
    data["queues"][0]["tickets_per_day"] = 200
    data["day"]["opening_burst"] = {"share": 0.5, "minutes": 5}
    data["surges"] = [{"queue": "B", "slots": ["09:00"], "factor": 3.0}]
    scn = Scenario.model_validate(data)
    stream = [x for s in range(20) for x in ticket_stream(scn, s)]
    a = [x for x in stream if x.queue == "A"]
    assert np.mean([x.t < 5 for x in a]) == pytest.approx(0.5, abs=0.05)
    assert sum(x.queue == "B" for x in stream) / 20 == pytest.approx(12, rel=0.2)


def test_site_config_of_a_scenario(tiny):
    cfg = site_config(tiny)
    assert [q.id for q in cfg.queues] == ["A", "B"]
    assert {s.queue_id for s in cfg.services} == {"A", "B"}
    assert cfg.rebalancer.switch_cost_min == 2.0 and cfg.caps.per_person_per_day is None


def test_cli_json(tmp_path, capsys):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY, allow_unicode=True), encoding="utf-8")
    assert sim_main([str(path), "--seeds", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["scenario"] == "tiny" and out["seeds"] == 2
    assert set(out["policies"]) == set(POLICIES)
    for m in out["policies"].values():
        for key in (
            "mean_wait_min",
            "p90_wait_min",
            "max_wait_min",
            "share_over_20_min",
            "per_queue_mean_wait_min",
            "switches_per_day",
            "utilisation",
            "last_finish",
            "tickets",
            "estimate_mae_min",
            "estimate_p80_coverage",
        ):
            assert key in m
        assert set(m["per_queue_mean_wait_min"]) == {"A", "B"}
    assert "gap_closed" in out


def test_cli_refuses_unknown_policy(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SystemExit):
        sim_main([str(path), "--policies", "static,nonsense"])


def test_bad_scenario_is_refused(tmp_path):
    data = json.loads(json.dumps(TINY))
    data["queues"][0]["arrival_share"] = [0.5]
    with pytest.raises(ValueError, match="arrival_share"):
        Scenario.model_validate(data)
