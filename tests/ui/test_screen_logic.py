"""The screens' logic without a window: the state objects (Kivy properties, no I/O), the supervisor's
alert book and chart, wording, settings and the command line."""

from __future__ import annotations

import logging
import sys
import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from kiosk_app.callscreen.settings import CallScreenSettings
from kiosk_app.callscreen.state import CallScreenState
from kiosk_app.common.hall_text import duration_text, refusal_text, short_name, wait_text
from kiosk_app.common.launch import Face
from kiosk_app.common.settings import SettingsError, load_settings
from kiosk_app.counter.settings import CounterSettings
from kiosk_app.counter.state import OTHER_MATERIAL, CounterState
from kiosk_app.supervisor.alerts import AlertBook
from kiosk_app.supervisor.chart import DayData, render_png
from kiosk_app.supervisor.settings import SupervisorSettings
from kiosk_app.supervisor.state import sla_level

from .hall import ROOT

TZ = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 11, 27, 9, 30, tzinfo=TZ)


def test_wording():
    assert short_name("工程建设项目审批（发改、住建、自然资源）") == "工程建设项目审批"
    assert (
        wait_text(0, 0) == "无需等候"
        and wait_text(725, 3) == "约 12 分钟"
        and wait_text(725, 3, compact=True) == "12分钟"
    )
    assert duration_text(65) == "1分05秒" and duration_text(3720) == "1小时02分" and duration_text(None) == "—"
    refused = {"ok": False, "error": {"code": "forbidden", "message": "the operator id or PIN is wrong"}}
    assert refusal_text(refused, "登录") == "登录失败：工号或密码错误，或无权操作（the operator id or PIN is wrong）"
    said = {"ok": False, "error": {"code": "forbidden", "message": "工号或密码错误"}}
    assert refusal_text(said, "登录") == "登录失败：工号或密码错误"  # the broker's Chinese, not said twice


def test_call_screen_state_keeps_numbers_and_windows_only():
    s = CallScreenState(home_queues={"W1": ["ZH"], "T1": ["ZH"]}, queue_names={"SB": "社会保险（人社）"}, flash_s=5)
    assert s.banner  # nothing received yet
    s.set_online(True)
    s.apply_queues(
        [
            {"id": "ZH", "name": "综合受理", "prefix": "A", "waiting": 3, "estimated_wait_s": 600},
            {"id": "SB", "name": "社会保险（人社）", "prefix": "C", "waiting": 0, "estimated_wait_s": 0},
        ],
        0.0,
    )
    assert s.banner == "" and s.queue_page_rows[0]["wait"] == "10分钟" and s.queue_page_rows[1]["name"] == "社会保险"
    for i, (number, counter) in enumerate((("A001", 1), ("A002", 2), ("A003", 1))):
        s.apply_called(number, counter, 0, "main", float(i))
    s.apply_called("A001", 1, 1, "main", 3.0)  # a recall brings A001 back to the top
    assert (s.hero_number, s.hero_window, s.hero_recall) == ("A001", "1号窗口", 1)
    assert [c["number"] for c in s.recent] == ["A003", "A002"]
    assert s.flashing and s.hero_again == "再次呼叫"
    s.toggle_blink(9.0)
    assert s.flashing  # a number called again flashes twice as long (2 × flash_s from 3.0)
    s.toggle_blink(13.0)
    assert not s.flashing and s.hero_again == "再次呼叫"  # the highlight's words stay
    # a tidal window serving another queue than its own is listed; its own queue is not news
    s.apply_counters(
        [
            {"id": "T1", "number": 12, "status": "open", "queue_ids": ["SB"]},
            {"id": "W1", "number": 1, "status": "open", "queue_ids": ["ZH"]},
        ],
        10.0,
    )
    assert s.changes == ["12号窗口 现办理 社会保险"]
    s.apply_notice("午休通知", AT + timedelta(hours=1), AT)
    assert "午休通知" in s.marquee
    s.tick(AT + timedelta(hours=2), 20.0)
    assert "午休通知" not in s.marquee
    s.set_online(False)
    assert "网络连接中断" in s.banner


