"""The counter terminal's 办件 and case screens (issue 21 item 4): a real Kivy app in its own process (Xvfb),
the real queue broker and a real Mosquitto, the counter's simulated printer.

At a counter: 受理 of a 承诺件 for the citizen called (a bundle: the 即办 item cannot be accepted), 补正 with
the 一次性告知单 printed (its bytes reach the printer) and the list kept in the 办件, 不予受理 with its
reason; at the 出件 window, the result handed out by the citizen's pickup code. At the complaint desk (a
counter of kind `complaint`): every case listed, a complaint taken in, a bad rating worked to 整改; an
ordinary counter sees only the cases about itself and only its own steps."""

from __future__ import annotations

import pytest
import yaml

from .hall import COUNTER_DEVICES, COUNTER_SCREEN, MINI, write_site
from .harness import HallParts, ScreenProcess, step, take_case_step

pytestmark = [pytest.mark.ui, pytest.mark.timeout(300)]

DESK = {"id": "W9", "number": 9, "name": "9号窗口 好差评与投诉", "kind": "complaint", "home": ["ZH"]}


def _site(tmp_path, site_id: str):
    """The mini hall: 综合咨询受理 a 承诺件 of 3 working days; the complaint desk W9 with a terminal of its own."""
    services = yaml.safe_load(MINI.read_text(encoding="utf-8"))["services"]
    services[0]["guide"] = {**services[0]["guide"], "time_limit_days": 3}
    site = write_site(tmp_path, site_id, services=services, extra_counters=[DESK])
    data = yaml.safe_load(site.read_text(encoding="utf-8"))
    data["platform"] = {"department_codes": {"县行政审批服务中心": "11411325MB0000001A"}}
    data["nodes"].append(
        {
            "id": "counter-W9",
            "role": "counter",
            "counter_id": "W9",
            "devices": COUNTER_DEVICES,
            "screen": COUNTER_SCREEN,
        }
    )
    site.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return site


def _log_in(ct: ScreenProcess) -> None:
    ct.wait_for(lambda s: s["online"], 30, "online")
    ct.type("login.operator", "demo")
    ct.type("login.pin", "123456")
    ct.tap("login.submit")
    ct.wait_for(lambda s: s["screen"] == "desk" and s["status"] == "open", 10, "logged in")


def _printed(ct: ScreenProcess) -> str:
    return bytes.fromhex(ct.do("simulators").get("printer_printed_hex", "")).decode("gb18030", errors="replace")


def test_counter_accepts_corrects_refuses_and_hands_the_result_out(mosquitto, site_id, tmp_path):
    site = _site(tmp_path, site_id)
    with HallParts(mosquitto.url, site_id, tmp_path) as hall:
        broker = hall.broker(site)
        kiosk = hall.node("kiosk-1", "kiosk")
        sup = hall.node("supervisor-x", "supervisor")
        ct = hall.screen("counter", site, "counter-W1", "ct")
        bundle = kiosk.issue("bundle-birth")
        ct.connect()
        _log_in(ct)
        ct.tap("desk.call-next")
        ct.wait_for(lambda s: s["phase"] == "called", 10, "A001 called")

        with step("受理: the bundle's items, the 即办 one cannot be accepted"):
            ct.tap("desk.accept")
            st = ct.wait_for(lambda s: s["screen"] == "application" and s["app_items"], 5, "the 受理 screen")
            assert [(i["id"], i["promised"]) for i in st["app_items"]] == [("zh-general", True), ("sb-card", False)]
            assert st["app_item"] == "zh-general"
            ct.tap("application.item.sb-card")
            ct.wait_for(lambda s: s["app_item"] == "sb-card", 5, "the 即办 item chosen")
            assert not ct.can_tap("application.accept") and "即办件：当场办结" in ct.screen_text()
            ct.tap("application.item.zh-general")
            ct.type("application.accept.note", "材料齐全，予以受理")
            ct.tap("application.accept")
            st = ct.wait_for(lambda s: s["application"].get("state") == "accepted", 10, "accepted")
            case_no = st["application"]["case_no"]
            assert case_no.startswith("11411325MB0000001A") and st["application"]["promise_days"] == 3
            app = broker.engine.applications[case_no]
            assert (app.ticket_id, app.counter_id, app.service_id) == (bundle["id"], "W1", "zh-general")
            assert f"办件编号 {case_no}" in ct.screen_text() and "已受理" in st["message"]

        with step("补正: ticked and written materials, the 一次性告知单 printed, the list kept"):
            ct.tap("application.material.0")  # 居民身份证, from the item's catalog list
            ct.type("application.more", "户口簿")
            ct.screenshot("counter-accept")
            ct.tap("application.correct")
            st = ct.wait_for(lambda s: s["app_print_phase"] == "printed", 15, "the notice printed")
            assert st["application"]["state"] == "correction"
            assert broker.engine.applications[case_no].corrections[-1]["materials"] == ["居民身份证", "户口簿"]
            printed = _printed(ct)
            assert "一次性告知单" in printed and case_no in printed and "户口簿" in printed

        with step("不予受理 at the counter: its reason recorded"):
            ct.key("escape")
            ct.wait_for(lambda s: s["screen"] == "desk", 5, "back at the desk")
            kiosk.issue("zh-general")
            ct.tap("desk.call-next")
            ct.wait_for(lambda s: s["phase"] == "called" and s["ticket"]["number"] == "A002", 10, "A002 called")
            ct.tap("desk.accept")
            ct.wait_for(lambda s: s["screen"] == "application" and not s["application"], 5, "a fresh 受理 screen")
            ct.tap("application.refuse")
            ct.wait_for(lambda s: s["message_kind"] == "warn", 5, "asked for the reason")
            ct.type("application.reason", "不属于本中心受理范围，请到县公安局户政窗口办理")
            ct.tap("application.refuse")
            st = ct.wait_for(lambda s: s["application"].get("state") == "rejected", 10, "rejected")
            refused = broker.engine.applications[st["application"]["case_no"]]
            assert refused.reject_reason == "不属于本中心受理范围，请到县公安局户政窗口办理"
            ct.tap("application.back")

        with step("出件: the result handed out by the citizen's pickup code"):
            for action, extra in (("resubmit", {}), ("conclude", {"outcome": "approved"})):
                assert sup.send(sup.t.supervisor_cmd("application"), action=action, case_no=case_no, **extra)["ok"]
            ready = sup.send(
                sup.t.supervisor_cmd("application"), action="result-ready", case_no=case_no, delivery="pickup"
            )
            code = ready["application"]["pickup_code"]
            ct.tap("desk.pickup")
            ct.wait_for(lambda s: s["screen"] == "pickup", 5, "the 出件 screen")
            ct.type("pickup.code", "NOSUCH")
            ct.tap("pickup.lookup")
            ct.wait_for(lambda s: s["app_lookup_error"], 10, "not found")
            ct.type("pickup.code", code.lower())  # as a citizen reads it out
            ct.tap("pickup.lookup")
            st = ct.wait_for(lambda s: s["application"].get("case_no") == case_no, 10, "found by the pickup code")
            assert [x["action"] for x in st["app_steps"]] == ["deliver"] and not st["app_lookup_error"]
            ct.screenshot("counter-pickup")
            ct.tap("application.step.deliver")
            ct.wait_for(lambda s: s["application"].get("state") == "delivered", 10, "delivered")
            assert broker.engine.applications[case_no].state == "delivered"
            assert ct.state()["ui_errors"] == 0


