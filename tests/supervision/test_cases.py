"""Every state transition of the three closed loops, and every refusal: each case is brought into each
of its states, then every step of its kind is tried there; only the steps of the table may pass."""

from __future__ import annotations

import pytest

from queue_broker.engine import events as ev
from queue_broker.engine.cases import INITIAL_STATE, TERMINAL, TRANSITIONS
from queue_broker.engine.commands import (
    CaseAction,
    OpenComplaint,
    OpenComplexQuestion,
    SubmitRating,
    ViewCases,
)
from queue_broker.engine.hall import HallEngine, Rejected

from .conftest import at

Step = tuple[str, bool | None]  # an action, and whether the citizen was satisfied (a revisit's answer)


def states_along(initial: str, *line: tuple[str, bool | None, str]) -> dict[str, list[Step]]:
    """state -> the steps that reach it from `initial`, for each state one line of (action, satisfied, state
    it leads to) passes through."""
    paths: dict[str, list[Step]] = {initial: []}
    steps: list[Step] = []
    for action, satisfied, state in line:
        steps = [*steps, (action, satisfied)]
        paths[state] = steps
    return paths


# how to reach each state of a kind from its initial one: its main line, and the branches off it
PATHS = {
    "bad_rating": states_along(
        "opened",
        ("verify", None, "verified"),
        ("rectify", None, "rectified"),
        ("reply", None, "replied"),
        ("revisit", True, "revisited"),
        ("close", None, "closed"),
    )
    | states_along("opened", ("appeal", None, "appealed"), ("appeal-accept", None, "annulled")),
    "complaint": states_along(
        "accepted",
        ("handover", None, "handed_over"),
        ("feedback", None, "fed_back"),
        ("revisit", True, "revisited"),
        ("rectify", None, "rectified"),
        ("close", None, "closed"),
    )
    | states_along("accepted", ("handover", None, "handed_over"), ("supervise", None, "supervised")),
    "complex_question": states_along("opened", ("answer", None, "answered")),
}


def _open(d, kind: str) -> str:
    if kind == "complaint":
        return d.run(OpenComplaint("窗口要求的材料清单前后不一致，跑了三次", "办不成事", counter_id="W1"))["case"]["id"]
    d.open("W1")
    t = d.issue()
    if kind == "bad_rating":
        d.serve("W1")
        return d.rate(t["id"], 2, ["等候时间长"])["case"]["id"]
    d.serve("W1", "incomplete", ["户口簿"])
    return d.run(OpenComplexQuestion("W1", t["id"], "户口迁出地不在本县，能否异地办理"))["case"]["id"]


def _step(d, case_id: str, action: str, satisfied=None, **kw):
    return d.run(
        CaseAction(
            case_id,
            action,
            f"{action} 的记录",
            to="县不动产登记中心" if action == "handover" else None,
            satisfied=satisfied if action != "revisit" or satisfied is not None else True,
            **kw,
        )
    )


CELLS = [(kind, state, action) for kind, paths in PATHS.items() for state in paths for action in TRANSITIONS[kind]]


@pytest.mark.parametrize(("kind", "state", "action"), CELLS, ids=[f"{k}:{s}:{a}" for k, s, a in CELLS])
def test_every_step_from_every_state(make_day, kind, state, action):
    d = make_day(at(2026, 11, 27, 9, 0))
    case_id = _open(d, kind)
    assert d.e.cases[case_id].state == INITIAL_STATE[kind]
    for a, sat in PATHS[kind][state]:
        _step(d, case_id, a, sat)
    case = d.e.cases[case_id]
    assert case.state == state
    starts, to_state = TRANSITIONS[kind][action]
    before = len(d.events)
    if state in starts and state not in TERMINAL:
        reply = _step(d, case_id, action)
        assert case.state == to_state == reply["case"]["state"]
        step = d.events[-1]
        assert step.type == ev.CASE_STEP and (step.data["from_state"], step.data["to_state"]) == (state, to_state)
        assert case.history[-1]["action"] == action and case.history[-1]["note"] == f"{action} 的记录"
        assert (case.closed_at is not None) == (to_state in TERMINAL)
    else:
        with pytest.raises(Rejected) as err:
            _step(d, case_id, action)
        assert err.value.code == "conflict"
        assert case.state == state and len(d.events) == before


def test_unsatisfied_revisit_sends_the_case_back(make_day):
    d = make_day(at(2026, 11, 27, 9, 0))
    bad = _open(d, "bad_rating")
    for a in ("verify", "rectify", "reply"):
        _step(d, bad, a)
    _step(d, bad, "revisit", False)
    assert d.e.cases[bad].state == "verified"  # rectify again
    assert d.e.cases[bad].history[-1]["satisfied"] is False
    c = _open(d, "complaint")
    for a in ("handover", "feedback"):
        _step(d, c, a)
    _step(d, c, "revisit", False)
    assert d.e.cases[c].state == "handed_over"  # handled again


def test_appeal_accepted_annuls_the_rating_rejected_goes_on(make_day):
    d = make_day(at(2026, 11, 27, 9, 0))
    first = _open(d, "bad_rating")
    ticket = d.e.cases[first].ticket_id
    d.run(CaseAction(first, "appeal", "评价人当场表示误按", counter_id="W1", by="counter-W1"))
    d.run(CaseAction(first, "appeal-accept", "调看录像属实"))
    assert d.e.cases[first].state == "annulled" and d.e.ratings[ticket]["annulled"] is True
    t = d.issue()
    d.serve("W1")
    second = d.rate(t["id"], 1, ["办事效率低"])["case"]["id"]
    d.run(CaseAction(second, "appeal", "系统慢", counter_id="W1"))
    d.run(CaseAction(second, "appeal-reject", "差评属实，需整改"))
    assert d.e.cases[second].state == "verified" and not d.e.ratings[t["id"]].get("annulled")


