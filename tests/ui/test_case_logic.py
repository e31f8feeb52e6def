"""The case screens' logic without a window (issue 21 item 4): the wording and order of the case and 办件
lists (common/case_text.py), the state mixins (Kivy properties, no I/O), the supervisor's alert book on an
escalated alert, and the uplink and reload lines."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from kiosk_app.common.case_text import (
    allowed_case_steps,
    application_facts,
    application_row,
    case_row,
    day_text,
    left_text,
    reload_lines,
    sort_cases,
    uplink_lines,
)
from kiosk_app.counter.state import CounterState
from kiosk_app.supervisor.alerts import AlertBook
from kiosk_app.supervisor.state import SupervisorState

TZ = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 12, 4, 10, 0, tzinfo=TZ)


def _case(cid: str, **kw) -> dict:
    base = {
        "id": cid,
        "kind": "complaint",
        "kind_name": "有诉即办",
        "state": "accepted",
        "state_name": "已受理待转办",
        "deadline": "2026-12-05T00:00:00+08:00",
        "overdue": False,
        "due_soon": False,
        "working_days_left": 3,
        "closed_at": None,
        "counter_id": "W1",
        "ticket_number": "A001",
        "category": "办不成事",
        "summary": "跑了三次",
        "next_steps": ["handover"],
    }
    return {**base, **kw}


def test_a_deadline_at_midnight_is_the_day_before_and_days_left_read_as_staff_say_them():
    assert day_text("2026-12-05T00:00:00+08:00", TZ) == "12月04日"  # by the end of Fri 4 Dec
    assert day_text("2026-12-04T19:12:00+08:00", TZ) == "12月04日"
    assert day_text("not a date", TZ) == "" and day_text(None, TZ) == ""
    assert left_text(_case("a")) == "剩3个工作日"
    assert left_text(_case("a", working_days_left=0, due_soon=True)) == "今日到期"
    assert left_text(_case("a", overdue=True, working_days_left=None)) == "已逾期"
    assert left_text(_case("a", closed_at="2026-12-03T10:00:00+08:00")) == "已办结"
    assert left_text(_case("a", closed_at="2026-12-06T10:00:00+08:00", overdue=True)) == "已逾期办结"


def test_cases_most_urgent_first_and_their_rows():
    cases = [
        _case("TS-1", deadline="2026-12-10T00:00:00+08:00"),
        _case("TS-2", overdue=True, working_days_left=None),
        _case("CP-3", kind="bad_rating", level=1, reasons=["服务态度差"], due_soon=True, working_days_left=0),
        _case("TS-4", closed_at="2026-12-01T00:00:00+08:00"),
        _case("TS-5", deadline="2026-12-08T00:00:00+08:00"),
    ]
    assert [c["id"] for c in sort_cases(cases)] == ["TS-2", "CP-3", "TS-5", "TS-1", "TS-4"]
    row = case_row(cases[2], {"W1": "1号窗口"}, TZ)
    assert row["level"] == "yellow" and row["subject"] == "非常不满意：服务态度差 · “跑了三次” · 1号窗口 A001"
    assert row["deadline"] == "期限 12月04日　今日到期"
    assert case_row(cases[1], {}, TZ)["level"] == "red"


def test_a_counter_is_offered_its_own_steps_the_desk_and_the_supervisor_all():
    case = _case("CP-1", kind="bad_rating", next_steps=["verify", "appeal"])
    assert allowed_case_steps(case, whole_desk=True) == ["verify", "appeal"]
    assert allowed_case_steps(case, whole_desk=False) == ["appeal"]


def test_the_state_mixins_show_a_case_with_its_steps_and_counts():
    for state in (SupervisorState(), CounterState()):
        state.set_cases([_case("TS-1"), _case("TS-2", overdue=True)], {"W1": "1号窗口"}, TZ)
        assert [r["id"] for r in state.case_rows] == ["TS-2", "TS-1"]
        assert state.case_counts["overdue"] == 1 and state.case_counts["complaints"] == 2
        history = [{"at": "2026-12-04T09:00:00+08:00", "action_name": "转办", "handover_to": "不动产中心", "note": "x"}]
        state.case_whole_desk = False
        state.show_case(_case("TS-1", next_steps=["handover"], history=history), {}, TZ)
        assert state.case_steps == [] and state.case_history == ["12月04日 09:00　转办（转不动产中心）：x"]
        state.case_whole_desk = True
        state.show_case(_case("TS-1", next_steps=["revisit"]), {}, TZ)
        assert state.case_steps == [{"action": "revisit", "text": "回访"}]


def test_application_rows_and_facts_show_the_holder_masked_only():
    app = {
        "case_no": "11411325MB0000002X202611270001",
        "state": "result_ready",
        "state_name": "待出件",
        "task_name": "不动产转移登记",
        "department": "县不动产登记中心",
        "accepted_at": "2026-11-27T09:00:00+08:00",
        "due_at": "2026-12-05T00:00:00+08:00",
        "promise_days": 5,
        "promise_day_type": "工作日",
        "counter_id": "W2",
        "ticket_number": "B001",
        "holder_masked": {"name": "张*", "id_number": "4113**********1234"},
        "delivery": "pickup",
        "pickup_code": "R8JC37",
        "corrections": [{"at": "2026-11-30T10:00:00+08:00", "materials": ["户口簿"]}],
        "overdue": False,
    }
    row = application_row(app, TZ)
    assert row["deadline"] == "窗口领取待出件　取件码 R8JC37" and row["subject"] == "不动产转移登记 · B001 张*"
    facts = dict(application_facts(app, {"W2": "2号窗口"}, TZ))
    assert facts["承诺时限"] == "5个工作日，12月04日前办结" and facts["补正告知"] == "11月30日 10:00　户口簿"
    assert "1234" not in str(facts) and facts["群众"] == "B001 张*"
    overdue = application_row({**app, "state": "accepted", "overdue": True, "pickup_code": None}, TZ)
    assert overdue["level"] == "red" and overdue["deadline"] == "承诺 12月04日 前办结　已超期"


def test_the_uplink_and_the_reload_in_words():
    lines = uplink_lines(
        {
            "configured": True,
            "pending": 2,
            "oldest_pending_at": "2026-12-04T09:00:00+08:00",
            "last_error": "cannot reach the platform: [Errno 111] Connection refused",
            "next_try_at": "2026-12-04T09:01:00+08:00",
        },
        TZ,
        "好差评数据",
    )
    assert lines[0] == "好差评数据：待上报 2 条" and "最近错误：cannot reach the platform" in lines[2]
    assert "未配置上报地址" in uplink_lines({"configured": False, "pending": 1}, TZ, "好差评数据")[0]
    refused = {
        "ok": False,
        "error": {"code": "invalid_request", "message": "site.yaml:12: queues.0.sla_min: not a number"},
        "problems": ["site.yaml:12: queues.0.sla_min: not a number", "site.yaml:40: counters: W1 twice"],
    }
    assert reload_lines(refused)[1:] == refused["problems"]
    applied = {"ok": True, "config": {"version": "abc", "changes": ["~ queue ZH: sla_min"], "restart_needed": ["mqtt"]}}
    assert reload_lines(applied) == [
        "站点配置已加载（版本 abc）",
        "· ~ queue ZH: sla_min",
        "以下改动需重启后生效：mqtt",
    ]
    assert reload_lines({"ok": True, "config": {"state": "unchanged"}}) == ["站点配置没有变化"]


def test_an_alert_the_broker_escalated_needs_a_new_acknowledgement_on_the_tablet():
    book = AlertBook()
    raised = {
        "id": "al-1",
        "kind": "application_due",
        "severity": "yellow",
        "message": "办件临期",
        "rule": "application_due",
    }
    book.broker_alert({**raised, "state": "raised"}, AT)
    book.broker_alert({**raised, "state": "acked"}, AT)
    assert book.open_count() == 0
    book.broker_alert({**raised, "severity": "red", "state": "escalated"}, AT)
    assert book.open_count() == 1 and book.rows(TZ)[0]["severity"] == "red"
    assert book.rows(TZ)[0]["kind_name"] == "办件时限"