def test_call_screen_zone_filter_and_pages():
    s = CallScreenState(zones=["ground"])
    assert not s.apply_called("A001", 17, 0, "first", 0.0)
    assert s.apply_called("A002", 3, 0, "ground", 0.0)
    s.apply_queues(
        [{"id": f"Q{i}", "name": f"队列{i}", "waiting": i, "estimated_wait_s": 60 * i} for i in range(12)], 0.0
    )
    s.set_rows_per_page(5)
    assert s.queue_pages == 3 and len(s.queue_page_rows) == 5
    s.next_queue_page(), s.next_queue_page(), s.next_queue_page()
    assert s.queue_page == 0


def test_counter_state_masked_name_materials_and_figures():
    s = CounterState()
    t = {
        "id": "20261127-A001",
        "number": "A001",
        "issued_at": (AT - timedelta(minutes=12, seconds=5)).isoformat(),
        "channel": "walk_in",
        "priority": "return",
        "service_id": "zh-general",
        "service_name": "综合咨询受理",
        "queue_id": "ZH",
        "queue_name": "综合受理",
        "holder_masked": {"id_number": "4113**********1230", "name": "张**"},
    }
    s.ticket_called(t, AT, 100.0)
    assert s.ticket["holder_name"] == "张**" and "4113" not in str(dict(s.ticket))  # the masked ID never kept
    assert s.ticket["waited_text"] == "12分05秒" and s.ticket["channel_text"] == "现场取号 · 补正回办"
    s.tick_phase(165.0)
    assert s.phase_text == "已呼叫 1分05秒"
    s.open_materials([{"name": "居民身份证", "originals": 1, "copies": 0, "note": ""}])
    assert [m["name"] for m in s.materials] == ["居民身份证", OTHER_MATERIAL]
    s.toggle_material(0)
    assert s.ticked_materials() == ["居民身份证"]
    s.open_rating("x", "A001", show=True)
    assert s.choose_level(5) and not s.choose_level(2)  # a bad rating first needs a reason
    s.toggle_reason("等候时间长")
    assert s.rating_reasons == ["等候时间长"]
    s.count(served=1, waited=1, wait_sum=600, service_sum=300, rated=1, rating_sum=5)
    assert (s.figures["mean_wait_text"], s.figures["mean_service_text"], s.figures["rating_text"]) == (
        "10分00秒",
        "5分00秒",
        "5.0",
    )


def test_alert_book_merges_every_source():
    book = AlertBook({"kiosk-1": "1号自助机"}, {"W1": "1号窗口"})
    book.broker_alert(
        {
            "id": "wait_over_sla:ZH:1",
            "kind": "wait_over_sla",
            "severity": "yellow",
            "message": "m",
            "state": "raised",
            "rule": "wait_over_sla",
            "subject": "ZH",
        },
        AT,
    )
    book.broker_alert(
        {"id": "wait_over_sla:ZH:1", "kind": "wait_over_sla", "severity": "red", "message": "m2", "state": "escalated"},
        AT,
    )
    assert book.alerts["broker:wait_over_sla:ZH:1"].severity == "red"
    book.device_health("kiosk-1", "help", {"kind": "help", "ok": False, "state": "degraded", "message": ""}, AT)
    book.device_health("kiosk-1", "printer", {"kind": "printer", "ok": False, "state": "fault", "message": "缺纸"}, AT)
    book.case({"case_id": "CP1", "kind": "bad_rating", "state": "opened", "counter_id": "W1"}, AT)
    book.node_status("kiosk-1", True, "kiosk", AT)
    book.node_status("kiosk-1", False, "kiosk", AT)
    book.node_status("kiosk-2", False, "kiosk", AT)  # never seen online: not news
    assert set(book.alerts) == {
        "broker:wait_over_sla:ZH:1",
        "help:kiosk-1",
        "device:kiosk-1/printer",
        "case:CP1",
        "node:kiosk-1",
    }
    assert book.alerts["device:kiosk-1/printer"].message == "1号自助机 打印机：缺纸"
    assert "1号窗口" in book.alerts["case:CP1"].message
    book.ack_local("help:kiosk-1")
    rows = book.rows(TZ)
    assert rows[-1]["key"] == "help:kiosk-1" and book.open_count() == 4  # acknowledged ones go last
    # the broker's own device-fault alert supersedes the tablet's; cleared ones disappear
    book.broker_alert(
        {
            "id": "df1",
            "kind": "device_fault",
            "severity": "yellow",
            "message": "x",
            "state": "raised",
            "rule": "device_fault",
            "subject": "kiosk-1/printer",
        },
        AT,
    )
    assert "device:kiosk-1/printer" not in book.alerts
    book.broker_alert({"id": "df1", "kind": "device_fault", "severity": "info", "message": "x", "state": "cleared"}, AT)
    book.device_health("kiosk-1", "help", {"kind": "help", "ok": True, "state": "ready", "message": ""}, AT)
    assert "broker:df1" not in book.alerts and "help:kiosk-1" not in book.alerts