def test_refusals_other_than_state(make_day):
    d = make_day(at(2026, 11, 27, 9, 0))
    bad = _open(d, "bad_rating")
    c = _open(d, "complaint")

    def refused(cmd, code):
        with pytest.raises(Rejected) as err:
            d.run(cmd)
        assert err.value.code == code, err.value.message
        return err.value.message

    assert "说明" in refused(CaseAction(bad, "verify", "  "), "invalid_request")
    assert "handover" in refused(CaseAction(bad, "handover", "x", to="某局"), "invalid_request")  # not a step of it
    assert "'to'" in refused(CaseAction(c, "handover", "转办"), "invalid_request")
    refused(CaseAction("CP-19990101-001", "verify", "x"), "not_found")
    # a counter takes only its own steps on its own cases
    refused(CaseAction(bad, "close", "x", counter_id="W1"), "forbidden")
    refused(CaseAction(bad, "appeal", "x", counter_id="W2"), "forbidden")
    d.run(CaseAction(bad, "verify", "属实"))
    d.run(CaseAction(bad, "rectify", "已培训", counter_id="W1"))
    d.run(CaseAction(bad, "reply", "已致歉"))
    assert "satisfied" in refused(CaseAction(bad, "revisit", "回访"), "invalid_request")
    # bad-rating reasons come from the configured list; a good rating's are free
    t = d.issue()
    d.serve("W1")
    assert "等候时间长" in refused(SubmitRating(t["id"], 2, ("太慢了",)), "invalid_request")
    refused(SubmitRating(t["id"], 2, ()), "invalid_request")
    assert d.rate(t["id"], 5, ["热情"])["rating"]["level"] == 5
    # complaints: a known category, a real ticket or counter; complex questions: this counter's finished ticket
    refused(OpenComplaint("x", "乱七八糟"), "invalid_request")
    refused(OpenComplaint("x", ticket_id="20261127-Z999"), "not_found")
    refused(OpenComplaint("x", counter_id="W99"), "not_found")
    refused(OpenComplaint(" "), "invalid_request")
    t2 = d.issue()
    refused(OpenComplexQuestion("W1", t2["id"], "问题"), "conflict")  # not served yet
    d.serve("W1", "incomplete", ["结婚证"])
    refused(OpenComplexQuestion("W2", t2["id"], "问题"), "conflict")  # served at W1
    d.run(OpenComplexQuestion("W1", t2["id"], "问题"))
    refused(OpenComplexQuestion("W1", t2["id"], "问题"), "conflict")  # one per ticket


def test_complaint_links_a_ticket_and_the_case_view_shows_the_history(make_day):
    d = make_day(at(2026, 11, 27, 9, 0))
    d.open("W2")
    t = d.issue("bdc-transfer")
    d.serve("W2")
    case = d.run(OpenComplaint("过户要求提供的材料与指南不符", "办不成事", ticket_id=t["id"], by="supervisor-1"))[
        "case"
    ]
    assert (case["counter_id"], case["service_id"], case["queue_id"]) == ("W2", "bdc-transfer", "BDC")
    assert case["state"] == "accepted" and case["next_steps"] == ["handover"]
    assert case["deadline"] == "2026-12-05T00:00:00+08:00"  # 5 working days from Fri 27 Nov: Mon 30 … Fri 4 Dec
    d.run(CaseAction(case["id"], "handover", "转不动产中心核查", to="县不动产登记中心"))
    d.now = at(2026, 11, 30, 9, 0)
    d.run(CaseAction(case["id"], "supervise", "电话督办"))
    d.run(CaseAction(case["id"], "supervise", "再次督办"))
    view = d.run(ViewCases(case["id"]))["case"]
    assert [h["action"] for h in view["history"]] == ["open", "handover", "supervise", "supervise"]
    assert view["handler"] == "县不动产登记中心" and view["state_name"] == "督办中"
    listed = d.run(ViewCases())
    assert listed["total"] == 1 and listed["cases"][0]["id"] == case["id"] and "history" not in listed["cases"][0]


def test_case_ids_are_daily_sequences_and_survive_replay(make_day, config):
    d = make_day(at(2026, 11, 27, 9, 0))
    ids = [d.run(OpenComplaint(f"诉求{i}"))["case"]["id"] for i in range(3)]
    assert ids == ["TS-20261127-001", "TS-20261127-002", "TS-20261127-003"]
    again = HallEngine(config)
    again.replay(d.events)
    assert {k: (c.state, c.deadline) for k, c in again.cases.items()} == {
        k: (c.state, c.deadline) for k, c in d.e.cases.items()
    }
    assert again.execute(OpenComplaint("诉求3"), d.now).reply["case"]["id"] == "TS-20261127-004"


@pytest.mark.parametrize(
    ("kind", "opened", "deadline"),
    [
        ("complex_question", (2026, 10, 9, 15, 0), "2026-10-13T00:00:00+08:00"),  # Sat 10 Oct worked, then Mon 12
        ("complaint", (2026, 9, 30, 11, 0), "2026-10-14T00:00:00+08:00"),  # 8, 9, 10 (Sat), 12, 13 Oct
        ("bad_rating", (2026, 9, 29, 10, 0), "2026-10-27T00:00:00+08:00"),  # 15: 30 Sep, 8–10, 12–16, 19–23, 26 Oct
    ],
)
def test_each_kind_is_due_across_national_day_and_a_swapped_saturday(make_day, kind, opened, deadline):
    d = make_day(at(*opened))
    case = d.e.cases[_open(d, kind)]
    assert case.deadline.isoformat() == deadline
