"""The supervisor finds any ticket and acts on it (issue 23 item 6): the tablet's 查找 screen, a real Kivy app in
its own process (under Xvfb), against the real queue broker and a real Mosquitto. By number, by counter, by
state; from the ticket opened: transfer to another queue, hand over to another hall (the broker accepts
hand-overs to the county, as with `HALL_HANDOVER_SITES`; no county runs here, tests/county/ has its side),
annul with a reason. Refusals read in plain Chinese; the holder's name and ID number never show."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kiosk_app.supervisor.lookup_text import allowed_actions, number_problem, refusal, ticket_facts, ticket_row

from ..clock import Clock as FakeClock
from .hall import HOLDER, write_site
from .harness import HallParts, log_in_supervisor, step

TZ = ZoneInfo("Asia/Shanghai")
COUNTY = {"site": "county-centre", "name": "县政务服务中心"}
LATIN_WORD = re.compile(r"[a-z]{4,}")  # the broker's English sentences must not reach the message line


def numbers(st: dict) -> list[str]:
    return [r["number"] for r in st["lookup_rows"]]


def private(text: str) -> bool:
    return HOLDER["name"] in text or HOLDER["id_number"][-6:] in text or HOLDER["id_number"][:6] in text


def test_the_lookup_words_without_a_window():
    assert number_problem("a002") == "" and number_problem("BD012345") == "" and "请输入号码" in number_problem(" ")
    assert "不是号码" in number_problem("12") and "不是号码" in number_problem("A01")
    assert allowed_actions("waiting", True) == ["transfer", "handover", "annul"]
    assert allowed_actions("held", True) == ["transfer", "annul"]  # handed over only once resumed
    assert allowed_actions("done", True) == ["handover"] and allowed_actions("done", False) == []
    assert allowed_actions("cancelled", True) == []
    for action in ("find", "transfer", "handover", "annul"):
        for code in ("not_found", "conflict", "invalid_request", "forbidden", "unavailable", "internal"):
            assert not LATIN_WORD.search(refusal(action, code, "A001")), (action, code)
    ticket = {
        "id": "20261207-A001",
        "number": "A001",
        "queue_id": "ZH",
        "queue_name": "综合受理",
        "service_name": "综合咨询受理",
        "state": "held",
        "counter_id": "W1",
        "channel": "walk_in",
        "issued_at": "2026-12-07T09:00:00+08:00",
        "priority": "disability",
        "recalls": 1,
        "hold": {"until": "2026-12-07T10:05:00+08:00"},
        "needs": ["sign_or_text"],
    }
    row = ticket_row(ticket, {"W1": 1}, TZ)
    assert row["text"] == "A001　综合受理　挂起中　09:00 取号　1号窗口"
    facts = dict(ticket_facts(ticket, {"W1": "1号窗口 综合受理"}, TZ))
    assert facts["优先"] == "残疾人优先" and facts["挂起至"] == "10:05" and facts["需要"] == "需要手语/文字沟通"


@pytest.mark.ui
@pytest.mark.timeout(240)
def test_the_supervisor_finds_tickets_and_transfers_hands_over_and_annuls_them(mosquitto, site_id, tmp_path):
    clock = FakeClock(datetime(2026, 12, 7, 9, 0, tzinfo=TZ))
    site = write_site(tmp_path, site_id, supervisor={"handover_sites": [COUNTY]})
    with HallParts(mosquitto.url, site_id, tmp_path) as hall:
        broker = hall.broker(site, clock=clock, env={"HALL_HANDOVER_SITES": COUNTY["site"]})
        kiosk = hall.node("kiosk-1", "kiosk")
        desk = hall.node("counter-x", "counter")
        other = hall.node("supervisor-2", "supervisor")  # another supervisor's tablet
        sup = hall.screen("supervisor", site, "supervisor-1", "sup")
        a001 = kiosk.issue("zh-general", holder=HOLDER)
        a002, a003 = kiosk.issue("zh-general"), kiosk.issue("zh-general")
        b001 = kiosk.issue("bdc-transfer")
        desk.open_counters("W1")
        assert desk.send(desk.t.counter_cmd("W1", "call-next"))["ticket"]["number"] == "A001"

        sup.connect()
        sup.wait_for(lambda s: s["online"] and s["counter_tiles"], 30, "the first state")
        log_in_supervisor(sup)
        sup.tap("nav.lookup")
        st = sup.wait_for(lambda s: s["screen"] == "lookup", 5, "the 查找 screen")
        assert st["annul_reasons"][0] == "重复取号" and st["lookup_total"] == -1

        with step("a number that is no number: said plainly, nothing searched"):
            sup.type("lookup.number", "12")
            sup.tap("lookup.find")
            st = sup.wait_for(lambda s: "不是号码" in s["message"], 5, "the number refused")
            assert st["lookup_total"] == -1 and st["message_kind"] == "warn"

        with step("by number (typed in lower case): the one ticket opens with its steps"):
            sup.type("lookup.number", "a002")
            sup.tap("lookup.find")
            st = sup.wait_for(lambda s: s["lookup_ticket"].get("number") == "A002", 10, "A002 opened")
            assert numbers(st) == ["A002"] and st["lookup_title"] == "号码 A002"
            assert ("状态", "等候中") in st["lookup_facts"] and st["lookup_steps"][0].endswith("取号")
            sup.wait_text("A002 的详情")

        with step("by counter: the citizen at W1"):
            sup.tap("lookup.counter.W1")
            st = sup.wait_for(lambda s: s["lookup_title"] == "1号窗口 综合受理", 10, "W1's tickets")
            assert numbers(st) == ["A001"] and "已呼叫" in st["lookup_rows"][0]["text"]
            sup.tap("lookup.row.A001")
            st = sup.wait_for(lambda s: s["lookup_ticket"].get("number") == "A001", 10, "A001 opened")
            assert ("窗口", "1号窗口 综合受理") in st["lookup_facts"]
            assert not private(sup.screen_text()) and not private(str(st))  # find-ticket never sends the holder

        with step("by state: the waiting ones, in issue order"):
            sup.tap("lookup.state.waiting")
            st = sup.wait_for(lambda s: s["lookup_title"] == "等候中", 10, "the waiting tickets")
            assert numbers(st) == ["A002", "A003", "B001"] and st["lookup_total"] == 3
            sup.screenshot("supervisor-lookup")

        with step("transfer A002 to 不动产登记: it keeps its issue time"):
            sup.tap("lookup.row.A002")
            sup.wait_for(lambda s: s["lookup_ticket"].get("number") == "A002", 10, "A002 opened")
            sup.tap("lookup.do.transfer")
            sup.wait_for(lambda s: s["lookup_action"] == "transfer", 5, "the queues offered")
            assert not sup.can_tap("lookup.transfer.ZH")  # not to the queue it is in
            sup.tap("lookup.transfer.BDC")
            st = sup.wait_for(lambda s: s["lookup_ticket"].get("queue_id") == "BDC", 10, "A002 in BDC")
            assert st["message"] == "A002 已转到 不动产登记，保留原取号时间", st["message"]
            moved = broker.engine.tickets[a002["id"]]
            assert moved.queue_id == "BDC" and moved.issued_at.isoformat() == a002["issued_at"]
            assert [d["ticket_id"] for _, d in broker.events("transferred")] == [a002["id"]]
            assert st["lookup_action"] == ""

        with step("annul: a reason first; 其他 needs a note; nothing sent before"):
            sup.tap("lookup.row.A003")
            sup.wait_for(lambda s: s["lookup_ticket"].get("number") == "A003", 10, "A003 opened")
            sup.tap("lookup.do.annul")
            sup.wait_for(lambda s: s["lookup_action"] == "annul", 5, "the reasons offered")
            assert not sup.can_tap("lookup.annul")  # disabled until a reason is picked
            sup.tap("lookup.reason.5")  # 其他
            sup.wait_for(lambda s: s["lookup_reason"] == "其他", 5, "其他 picked")
            sup.tap("lookup.annul")
            st = sup.wait_for(lambda s: "须写明原因" in s["message"], 5, "a note asked for")
            assert not broker.events("annulled")
            sup.tap("lookup.reason.1")  # 误取号
            sup.wait_for(lambda s: s["lookup_reason"] == "误取号", 5, "误取号 picked")
            sup.type("lookup.note", "市民取错了事项")
            sup.screenshot("supervisor-lookup-annul")
            sup.tap("lookup.annul")
            st = sup.wait_for(lambda s: s["lookup_ticket"].get("state") == "cancelled", 10, "A003 annulled")
            assert st["message"] == "A003 已作废（误取号）"
            assert [(d["ticket_id"], d["reason"]) for _, d in broker.events("annulled")] == [(a003["id"], "误取号")]

        with step("a ticket annulled meanwhile on another tablet: the broker's refusal in plain Chinese"):
            sup.tap("lookup.state.waiting")
            sup.wait_for(lambda s: numbers(s) == ["A002", "B001"], 10, "the waiting ones again")
            sup.tap("lookup.row.B001")
            sup.wait_for(lambda s: s["lookup_ticket"].get("number") == "B001", 10, "B001 opened")
            gone = other.send(other.t.supervisor_cmd("annul"), ticket_id=b001["id"], reason="重复取号")
            assert gone["ok"]
            sup.tap("lookup.do.annul")
            sup.tap("lookup.reason.0")
            sup.wait_for(lambda s: s["lookup_reason"] == "重复取号", 5, "重复取号 picked")
            sup.tap("lookup.annul")
            st = sup.wait_for(lambda s: s["message"].startswith("作废失败"), 10, "refused")
            assert st["message"] == "作废失败：B001 已结束，不能作废" and st["message_kind"] == "alert"
            assert not LATIN_WORD.search(st["message"])
            st = sup.wait_for(lambda s: s["lookup_ticket"].get("state") == "cancelled", 10, "B001 read again")
            assert ("状态", "已作废/取消") in st["lookup_facts"] and "B001" not in numbers(st)
            assert len(broker.events("annulled")) == 2  # the other tablet's, once

        with step("hand A001 (at W1) over to the county: the first tap asks, the second sends"):
            sup.tap("lookup.counter.W1")
            sup.wait_for(lambda s: numbers(s) == ["A001"], 10, "W1's tickets")
            sup.tap("lookup.row.A001")
            sup.wait_for(lambda s: s["lookup_ticket"].get("number") == "A001", 10, "A001 opened")
            sup.tap("lookup.do.handover")
            sup.tap("lookup.handover.0")
            st = sup.wait_for(lambda s: s["lookup_armed"] == 0, 5, "asked to confirm")
            assert st["message"] == "将 A001 转交县政务服务中心？再点一次确认"
            assert not broker.events("handover")
            sup.screenshot("supervisor-lookup-handover")
            sup.tap("lookup.handover.0")
            st = sup.wait_for(lambda s: s["lookup_ticket"].get("state") == "handed_over", 10, "handed over")
            assert st["message"] == "A001 已转交县政务服务中心：已发出，等待对方受理", st["message"]
            sent = [(d["state"], d["ticket_id"], d["counter_id"]) for _, d in broker.events("handover")]
            assert sent == [("sent", a001["id"], "W1")]
            assert broker.engine.counters["W1"].current is None
            assert not sup.can_tap("lookup.do.annul")  # a handed-over ticket has ended here
            assert not private(sup.screen_text())
            assert sup.state()["ui_errors"] == 0
