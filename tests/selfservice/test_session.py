"""The self-service session as a pure state machine, path by path, with no Kivy, no threads, no devices:
every input with its time, every effect checked, every view as a screen would show it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from queue_broker.config.selfservice import SimulatedDepartment
from queue_broker.protocol import Holder
from selfservice.adapter import QueryParams
from selfservice.errors import AdapterTimeout, BadAnswer, NotAllowed, NotFound, ServiceDown
from selfservice.session import (
    CancelPrint,
    Ended,
    Print,
    Query,
    Record,
    SelfServiceSession,
)
from selfservice.simulator import SimulatedDepartmentAdapter

from .conftest import record_session

T0 = datetime(2026, 12, 6, 14, 0, tzinfo=UTC)
ZHANG = Holder(id_number="411325199001011230", name="张三")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def session(**settings) -> SelfServiceSession:
    s = record_session("tx0001", **settings)
    s.start(T0)
    return s


def document(months: int = 24):
    sim = SimulatedDepartmentAdapter("rsj", "内乡县人力资源和社会保障局", SimulatedDepartment(latency_s=0), lambda: T0)
    return sim.query(ZHANG, QueryParams(document="social_insurance_record", months=months))


def to_preview(s: SelfServiceSession, months: int = 24):
    (q,) = s.card_read(ZHANG, at(1))
    assert s.query_done(q.attempt, document(months), at(2)) == []
    return q


def kinds(effects) -> list[str]:
    return [type(e).__name__ for e in effects]


def test_the_whole_way_card_query_preview_print_printed_ended():
    s = session(lines_per_page=10)
    v = s.view()
    assert (v.step, v.actions) == ("insert_card", ("cancel", "help")) and "身份证" in v.message
    (q,) = s.card_read(ZHANG, at(1))
    assert isinstance(q, Query) and q.holder == ZHANG and q.attempt == 1
    assert q.params == QueryParams(document="social_insurance_record", months=12, request_id="tx0001")
    v = s.view()
    assert v.step == "querying" and v.busy and v.masked_name == "张*" and "张*，您好" in v.message
    s.query_done(1, document(), at(3))
    v = s.view()
    lines = document().lines()
    assert (v.step, v.page, v.pages) == ("preview", 1, -(-len(lines) // 10)) and v.page_lines == tuple(lines[:10])
    assert v.page_lines[0] == "社会保险个人权益记录（参保缴费证明）"
    assert v.actions == ("next_page", "print", "cancel", "help") and len(v.page_lines) == 10
    s.next_page(at(4))
    s.next_page(at(5))
    assert s.view().page == 3 and "prev_page" in s.view().actions
    s.prev_page(at(6))
    assert s.view().page == 2
    (p,) = s.print(at(7))
    assert isinstance(p, Print) and p.key == "tx0001" and p.document.kind == "social_insurance_record"
    assert s.view().step == "printing" and s.view().busy and s.view().actions == ()
    assert s.print_progress("tx0001", "printing", 1, 2, "", at(8)) == []
    assert s.view().sheets_done == 1 and "已打印 1 张，共 2 张" in s.view().detail
    (rec,) = s.print_progress("tx0001", "completed", 2, 2, "", at(9))
    assert isinstance(rec, Record) and (rec.outcome, rec.pages, rec.service_id) == ("printed", 2, "sb-print")
    assert rec.started_at == at(1) and rec.transaction_id == "tx0001" and rec.holder == ZHANG
    v = s.view()
    assert v.step == "printed" and "请取走" in v.message and document().verification_code in v.detail
    assert s.tick(at(9 + 19)) == []
    assert kinds(s.tick(at(9 + 20))) == ["Ended"]  # no second Record, no cancel: it printed
    v = s.view()
    assert v.step == "ended" and v.masked_name == "" and v.page_lines == () and "清除" in v.message
    assert s._holder is None and s._document is None and s._pages == []  # wiped


def test_a_card_that_cannot_be_read_says_so_and_tries_again():
    s = session()
    assert s.card_failed("frame error", at(1)) == []
    v = s.view()
    assert (v.step, v.failure, v.actions) == ("failed", "card", ("retry", "cancel", "help"))
    assert "没有读到身份证" in v.message
    s.retry(at(2))
    assert s.view().step == "insert_card"
    s.card_failed("again", at(3))
    assert s.card_read(ZHANG, at(4))[0].attempt == 1  # laying the card again also goes on
    assert kinds(s.cancel(at(5))) == ["Ended"]  # no answer came: nothing to record


@pytest.mark.parametrize(
    "error, words, outcome, retry",
    [
        (NotFound("x"), "没有查询到您的记录", "not_found", False),
        (NotAllowed("x"), "不能在自助终端打印", "not_allowed", False),
        (AdapterTimeout("x"), "响应超时", "unavailable", True),
        (ServiceDown("x"), "暂时无法连接", "unavailable", True),
        (BadAnswer("x"), "数据有误", "unavailable", True),
    ],
)
def test_a_department_failure_is_a_plain_sentence_and_is_recorded(error, words, outcome, retry):
    s = session()
    (q,) = s.card_read(ZHANG, at(1))
    s.query_failed(q.attempt, error, at(2))
    v = s.view()
    assert v.step == "failed" and v.failure == "department" and words in v.message and v.error == error.code
    assert ("retry" in v.actions) == retry and ("home" in v.actions) == (not retry)
    if retry:
        (q2,) = s.retry(at(3))
        assert q2.attempt == 2 and s.view().step == "querying"
        s.query_failed(2, error, at(4))
    else:
        assert s.retry(at(3)) == []
    effects = s.cancel(at(5))
    assert kinds(effects) == ["Record", "Ended"] and effects[0].outcome == outcome and effects[0].pages == 0


def test_an_answer_to_an_earlier_try_or_after_cancelling_is_ignored():
    s = session()
    (q1,) = s.card_read(ZHANG, at(1))
    s.query_failed(q1.attempt, AdapterTimeout("x"), at(20))
    (q2,) = s.retry(at(21))
    s.query_done(q1.attempt, document(), at(22))  # the first try's late answer
    assert s.view().step == "querying"
    s.query_done(q2.attempt, document(), at(23))
    assert s.view().step == "preview"
    s2 = session()
    (q,) = s2.card_read(ZHANG, at(1))
    assert kinds(s2.cancel(at(2))) == ["Ended"]  # left while the department was asked: nothing shown, nothing recorded
    s2.query_done(q.attempt, document(), at(3))
    assert s2.view().step == "ended" and s2._document is None


def test_a_printer_refusing_before_sending_can_be_retried_under_the_same_key():
    s = session()
    to_preview(s)
    s.print(at(3))
    s.print_refused("tx0001", "printer_not_ready", "打印机缺纸，请联系工作人员加纸。", at(4))
    v = s.view()
    assert (v.step, v.failure) == ("failed", "printer") and v.message == "打印机缺纸，请联系工作人员加纸。"
    assert v.actions == ("retry", "cancel", "help")
    (p,) = s.retry(at(5))
    assert isinstance(p, Print) and p.key == "tx0001"
    (rec,) = s.print_progress("tx0001", "completed", 1, 1, "", at(6))
    assert rec.outcome == "printed"


def test_a_job_waiting_on_paper_goes_on_by_itself_when_staff_load_it():
    s = session()
    to_preview(s)
    s.print(at(3))
    s.print_progress("tx0001", "printing", 1, 2, "", at(4))
    s.print_progress("tx0001", "waiting", 1, 2, "打印机缺纸，请联系工作人员加纸。", at(5))
    v = s.view()
    assert v.step == "failed" and v.error == "printer_waiting" and "不会重复打印" in v.detail
    assert v.actions == ("retry", "cancel", "help") and v.sheets_done == 1
    assert s.retry(at(6))[0].key == "tx0001"  # 重试 asks the printer again; it sends nothing new
    s.print_progress("tx0001", "waiting", 1, 2, "打印机缺纸，请联系工作人员加纸。", at(7))
    s.print_progress("tx0001", "printing", 1, 2, "", at(40))  # paper loaded
    assert s.view().step == "printing"
    (rec,) = s.print_progress("tx0001", "completed", 2, 2, "", at(45))
    assert rec.outcome == "printed" and rec.pages == 2


def test_walking_away_from_a_waiting_printer_cancels_the_job():
    s = session(idle_timeout_s=60)
    to_preview(s)
    s.print(at(3))
    s.print_progress("tx0001", "waiting", 0, 1, "打印机离线，请联系工作人员。", at(10))
    s.print_progress("tx0001", "waiting", 0, 1, "打印机离线，请联系工作人员。", at(50))  # still waiting
    assert s.tick(at(69)) == []
    effects = s.tick(at(70))
    assert kinds(effects) == ["CancelPrint", "Record", "Ended"]
    assert effects[0] == CancelPrint("tx0001") and effects[1].outcome == "print_failed"
    assert s.print_progress("tx0001", "completed", 1, 1, "", at(71)) == []  # too late: ignored


def test_walking_away_from_the_preview_records_it_as_viewed_and_wipes():
    s = session(idle_timeout_s=60)
    to_preview(s)
    s.next_page(at(30))  # a touch
    assert s.tick(at(89)) == []
    effects = s.tick(at(90))
    assert kinds(effects) == ["Record", "Ended"] and effects[0].outcome == "viewed"
    assert s.view().page_lines == ()


def test_no_walk_away_while_the_department_or_the_printer_is_working():
    s = session(idle_timeout_s=60)
    s.card_read(ZHANG, at(1))
    assert s.tick(at(500)) == []  # querying: the runner bounds it
    s.query_done(1, document(), at(501))
    s.print(at(502))
    assert s.tick(at(900)) == []  # printing normally
    assert kinds(s.tick(at(900))) == []


def test_a_failed_job_after_sheets_came_out_is_never_reprinted_whole():
    s = session()
    to_preview(s)
    s.print(at(3))
    s.print_progress("tx0001", "failed", 1, 2, "打印未能完成，请联系工作人员。", at(9))
    v = s.view()
    assert v.actions == ("home", "help") and "不再自动重打" in v.detail
    assert s.retry(at(10)) == []
    effects = s.cancel(at(11))
    assert kinds(effects) == ["CancelPrint", "Record", "Ended"] and effects[1].outcome == "print_failed"


def test_inputs_that_do_not_fit_the_step_change_nothing():
    s = session()
    assert s.print(at(1)) == [] and s.retry(at(1)) == [] and s.next_page(at(1)) == []
    assert s.print_progress("tx0001", "completed", 1, 1, "", at(1)) == []
    to_preview(s)
    assert s.card_read(Holder(id_number="11010519491231002X", name="王五"), at(3)) == []  # another card
    assert s.view().masked_name == "张*"
    assert s.print_progress("other-key", "completed", 1, 1, "", at(4)) == []
    assert s.cancel(at(5))[-1] == Ended() and s.cancel(at(6)) == []  # ending twice records once


def test_the_view_speaks_english_too_and_never_holds_the_full_name_or_number():
    s = session(language="en")
    assert s.view().message == "Please place your ID card on the reader"
    to_preview(s)
    text = repr(s.view()) + repr(s)
    assert "张三" not in text and ZHANG.id_number not in text
    assert s.view().message == "Please check the record, then tap “Print”"