def test_sla_colours():
    assert sla_level(0, 20, 80, 100) == "ok"
    assert sla_level(16 * 60, 20, 80, 100) == "yellow"
    assert sla_level(20 * 60, 20, 80, 100) == "red"


def test_day_chart_renders_chinese(tmp_path):
    from kiosk_app.common.fonts import find_cjk_font

    data = DayData({"ZH": "综合受理", "SB": "社会保险（人社）"})
    for i in range(10):
        at = AT + timedelta(minutes=5 * i)
        data.sample(
            at.astimezone(UTC),
            [{"id": "ZH", "name": "综合受理", "waiting": i}, {"id": "SB", "name": "社保", "waiting": 2}],
        )
        data.finished(at, "ZH", 60 * i)
    assert data.points() == 20
    png = render_png(data, TZ, find_cjk_font(), 800, 500)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_settings_and_command_line(capsys, monkeypatch):
    # a face's main() sets up the program's logging (queue_broker/logs.py: a handler on the root logger for
    # this stderr, hooks for uncaught exceptions); here it runs inside pytest, so all of it is put back after
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    node = SimpleNamespace(id="display-1", screen={"width": 1920, "height": 1080, "diagonal_in": 55})
    s = load_settings(CallScreenSettings, node)
    assert round(s.px_per_mm, 2) == 1.58
    portrait = load_settings(CallScreenSettings, node, (1080, 1920))
    assert round(portrait.px_per_mm, 2) == 1.58 and portrait.height == 1920  # same panel, turned
    with pytest.raises(SettingsError, match="zoom"):
        load_settings(CallScreenSettings, SimpleNamespace(id="d", screen={"zoom": 2}))
    site = str(ROOT / "examples" / "neixiang" / "site.yaml")
    assert Face("display", CallScreenSettings, "x.app:Y", "").main(["--config", site, "--node", "kiosk-1"]) == 2
    assert "display nodes: display-1" in capsys.readouterr().err


@pytest.mark.parametrize("model", [CounterSettings, SupervisorSettings])
def test_both_screens_check_handover_sites_alike(model):
    """The supervisor tablet takes the counter terminal's setting, checked the same way."""
    good = [{"site": "county-centre", "name": "县政务服务中心", "queue_id": "BDC"}]
    assert (
        load_settings(model, SimpleNamespace(id="n", screen={"handover_sites": good})).handover_sites[0].queue_id
        == "BDC"
    )
    with pytest.raises(SettingsError, match="queue"):
        load_settings(model, SimpleNamespace(id="n", screen={"handover_sites": [{**good[0], "queue": "x"}]}))
    with pytest.raises(SettingsError, match="twice"):
        load_settings(model, SimpleNamespace(id="n", screen={"handover_sites": good * 2}))


