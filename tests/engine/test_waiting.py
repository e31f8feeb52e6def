"""One source of truth for waiting (issue 17): every queue of state/queues says why its wait is what it is
(`wait_status`) and in which words (`wait_text`), and the hall says whether it issues tickets, when it
will, and whether it is a demonstration. The faces disagreed: 无需等候 on the call screen while the hall
was closed, 14分钟 there and 窗口暂未开放 on the kiosk for a queue with no window open. Also: the broker's
`closed` refusal in Chinese, and the truth about the 24-hour self-service items at night."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from queue_broker.config.loader import load_site_config
from queue_broker.engine.commands import CounterCommand, IssueTicket, OpenCounter
from queue_broker.engine.hall import HallEngine, Rejected
from queue_broker.protocol.messages import QueuesState, parse
from queue_broker.protocol.waiting import DEMO_OPEN_NOW, opening_words, wait_words

from .conftest import TZ

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "neixiang" / "site.yaml"
FRIDAY_NIGHT = datetime(2026, 11, 27, 22, 0, tzinfo=TZ)  # a working Friday, after hours
SUNDAY = datetime(2026, 11, 29, 10, 0, tzinfo=TZ)
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)


@pytest.fixture
def sample():
    return HallEngine(load_site_config(SAMPLE, env={}))


def queue(state: dict, queue_id: str) -> dict:
    return next(q for q in state["queues"] if q["id"] == queue_id)


def test_closed_hall_every_queue_says_closed_and_when_it_opens(sample):
    state = sample.queues_state(FRIDAY_NIGHT)
    parse(QueuesState, json.dumps(state).encode())  # the published shape, as a face parses it
    hall = state["hall"]
    assert hall["ticketing_open"] is False and hall["demo"] is None and hall["self_service_open"] is True
    assert hall["next_opening"] == "2026-11-30T08:30:00+08:00"
    assert hall["text"] == "暂停取号，11月30日（周一）08:30开始"
    for q in state["queues"]:
        assert (q["wait_status"], q["next_opening"]) == ("closed", "2026-11-30T08:30:00+08:00"), q["id"]
        assert q["wait_text"] == "暂停取号，11月30日（周一）08:30开始"  # never 无需等候 while closed
    assert queue(sample.queues_state(datetime(2026, 11, 27, 12, 30, tzinfo=TZ)), "ZH")["wait_text"] == (
        "暂停取号，今天 14:00开始"
    )


def test_open_hall_no_window_estimate_and_no_wait(sample):
    state = sample.queues_state(MONDAY)
    zh = queue(state, "ZH")
    # no window open: the model's figure is not a wait anyone can promise; every face says so
    assert zh["wait_status"] == "no_counter" and zh["wait_text"] == "窗口暂未开放" and zh["next_opening"] is None
    assert state["hall"] == {
        "ticketing_open": True,
        "next_opening": None,
        "self_service_open": True,
        "demo": None,
        "text": "正在取号",
    }
    sample.execute(OpenCounter("c01", "demo", "123456"), MONDAY)
    zh = queue(sample.queues_state(MONDAY), "ZH")
    assert zh["wait_status"] == "no_wait" and zh["wait_text"] == "无需等候" and zh["estimated_wait_s"] == 0
    for _ in range(6):
        sample.execute(IssueTicket("kiosk-1", "zh-consult", "walk_in"), MONDAY)
    sample.execute(CounterCommand("c01", "call-next"), MONDAY)
    zh = queue(sample.queues_state(MONDAY), "ZH")
    assert zh["wait_status"] == "estimate" and zh["estimated_wait_s"] > 0
    assert zh["wait_text"] == f"约 {round(zh['estimated_wait_s'] / 60)} 分钟"
    # the same words, any face, any language, from the published fields alone
    assert wait_words(zh["wait_status"], zh["estimated_wait_s"], None, MONDAY) == zh["wait_text"]
    assert wait_words("no_counter", 840, None, MONDAY, lang="en") == "no counter open now"


def test_a_full_queue_says_so(sample):
    sample.config.queues[0].daily_cap = 2
    sample.queues[sample.config.queues[0].id].daily_cap = 2
    sample.execute(OpenCounter("c01", "demo", "123456"), MONDAY)
    for _ in range(2):
        sample.execute(IssueTicket("kiosk-1", "zh-consult", "walk_in"), MONDAY)
    zh = queue(sample.queues_state(MONDAY), "ZH")
    assert zh["wait_status"] == "full" and zh["wait_text"] == "今日号已取完"


def test_closed_refusal_in_chinese_and_the_self_service_truth(sample):
    with pytest.raises(Rejected) as refused:
        sample.execute(IssueTicket("kiosk-1", "zh-consult", "walk_in"), FRIDAY_NIGHT)
    assert refused.value.code == "closed"
    assert refused.value.message == "现在不取号，11月30日（周一）08:30开始"
    # a 24-hour self-service item: no ticket at night either (tickets are for windows), but it is done at
    # the self-service terminals now, and the refusal says so instead of promising a ticket
    with pytest.raises(Rejected) as refused:
        sample.execute(IssueTicket("kiosk-1", "sb-record-print", "walk_in"), FRIDAY_NIGHT)
    assert refused.value.code == "closed"
    assert (
        refused.value.message
        == "现在不取号，11月30日（周一）08:30开始；此事项可在24小时自助服务区的自助终端办理，不用取号"
    )


def test_demo_open_now_opens_every_queue_on_a_sunday_and_says_so(sample):
    with pytest.raises(Rejected):
        sample.execute(IssueTicket("kiosk-1", "zh-consult", "walk_in"), SUNDAY)
    sample.demo = DEMO_OPEN_NOW
    ticket = sample.execute(IssueTicket("kiosk-1", "zh-consult", "walk_in"), SUNDAY).reply["ticket"]
    assert ticket["number"] == "Z001"
    state = sample.queues_state(SUNDAY)
    assert state["hall"]["demo"] == "open_now" and state["hall"]["ticketing_open"] is True
    assert state["hall"]["text"] == "演示：全部队列开放（非大厅真实办公时间）"
    assert {q["wait_status"] for q in state["queues"]} == {"no_counter"}  # open, no window logged in yet


def test_opening_words():
    now = datetime(2026, 11, 27, 10, 0, tzinfo=TZ)
    assert opening_words(datetime(2026, 11, 27, 14, 0, tzinfo=TZ), now) == "今天 14:00"
    assert opening_words(datetime(2026, 11, 28, 8, 30, tzinfo=TZ), now) == "明天 08:30"
    assert opening_words(datetime(2026, 11, 30, 8, 30, tzinfo=TZ), now) == "11月30日（周一）08:30"
    assert opening_words(datetime(2026, 11, 30, 8, 30, tzinfo=TZ), now, "en") == "Mon 30/11 at 08:30"
    assert opening_words(None, now) == "请咨询工作人员"
