"""The counter's words for hold, resume and needs (kiosk_app/counter/hold_text.py), without a window: each
refusal of engine/holds.py in plain Chinese with its facts (numbers, counter, time), the needs banner, the
site's limits line. The UI test (test_counter_hold.py) shows two of these refusals through the real broker."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from kiosk_app.counter.files_text import check_text, file_row
from kiosk_app.counter.hold_text import hold_refusal, limit_text, needs_text
from queue_broker.config.access import HoldRules

RULES = HoldRules(max_per_counter=3, max_per_ticket=2, max_minutes=60, resume_at="counter")
NAMES = {"W1": "1号窗口", "T1": "12号窗口 潮汐"}


def refused(code: str, message: str) -> dict:
    return {"ok": False, "error": {"code": code, "message": message}}


@pytest.mark.parametrize(
    ("doing", "code", "message", "words"),
    [
        ("挂起", "conflict", "counter W1 has no citizen to put on hold", "挂起失败：当前没有正在办理的群众"),
        ("挂起", "conflict", "counter W1 is closed; open it first", "挂起失败：窗口未开放或已暂停，请先恢复叫号"),
        (
            "挂起",
            "full",
            "counter W1 already has 3 citizens on hold (A001, A004, B002); at most 3: resume or release one first",
            "挂起失败：本窗口已有 3 位群众挂起（A001、A004、B002），上限 3 位：请先恢复或结束一位",
        ),
        (
            "挂起",
            "conflict",
            "A007 has been on hold 2 times already (at most 2)",
            "挂起失败：A007 已挂起 2 次，不能再挂起",
        ),
        (
            "恢复",
            "conflict",
            "A001's hold ended at 10:40: it can no longer be resumed; take a new ticket",
            "恢复失败：A001 的挂起已于 10:40 结束，不能再恢复，请群众重新取号",
        ),
        (
            "恢复",
            "forbidden",
            "A003 was put on hold at counter T1; this hall resumes a hold only there",
            "恢复失败：A003 在12号窗口 潮汐挂起，本厅只能在原窗口恢复",
        ),
        (
            "恢复",
            "conflict",
            "counter W1 does not serve 不动产登记: B001 is resumed at counter W2 or a counter of that queue",
            "恢复失败：本窗口不办理 B001 的队列，请到W2或该队列的窗口恢复",
        ),
        ("恢复", "conflict", "counter W1 is serving A002: finish or hold that citizen first", "本窗口正在办理 A002"),
        ("恢复", "conflict", "counter W1 is paused; open or resume it first", "窗口未开放或已暂停"),
        ("恢复", "conflict", "A009 is not on hold (it is done)", "恢复失败：A009 现在不在挂起中"),
        ("结束挂起", "not_found", "no ticket A123 in this hall", "结束挂起失败：今日没有 A123 这个号"),
    ],
)
def test_hold_refusals_in_plain_chinese(doing, code, message, words):
    text = hold_refusal(refused(code, message), doing, NAMES, RULES)
    assert words in text
    assert not any(english in text for english in ("counter", "hold", "resume", "conflict", "full"))


def test_an_unknown_refusal_keeps_the_code_in_words():
    text = hold_refusal(refused("internal", "boom"), "挂起", NAMES, RULES)
    assert text == "挂起失败：服务器内部错误（boom）"  # the code in words, then what the broker said


def test_needs_banner_and_limits():
    assert needs_text({"needs": ["sign_or_text"]}) == "需要手语/文字沟通"
    assert needs_text({"needs": ["sign_or_text", "hearing_impaired"]}) == "需要手语/文字沟通"  # said once
    assert needs_text({"needs": ["visually_impaired", "mobility"]}).startswith("视障")
    assert needs_text({"needs": ["new_kind"]}) == "new_kind"  # a need this terminal does not know: shown as it came
    assert needs_text({}) == ""
    assert limit_text(RULES) == "每窗口最多挂起3位，每个号最多2次，60分钟内可在原窗口恢复"


def test_a_page_on_screen():
    check = {"sharp": False, "sharpness": 246, "ink": 0.127, "width": 1240, "height": 1754, "edges": "扫描件（整页）"}
    assert check_text(check) == "清晰度 246（模糊）　页面边缘：扫描件（整页）　有字部分 12.7%　1240×1754 像素"
    assert check_text({}) == "无法读取这一页的图像"
    row = file_row(
        {
            "id": "m1",
            "title": "户口簿 第1页",
            "source": "camera",
            "attached_at": "2026-12-06T02:26:00+00:00",
            "expires_at": "2027-01-05T02:26:00+00:00",
            "width": 823,
            "height": 1161,
            "bytes": 1_535_000,
        },
        ZoneInfo("Asia/Shanghai"),
    )
    assert row["text"] == "户口簿 第1页　高拍仪 10:26　823×1161，1535 kB　保存至 2027-01-05"