def test_counter_handover_sites_are_validated():
    node = SimpleNamespace(
        id="counter-c01",
        screen={
            "handover_sites": [
                {"site": "county-centre", "name": "县政务服务中心"},
                {"site": "county-centre", "name": "县政务服务中心", "queue_id": "BDC", "queue_name": "不动产登记"},
            ]
        },
    )
    s = load_settings(CounterSettings, node)
    assert [(t.site, t.queue_id) for t in s.handover_sites] == [("county-centre", None), ("county-centre", "BDC")]
    assert load_settings(CounterSettings, SimpleNamespace(id="c", screen={})).handover_sites == []
    for bad, why in (
        ({"site": "county-centre", "name": "县中心", "queue": "BDC"}, "queue"),  # unknown key
        ({"site": "County Centre", "name": "县中心"}, "site"),  # not a site id of the protocol
        ({"site": "county-centre"}, "name"),
        ({"site": "county-centre", "name": "县中心", "queue_name": "不动产"}, "queue_name without"),
    ):
        with pytest.raises(SettingsError, match=why):
            load_settings(CounterSettings, SimpleNamespace(id="c", screen={"handover_sites": [bad]}))
    twice = [{"site": "county-centre", "name": "县中心"}] * 2
    with pytest.raises(SettingsError, match="twice"):
        load_settings(CounterSettings, SimpleNamespace(id="c", screen={"handover_sites": twice}))
    state = CounterState()
    state.set_handover_targets([t.model_dump() for t in s.handover_sites])
    assert [t["text"] for t in state.handover_targets] == [
        "县政务服务中心　同一事项的队列",
        "县政务服务中心　队列：不动产登记",
    ]
    state.open_handover()
    assert state.screen == "handover" and state.handover_target() is None  # two: the operator picks one
    state.choose_handover(1)
    assert state.handover_target()["queue_id"] == "BDC"


def test_the_call_screen_and_the_tablet_say_the_brokers_wait():
    """Issue 17 item 7: while the hall is closed, or where no window serves a queue, the call screen and the
    supervisor tablet say what the broker says (state/queues wait_status, protocol/waiting.py), not 无需等候
    or a number of minutes; 演示 shows while up --open-now opened every queue."""
    from kiosk_app.supervisor.state import SupervisorState
    from queue_broker.protocol.waiting import wait_words

    tomorrow = datetime(2026, 11, 28, 8, 30, tzinfo=TZ)
    queues = [
        {"id": "ZH", "name": "综合受理", "prefix": "A", "waiting": 0, "estimated_wait_s": 0, "longest_wait_s": 0,
         "wait_status": "closed", "next_opening": tomorrow},
        {"id": "SB", "name": "社会保险", "prefix": "C", "waiting": 2, "estimated_wait_s": 840, "longest_wait_s": 300,
         "wait_status": "no_counter"},
        {"id": "YB", "name": "医疗保障", "prefix": "D", "waiting": 4, "estimated_wait_s": 725, "longest_wait_s": 300,
         "wait_status": "estimate"},
    ]  # fmt: skip
    closed_hall = {"ticketing_open": False, "next_opening": tomorrow, "demo": None}
    screen = CallScreenState()
    screen.apply_queues(queues, 0.0, closed_hall, AT)
    tablet = SupervisorState()
    tablet.set_queues(queues, 70, 100, closed_hall, AT)
    said = [r["wait"] for r in screen.queue_rows]
    assert said == [r["estimate"] for r in tablet.queue_rows]
    assert said == ["暂停取号", "暂无窗口", "12分钟"]  # the sign's narrow column: when it opens is the note
    assert said == [
        wait_words(q["wait_status"], q["estimated_wait_s"], q.get("next_opening"), AT, compact=True) for q in queues
    ]
    assert screen.hall_note == tablet.hall_note == "暂停取号，明天 08:30开始"
    demo = {"ticketing_open": True, "demo": "open_now"}
    screen.apply_queues(queues, 1.0, demo, AT)
    tablet.set_queues(queues, 70, 100, demo, AT)
    assert screen.hall_note.startswith("演示") and tablet.hall_note.startswith("演示")
    screen.apply_queues(queues, 2.0, {"ticketing_open": True}, AT)
    assert screen.hall_note == ""
    old = [{k: v for k, v in q.items() if k not in ("wait_status", "next_opening")} for q in queues]
    screen.apply_queues(old, 3.0)  # a broker older than wait_status: the plain estimate
    assert [r["wait"] for r in screen.queue_rows] == ["无需等候", "14分钟", "12分钟"]
