"""The spoken navigation model of the kiosk's blind mode (issue 23 item 1), without Kivy: a ticket taken
with keys alone and every sentence checked in order; number entry, wrong keys, English, and the texts
rendered to WAVs by espeak-ng."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from queue_broker.config.loader import load_site_config
from queue_broker.service.catalog import build_catalog
from voice.audio import RATE, read_wav
from voice.guide import BlindGuide, GuideVoice
from voice.guide.texts import ticket_chars

from .conftest import needs_espeak

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "mini-site.yaml"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def catalog():
    return build_catalog(load_site_config(MINI, env={}), NOW)


QUEUES = {
    "queues": [
        {"id": "ZH", "waiting": 3, "estimated_wait_range_s": [300, 720], "counter_ids": ["W1"]},
        {"id": "BDC", "waiting": 0, "estimated_wait_range_s": [0, 0], "counter_ids": ["W2"]},
        {"id": "SB", "waiting": 2, "estimated_wait_range_s": [600, 900], "counter_ids": []},
    ]
}


def test_a_ticket_with_keys_alone_and_what_is_said_in_order(catalog):
    guide = BlindGuide(catalog)
    guide.set_queues(QUEUES)
    said = []
    for step in (
        guide.start(by="jack"),
        guide.key("5"),
        guide.key("8"),
        guide.key("5"),
        guide.key("8"),
        guide.key("5"),
    ):
        said.extend(line.text for line in step.lines)
    assert said == [
        "已检测到耳机。",
        "您已进入语音导航。按2键和8键上下选择，按5键或井号键确认，按星号键返回，按1键重听，按0键呼叫工作人员。",
        "首页，共六项。",
        "第一项，常办事项。",
        "常办事项，共三项。",
        "第一项，综合咨询受理，编号一。",
        "第二项，不动产转移登记，编号二。",
        "不动产转移登记。不动产登记，现在等候零人，现在等候时间很短。需要材料两项。",
        "不动产转移登记，共三项。",
        "第一项，取号。",
        "第二项，听材料清单。",
        "需要的材料：不动产权证书、买卖合同。",
    ]
    step = guide.key("2")
    assert step.text == "第一项，取号。"
    step = guide.key("5")
    assert step.action is not None and (step.action.kind, step.action.service_id) == ("issue", "bdc-transfer")
    assert step.text == "正在取号，请稍候。" and guide.pending == step.action
    ticket = {"number": "B001", "queue_id": "BDC", "waiting_ahead": 0, "estimated_wait_range_s": [0, 0]}
    step = guide.ticket_issued(ticket)
    assert [line.text for line in step.lines] == [
        "取号成功。",
        "您的号码是：",
        "必，零，零，一",  # the number character by character, as the call voice names the letter
        "再说一遍：",
        "必，零，零，一",
        "前面还有零人，现在等候时间很短。",
        "请到等候区就座，叫到您的号码时会有语音广播。需要引导请按0键。",
        "取号完成，共三项。",
        "第一项，重听号码。",
    ]
    assert guide.key("5").text == "您的号码是：必，零，零，一再说一遍：必，零，零，一"
    guide.key("8")
    help_step = guide.key("5")
    assert help_step.action.kind == "help" and help_step.action.need == "visually_impaired"
    assert guide.help_sent().lines[0].text == "已通知工作人员，请在原地稍候，工作人员会来帮您。"
    assert guide.key("5").action.kind == "cancel_help"
    assert guide.help_cancelled().lines[0].text == "已取消求助。"
    assert guide.spoken[:4] == said[:4]  # the model's own log of what was said, in order


def test_number_entry_wrong_keys_and_going_back(catalog):
    guide = BlindGuide(catalog)
    guide.start()
    assert guide.key("7").text == "请按2键或8键选择，按5键确认，按星号键返回。"  # a wrong key: a hint, nothing moves
    assert guide.key("2").text == "已经是第一项。"
    for _ in range(2):
        guide.key("8")
    assert guide.key("5").text == "请输入事项编号，输完按井号键确认，按星号键删除。"
    assert guide.key("9").text == "九" and guide.key("9").text == "九"
    assert guide.key("#").text == "没有编号九九的事项，请重新输入。"
    guide.key("1")
    assert guide.key("*").text == "已删除，现在是还没有输入"
    assert guide.key("3").text == "三"
    step = guide.key("#")
    assert step.screen == "service" and step.lines[0].text.startswith("社会保障卡补换。社保，现在等候")
    assert "窗口暂未开放" not in step.lines[0].text  # no state given: nothing claimed
    assert guide.key("*").text == "首页，共六项。第三项，输入事项编号。"  # back where the citizen was
    # where is my ticket: digits, then the letter
    assert guide.key("8").text == "第四项，查询我的号。"
    guide.key("5")
    for d in "12#":
        step = guide.key(d)
    assert step.screen == "prefix" and "请选择号码的字母" in step.text and "诶，综合受理" in step.text
    step = guide.key("5")
    assert step.action.kind == "status" and step.action.number == "A012"
    reply = {"ok": True, "ticket": {"state": "called", "counter_id": "W1", "counter_number": 1}}
    assert guide.status("A012", reply).lines[0].text == "诶零一二号已经叫号，请到一号窗口。"
    assert guide.status("A013", {"ok": False}).lines[0].text == "今天没有诶零一三号，请核对号码。"


def test_english_and_elderly(catalog):
    guide = BlindGuide(catalog, language="en", elderly=True)
    step = guide.start()
    assert step.lines[1].text == "Home, 6 choices." and step.lines[1].language == "en" and guide.rate < 150
    assert ticket_chars("en", "B012") == ["B", "zero", "one", "two"]
    guide.key("5")
    step = guide.ticket_issued({"number": "A007", "waiting_ahead": 4, "estimated_wait_range_s": [300, 600]})
    assert "A, zero, zero, seven" in step.text and "4 people before you, about 5 to 10 minutes." in step.text
    assert guide.set_language("zh").lines[0].text.startswith("您已进入语音导航")


@needs_espeak
def test_steps_render_to_wavs_with_espeak(catalog, tmp_path):
    voice = GuideVoice(tmp_path / "cache")
    guide = BlindGuide(catalog)
    start = voice.samples(guide.start(by="jack"))
    assert len(start) / RATE > 3.0 and float(abs(start).max()) > 0.05
    ticket = guide.ticket_issued({"number": "B001", "waiting_ahead": 1, "estimated_wait_range_s": [60, 300]})
    path = voice.render(ticket, tmp_path / "ticket.wav", rate=guide.rate)
    data = read_wav(path)
    assert len(data) / RATE > 4.0
    # the number alone: four syllables with pauses, long enough to be heard digit by digit
    digits = voice.samples(type(ticket)([ticket.lines[2]], "ticket"))
    assert 0.8 < len(digits) / RATE < 5.0
    misses = voice.cache.misses
    voice.samples(guide.start())  # the same sentences again: from the cache
    assert voice.cache.misses == misses