def test_the_complaint_desk_works_every_case_and_a_counter_its_own(mosquitto, site_id, tmp_path):
    site = _site(tmp_path, site_id)
    with HallParts(mosquitto.url, site_id, tmp_path) as hall:
        broker = hall.broker(site)
        kiosk = hall.node("kiosk-1", "kiosk")
        w1 = hall.node("counter-x", "counter")
        desk = hall.screen("counter", site, "counter-W9", "desk")
        w1.open_counters("W1")
        t = kiosk.issue("zh-general")
        w1.send(w1.t.counter_cmd("W1", "call-next"))
        w1.send(w1.t.counter_cmd("W1", "finish"), outcome="done")
        bad = w1.send(w1.t.counter_cmd("W1", "rating"), ticket_id=t["id"], level=2, reasons=["办事效率低"])["case"][
            "id"
        ]
        desk.connect()
        _log_in(desk)

        with step("the desk lists every case and takes a complaint in"):
            assert "投诉与差评" in desk.screen_text()
            desk.tap("desk.cases")
            st = desk.wait_for(lambda s: s["screen"] == "cases" and s["case_rows"], 10, "the cases")
            assert [r["id"] for r in st["case_rows"]] == [bad] and st["case_whole_desk"]
            desk.tap("cases.complaint")
            desk.wait_for(lambda s: s["screen"] == "complaint", 5, "the form")
            desk.tap("complaint.category.1")  # 服务态度
            desk.type("complaint.summary", "窗口人员态度生硬")
            desk.type("complaint.ticket", t["number"])
            desk.tap("complaint.submit")
            st = desk.wait_for(lambda s: s["screen"] == "cases" and s["case"].get("kind") == "complaint", 10, "taken")
            ts = broker.engine.cases[st["case"]["id"]]
            assert (ts.category, ts.ticket_id, ts.counter_id) == ("服务态度", t["id"], "W1")
            assert ts.history[0]["by"] == "counter-W9" and ts.history[0]["source"] == "desk"
            desk.wait_for(lambda s: len(s["case_rows"]) == 2, 10, "two cases listed")

        with step("the desk works the bad rating like a supervisor: verified, rectified"):
            desk.tap(f"cases.row.{bad}")
            desk.wait_for(lambda s: s["case"].get("id") == bad, 10, "the bad rating")
            take_case_step(desk, "verify", "verified", note="核实：高峰时段窗口不足")
            take_case_step(desk, "rectify", "rectified", note="增开潮汐窗口")
            desk.screenshot("counter-desk-cases")
            steps = [h for h in broker.engine.cases[bad].history if h["action"] in ("verify", "rectify")]
            assert [(h["by"], h.get("counter_id")) for h in steps] == [("counter-W9", "W9")] * 2
            assert desk.state()["ui_errors"] == 0

    # an ordinary counter: the cases about itself, its own steps only (申诉 here; the rest is the desk's)
    with HallParts(mosquitto.url, site_id, tmp_path) as hall:
        hall.broker(site)
        ct = hall.screen("counter", site, "counter-W1", "ct")
        ct.connect()
        _log_in(ct)
        with step("W1 sees the case about itself, with no supervisor's step"):
            assert "本窗口差评" in ct.screen_text()
            ct.tap("desk.cases")
            st = ct.wait_for(lambda s: s["screen"] == "cases" and s["case_rows"], 10, "W1's cases")
            assert not st["case_whole_desk"] and not ct.can_tap("cases.complaint")
            assert {r["id"] for r in st["case_rows"]} >= {bad}
            ct.tap(f"cases.row.{bad}")
            st = ct.wait_for(lambda s: s["case"].get("id") == bad, 10, "the case")
            assert st["case_steps"] == []  # rectified: replying and calling back are the desk's
            assert "本窗口对该案件无可办理的步骤" in ct.screen_text()
            assert ct.state()["ui_errors"] == 0
