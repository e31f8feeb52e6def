"""The supervisor tablet works the cases (issue 21 item 4): a real Kivy app in its own process (Xvfb),
the real queue broker wired as in production (electronic monitoring on the injected clock, the 好差评
uplink) and a real Mosquitto.

差评整改 from the list to closed (核实, 整改, 反馈, 回访, 办结, each with its note); a complaint taken in on the
tablet and escalated (转办, 督办); the deadlines in working days, marked near (the last working day) and
overdue as the broker's clock moves; 办件 with their counts, the application_due alert acknowledged with
an explanation, steps to 出件通知; the uplink's pending count and last error from `state/platform`, "try
now" once the province answers; the site file reloaded, refused with every reason, then applied. Every
step goes through a broker command and is in the event log."""

from __future__ import annotations

import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import yaml

from provisioning.mosquitto import free_port
from tests.platform.fake_province import FakeProvince

from ..clock import Clock as FakeClock
from .hall import MINI, ROOT, Node, write_site
from .harness import HallParts, log_in_supervisor, step, take_case_step

pytestmark = [pytest.mark.ui, pytest.mark.timeout(300)]

TZ = ZoneInfo("Asia/Shanghai")
MAPPING = ROOT / "examples" / "neixiang" / "platform" / "ratings-mapping-example.yaml"
DESK = {"id": "W9", "number": 9, "name": "9号窗口 好差评与投诉", "kind": "complaint", "home": ["ZH"]}


def at(*args) -> datetime:
    return datetime(*args, tzinfo=TZ)


def promised_services() -> list[dict]:
    """The mini hall's items, 不动产转移登记 a 承诺件 of 5 working days (its 办件 stays open after the counter)."""
    services = yaml.safe_load(MINI.read_text(encoding="utf-8"))["services"]
    for s in services:
        if s["id"] == "bdc-transfer":
            s["guide"] = {**s["guide"], "time_limit_days": 5, "result": "不动产权证书"}
    return services


def case_hall(tmp_path, site_id: str, province_port: int, **faces) -> object:
    """The mini hall with the complaint desk W9, a 承诺件, and the 好差评 uplink pointed at `province_port`."""
    site = write_site(tmp_path, site_id, extra_counters=[DESK], services=promised_services(), **faces)
    data = yaml.safe_load(site.read_text(encoding="utf-8"))
    shutil.copy(MAPPING, site.parent / "province.yaml")  # the keys the fake province speaks
    data["platform"] = {
        "ratings_endpoint": f"http://127.0.0.1:{province_port}/api/evaluation/push",
        "ratings_mapping": "province.yaml",
        "department_codes": {"县不动产登记中心": "11411325MB0000002X"},  # the 办件 number's department part
        "retry_base_s": 30,
        "timeout_s": 2,
    }
    site.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return site


def serve_and_rate(kiosk: Node, desk: Node, counter: str, level: int, reasons: list[str]) -> dict:
    ticket = kiosk.issue("zh-general")
    assert desk.send(desk.t.counter_cmd(counter, "call-next"))["ticket"]["id"] == ticket["id"]
    assert desk.send(desk.t.counter_cmd(counter, "finish"), outcome="done")["ok"]
    rated = desk.send(desk.t.counter_cmd(counter, "rating"), ticket_id=ticket["id"], level=level, reasons=reasons)
    assert rated["ok"], rated
    return rated["case"]


