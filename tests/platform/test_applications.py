"""办件 (applications) in the pure engine: every step in every state, the refusals, who may act, the
promised date in working and natural days, and replay (a restart rebuilds the same record)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from queue_broker.config.loader import load_site_config
from queue_broker.engine.applications import APP_STATE_NAMES, APP_TRANSITIONS
from queue_broker.engine.commands import (
    ApplicationAction,
    CounterCommand,
    FinishTicket,
    IssueTicket,
    OpenCounter,
    ViewApplications,
)
from queue_broker.engine.hall import HallEngine, Rejected

from .conftest import at, write_site

NOW = at(2026, 11, 24, 10, 0)  # a Tuesday


@pytest.fixture
def config(tmp_path):
    return load_site_config(write_site(tmp_path), env={})


class Hall:
    def __init__(self, config):
        self.e = HallEngine(config)
        self.now = NOW
        self.events = []

    def run(self, cmd, when: datetime | None = None):
        result = self.e.execute(cmd, when or self.now)
        self.events.extend(result.events)
        return result.reply

    def served(self, service="bdc-transfer", counter="W2") -> dict:
        """A citizen called to `counter` for `service`, being served."""
        t = self.run(IssueTicket("kiosk-1", service, "walk_in"))["ticket"]
        if self.e.counters[counter].status == "closed":
            self.run(OpenCounter(counter, "demo", "123456"))
        assert self.run(CounterCommand(counter, "call-next"))["ticket"]["id"] == t["id"]
        return t

    def accept(self, counter="W2", service=None, **kw) -> dict:
        t = self.served(service or "bdc-transfer", counter)
        return self.run(ApplicationAction("accept", ticket_id=t["id"], counter_id=counter, **kw))["application"]

    def step(self, case_no, action, **kw) -> dict:
        return self.run(ApplicationAction(action, case_no=case_no, **kw))["application"]


def _to_state(hall: Hall, state: str) -> str:
    app = hall.accept()
    path = {
        "accepted": [],
        "processing": [("process", {})],
        "correction": [("correct", {"missing_materials": ("完税证明",)})],
        "rejected": [("reject", {"reason": "不属于本机关职权范围"})],
        "concluded": [("conclude", {})],
        "result_ready": [("conclude", {}), ("result-ready", {"pickup_code": "ABC234"})],
        "delivered": [("conclude", {}), ("result-ready", {"pickup_code": "ABC234"}), ("deliver", {})],
    }[state]
    for action, kw in path:
        hall.step(app["case_no"], action, **kw)
    return app["case_no"]


ARGS = {
    "correct": {"missing_materials": ("完税证明",)},
    "reject": {"reason": "不属于本机关职权范围"},
    "result-ready": {"pickup_code": "ABC234"},
    "deliver": {},
}


@pytest.mark.parametrize("state", list(APP_STATE_NAMES))
@pytest.mark.parametrize("action", list(APP_TRANSITIONS))
def test_every_step_in_every_state(config, state, action):
    hall = Hall(config)
    case_no = _to_state(hall, state)
    starts, to_state = APP_TRANSITIONS[action]
    if state in starts:
        assert hall.step(case_no, action, **ARGS.get(action, {}))["state"] == to_state
    else:
        with pytest.raises(Rejected) as err:
            hall.step(case_no, action, **ARGS.get(action, {}))
        assert err.value.code == "conflict" and APP_STATE_NAMES[state] in err.value.message


def test_refusals_name_what_is_missing(config):
    hall = Hall(config)
    quick = hall.served("zh-general", "W1")
    with pytest.raises(Rejected, match="即办件"):
        hall.run(ApplicationAction("accept", ticket_id=quick["id"], counter_id="W1"))
    app = hall.accept()
    for action, kw, words in (
        ("correct", {}, "missing_materials"),
        ("reject", {}, "reason"),
    ):
        with pytest.raises(Rejected, match=words) as err:
            hall.step(app["case_no"], action, **kw)
        assert err.value.code == "invalid_request"
    with pytest.raises(Rejected) as err:
        hall.step("NOPE", "process")
    assert err.value.code == "not_found"
    hall.step(app["case_no"], "conclude")
    hall.step(app["case_no"], "result-ready", delivery="post", carrier="EMS")
    with pytest.raises(Rejected, match="tracking"):
        hall.step(app["case_no"], "deliver")
    done = hall.step(app["case_no"], "deliver", tracking_no="1234567890123")
    assert (done["delivery"], done["tracking_no"], done["carrier"], done["pickup_code"]) == (
        "post",
        "1234567890123",
        "EMS",
        None,
    )


def test_a_counter_acts_on_its_own_and_any_counter_hands_results_out(config):
    hall = Hall(config)
    app = hall.accept("W2")  # 不动产 counter
    t = hall.served("sb-card", "W3")
    with pytest.raises(Rejected, match="不是在.*办理的"):
        hall.run(ApplicationAction("accept", ticket_id=t["id"], counter_id="W2"))
    with pytest.raises(Rejected) as err:
        hall.run(ApplicationAction("process", case_no=app["case_no"], counter_id="W3"))
    assert err.value.code == "forbidden"
    hall.run(ApplicationAction("process", case_no=app["case_no"], counter_id="W2"))
    hall.run(ApplicationAction("conclude", case_no=app["case_no"]))  # a supervisor
    ready = hall.run(ApplicationAction("result-ready", case_no=app["case_no"], counter_id="W4", pickup_code="QWE234"))
    assert ready["application"]["pickup"] == {
        "service_id": "zh-result-pickup",
        "queue_id": "CJ",
        "counter_numbers": [4],
    }
    assert (
        hall.run(ApplicationAction("deliver", case_no="QWE234", counter_id="W4"))["application"]["state"] == "delivered"
    )


def test_refused_at_the_counter_gets_a_number_and_no_due_date(config):
    hall = Hall(config)
    t = hall.served()
    reply = hall.run(ApplicationAction("reject", ticket_id=t["id"], counter_id="W2", reason="不属于受理范围"))
    app = reply["application"]
    assert app["state"] == "rejected" and app["due_at"] is None and app["reject_reason"] == "不属于受理范围"
    assert app["case_no"].endswith("202611240001")


def test_a_bundle_ticket_opens_one_application_per_item(config):
    hall = Hall(config)
    t = hall.served("bundle-birth", "W1")
    first = hall.run(ApplicationAction("accept", ticket_id=t["id"], service_id="sb-card", counter_id="W1"))
    assert first["application"]["promise_days"] == 2 and first["application"]["task_code"] is None
    with pytest.raises(Rejected, match="其他事项"):
        hall.run(ApplicationAction("accept", ticket_id=t["id"], service_id="bdc-transfer", counter_id="W1"))
    # sb-card has no national record: the case number takes the accepting counter's department code
    assert first["application"]["case_no"] == "11411325MB00000016" + "20261124" + "0001"


def test_natural_days_and_the_case_number_sequence(config):
    cfg = config.model_copy(deep=True)
    bdc = next(s for s in cfg.services if s.id == "bdc-transfer")
    bdc.national.promise_day_type = "自然日"
    bdc.national.promise_day = 10
    hall = Hall(cfg)
    a = hall.accept()
    assert a["due_at"] == at(2026, 12, 5, 0, 0).isoformat()  # 24 Nov + 10 natural days, the end of 4 Dec
    assert a["warn_at"] == at(2026, 12, 3, 0, 0).isoformat()  # 8 of 10 days: the end of 2 Dec
    hall.run(FinishTicket("W2", "done"))
    b = hall.accept()
    assert int(b["case_no"][-4:]) == int(a["case_no"][-4:]) + 1


def test_replay_rebuilds_the_same_applications(config):
    hall = Hall(config)
    case_no = _to_state(hall, "result_ready")
    hall.step(case_no, "deliver", note="本人领取")
    again = HallEngine(config)
    again.replay(hall.events)
    later = NOW + timedelta(days=3)
    view = lambda e: e.execute(ViewApplications(case_no), later).reply  # noqa: E731
    assert view(again) == view(hall.e)