def test_supervisor_works_cases_applications_uplink_and_reload(mosquitto, site_id, tmp_path):
    clock = FakeClock(at(2026, 11, 27, 9, 0))  # Friday
    province = FakeProvince(free_port())  # not started yet: the platform is down
    site = case_hall(tmp_path, site_id, province.port)
    with HallParts(mosquitto.url, site_id, tmp_path) as hall:
        hall.on_close(province.stop)
        broker = hall.broker(site, clock=clock, tick_interval_s=0.25, production_tasks=True)
        kiosk = hall.node("kiosk-1", "kiosk")
        desk = hall.node("counter-x", "counter")
        sup = hall.screen("supervisor", site, "supervisor-1", "sup")
        desk.open_counters("W1", "W2")
        first = serve_and_rate(kiosk, desk, "W1", 1, ["服务态度差"])
        second = serve_and_rate(kiosk, desk, "W1", 2, ["等候时间长"])
        bdc = kiosk.issue("bdc-transfer")
        assert desk.send(desk.t.counter_cmd("W2", "call-next"))["ticket"]["id"] == bdc["id"]
        accepted = desk.send(desk.t.counter_cmd("W2", "application"), action="accept", ticket_id=bdc["id"])
        case_no = accepted["application"]["case_no"]

        sup.connect()
        sup.wait_for(lambda s: s["online"] and s["counter_tiles"], 30, "the first state")
        log_in_supervisor(sup)

        with step("the cases: both bad ratings listed with their deadline in working days"):
            sup.tap("nav.cases")
            st = sup.wait_for(lambda s: s["screen"] == "cases" and len(s["case_rows"]) == 2, 10, "two cases")
            assert st["case_counts"]["bad_ratings"] == 2 and st["case_counts"]["overdue"] == 0
            assert {r["id"] for r in st["case_rows"]} == {first["id"], second["id"]}
            assert "剩15个工作日" in sup.screen_text()  # 15 working days from Fri 27 Nov: to Fri 18 Dec

        with step("a step needs its note: nothing is sent without one"):
            sup.tap(f"cases.row.{first['id']}")
            sup.wait_for(lambda s: s["case"].get("id") == first["id"], 10, "the case opened")
            sup.tap("cases.step.verify")
            st = sup.wait_for(lambda s: s["message_kind"] == "warn", 5, "asked for a note")
            assert broker.engine.cases[first["id"]].state == "opened"

        with step("差评整改 to closed: verified, rectified, answered, called back, closed"):
            for button, note, state in (
                ("verify", "调取录像，属实", "verified"),
                ("rectify", "窗口人员培训并调整排班", "rectified"),
                ("reply", "电话告知群众整改情况", "replied"),
                ("revisit.yes", "回访：群众表示满意", "revisited"),
                ("close", "整改完成，办结", "closed"),
            ):
                take_case_step(sup, button, state, note=note)
                assert broker.engine.cases[first["id"]].state == state
            history = broker.engine.cases[first["id"]].history
            assert [h["action"] for h in history] == ["open", "verify", "rectify", "reply", "revisit", "close"]
            assert {h["by"] for h in history[1:]} == {"supervisor-1"} and history[4]["satisfied"] is True
            sup.wait_for(lambda s: len(s["case_rows"]) == 1, 10, "the closed case leaves the list")

        with step("a complaint taken in on the tablet, linked to the citizen's ticket, and escalated"):
            sup.tap("cases.complaint")
            sup.wait_for(lambda s: s["screen"] == "complaint", 5, "the complaint form")
            sup.tap("complaint.category.0")  # 办不成事
            sup.type("complaint.summary", "办理不动产转移登记跑了三次仍未办成")
            sup.type("complaint.ticket", bdc["number"])  # the number, of the broker's day
            sup.screenshot("supervisor-complaint")
            sup.tap("complaint.submit")
            st = sup.wait_for(lambda s: s["screen"] == "cases" and s["case"].get("kind") == "complaint", 10, "taken")
            ts = st["case"]["id"]
            case = broker.engine.cases[ts]
            assert (case.category, case.ticket_id, case.counter_id) == ("办不成事", bdc["id"], "W2")
            take_case_step(sup, "handover", "handed_over", note="转不动产登记中心核查", to="县不动产登记中心")
            take_case_step(sup, "supervise", "supervised", note="请两个工作日内答复")  # 督办
            assert broker.engine.cases[ts].handler == "县不动产登记中心"

        with step("its last working day: marked near, on the broker's clock"):
            clock.set(at(2026, 12, 4, 10, 0))  # Fri 4 Dec: the complaint's last working day
            sup.tap("cases.refresh")
            st = sup.wait_for(lambda s: any(r["level"] == "yellow" for r in s["case_rows"]), 10, "near")
            assert st["case_counts"]["due_soon"] == 1
            sup.wait_text("今日到期")
            sup.tap(f"cases.row.{ts}")
            sup.wait_for(lambda s: s["case"].get("id") == ts and s["case"].get("history"), 10, "the complaint")
            sup.screenshot("supervisor-cases")

        with step("办件: counts, the application_due alert acknowledged with an explanation"):
            sup.tap("nav.applications")  # 80 % of the 5 working days are spent: the monitor's yellow
            st = sup.wait_for(lambda s: s["screen"] == "applications" and s["app_alerts"], 15, "the 办件 alert")
            broker_alert = next(a for a in broker.engine.alerts.values() if a.data.get("rule") == "application_due")
            alert = st["app_alerts"][0]
            assert (alert["case_no"], alert["severity"]) == (case_no, "yellow")
            sup.tap(f"applications.alert.ack.{alert['key']}")
            sup.wait_for(lambda s: s["message_kind"] == "warn", 5, "asked for an explanation")
            assert broker.engine.alerts[broker_alert.id].acked_at is None
            sup.type(f"applications.alert.note.{alert['key']}", "已督促不动产登记中心，预计今日办结")
            sup.tap(f"applications.alert.ack.{alert['key']}")
            sup.wait_for(lambda s: s["app_alerts"][0]["acked"], 10, "acknowledged")
            assert broker.engine.alerts[broker_alert.id].ack_note == "已督促不动产登记中心，预计今日办结"
            sup.tap("applications.refresh")
            st = sup.wait_for(lambda s: s["app_counts"].get("open") == 1 and s["app_rows"], 10, "the list")
            assert st["app_rows"][0]["level"] == "yellow" and st["app_counts"]["warned"] == 1

        with step("past the deadlines: the complaint and the 办件 overdue, the red alert needs a new acknowledgement"):
            clock.set(at(2026, 12, 5, 0, 0))
            st = sup.wait_for(lambda s: s["app_alerts"] and s["app_alerts"][0]["severity"] == "red", 15, "red")
            assert not st["app_alerts"][0]["acked"]
            sup.tap("applications.refresh")
            st = sup.wait_for(lambda s: s["app_counts"].get("overdue") == 1, 10, "the 办件 overdue")
            assert st["app_rows"][0]["level"] == "red"
            sup.tap("nav.cases")
            st = sup.wait_for(lambda s: s["screen"] == "cases" and s["case_counts"].get("overdue") == 1, 10, "overdue")
            assert next(r for r in st["case_rows"] if r["id"] == ts)["level"] == "red"
            text = sup.wait_text("已逾期")
            assert "案件 (1)" in text and "办件 (1)" in text
            sup.tap("nav.applications")
            sup.wait_for(lambda s: s["screen"] == "applications", 5, "the 办件 screen")

        with step("办件 steps: into processing, concluded, the result ready for pickup"):
            sup.tap(f"applications.row.{case_no}")
            sup.wait_for(lambda s: s["application"].get("case_no") == case_no, 10, "the 办件 opened")
            sup.screenshot("supervisor-applications")
            sup.tap("application.step.process")
            sup.wait_for(lambda s: s["application"].get("state") == "processing", 10, "processing")
            sup.tap("application.step.conclude.approved")
            sup.wait_for(lambda s: s["application"].get("state") == "concluded", 10, "concluded")
            sup.tap("application.step.result-ready.pickup")
            st = sup.wait_for(lambda s: s["application"].get("state") == "result_ready", 10, "result ready")
            code = st["application"]["pickup_code"]
            assert len(code) == 6 and f"取件码 {code}" in sup.screen_text()
            assert broker.engine.applications[case_no].state == "result_ready"

        with step("the uplink: pending and its last error from state/platform; try now once the province is up"):
            st = sup.wait_for(lambda s: s["uplink_pending"] >= 2, 20, "pending ratings")
            sup.tap("nav.platform")
            st = sup.wait_for(
                lambda s: s["screen"] == "platform" and (s["platform"].get("uplink") or {}).get("last_error"),
                20,
                "the last error",
            )
            assert "最近错误" in sup.screen_text() and "上报 (" in sup.screen_text()
            sup.wait_for(lambda s: s["uplink_rows"], 10, "the pending records")
            sup.screenshot("supervisor-uplink")
            province.start()
            sup.tap("platform.retry")
            sup.wait_for(lambda s: s["uplink_pending"] == 0, 20, "all acknowledged")
            sent = {a["evalId"] for a in province.arrivals}
            assert len(sent) == 2 and all(e.startswith(f"{site_id}-") for e in sent), sent
            assert "待上报 0 条" in sup.wait_text("最近一次上报成功")

        with step("the site file reloaded: refused with every reason, the running one kept; then applied"):
            good = site.read_text(encoding="utf-8")
            data = yaml.safe_load(good)
            data["queues"][0]["sla_min"] = "二十"
            data["counters"].append({"id": "W1", "number": 77, "name": "重复", "home": ["ZH"]})
            site.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
            before = broker.engine.config_version
            sup.type("platform.note", "调整综合受理时限")
            sup.tap("platform.reload")
            st = sup.wait_for(lambda s: s["reload_result"] == "refused", 15, "refused")
            assert st["reload_lines"][0].startswith("站点配置未加载") and len(st["reload_lines"]) >= 2
            assert any("sla_min" in line for line in st["reload_lines"]), st["reload_lines"]
            assert broker.engine.config_version == before
            sup.screenshot("supervisor-reload-refused")
            data = yaml.safe_load(good)
            data["queues"][0]["sla_min"] = 25
            site.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
            sup.tap("platform.reload")
            st = sup.wait_for(lambda s: s["reload_result"] == "applied", 15, "applied")
            assert broker.engine.config_version != before
            changed = [e.event for e in broker.service.store.iter_events() if e.event.type == "config_changed"]
            assert (
                changed[-1].data["by"] == "supervisor-1 (演示主管)" and changed[-1].data["note"] == "调整综合受理时限"
            )
            assert sup.state()["ui_errors"] == 0
