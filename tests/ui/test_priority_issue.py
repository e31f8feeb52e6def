"""Priority issued by people (issue 23 item 3) on the staff screens: the counter terminal and the supervisor
tablet issue green-channel (绿色通道) and disability-priority (残疾人优先) tickets with a reason from the
hall's list (a note for 其他), show the number, and say a refusal in plain words. Real faces in their own
processes (Xvfb), the real queue broker and a real Mosquitto, driven by simulated touches.

A refusal cannot be provoked through the form itself (it offers only what the site file allows), so one
test runs the broker on a newer site file than the counter's: the hall switched the green channel off
since the terminal started (what a live reload of the site does, issue 19 item 4)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import yaml

from queue_broker.engine import events as ev

from .hall import Broker, Node, write_site
from .harness import ScreenProcess, log_in_counter, log_in_supervisor, step

pytestmark = [pytest.mark.ui, pytest.mark.timeout(240)]


@contextmanager
def running(face: str, tmp_path, site_id: str, url: str, server_site=None) -> Iterator[tuple[Broker, ScreenProcess]]:
    """The real queue broker (on `server_site`, by default the face's own site file) and one staff face,
    connected and logged in; both stopped at the end."""
    site = write_site(tmp_path, site_id)
    broker = Broker(server_site(site) if server_site else site, url, tmp_path / "data")
    node = {"counter": "counter-W1", "supervisor": "supervisor-1"}[face]
    screen = ScreenProcess(face, site, node, url, tmp_path / face)
    try:
        screen.connect()
        if face == "counter":
            log_in_counter(screen)
        else:
            screen.wait_for(lambda s: s["online"], 30, "the tablet online")
            log_in_supervisor(screen)
        yield broker, screen
        assert screen.state()["ui_errors"] == 0
    finally:
        screen.close()
        broker.stop()


def test_the_counter_issues_green_and_disability_tickets_with_reasons(mosquitto, site_id, tmp_path):
    with running("counter", tmp_path, site_id, mosquitto.url) as (broker, ct):
        with step("the form: the counter's own queue listed first, the hall's reasons for the class"):
            ct.tap("desk.priority")
            ct.wait_for(lambda s: s["screen"] == "priority", 5, "the priority screen")
            text = ct.wait_text("综合咨询受理")
            assert "绿色通道" in text and "残疾人优先" in text
            assert (
                "重点项目或重大投资项目" in text and "危急重症或紧急事项" in text
            )  # green's reasons (the default list)
            assert not ct.can_tap("priority.service.bdc-transfer")  # another queue's item: not listed yet

        with step("nothing chosen: the button says what is missing, nothing is sent"):
            ct.tap("priority.issue")
            ct.wait_text("请选择办理事项")
            assert len(broker.tickets()) == 0

        with step("green channel, 不动产转移登记, reason 危急重症或紧急事项: issued, number shown and printed"):
            ct.tap("priority.queue.BDC")
            ct.tap("priority.service.bdc-transfer")
            ct.tap("priority.reason.2")  # 危急重症或紧急事项
            ct.wait_text("核发绿色通道号：不动产转移登记")
            ct.screenshot("counter-priority")
            ct.tap("priority.issue")
            ct.wait_for(lambda s: s["priority_print"] == "printed", 10, "issued and printed")
            text = ct.screen_text()
            assert "B001" in text and "已核发绿色通道号：不动产转移登记 · 不动产登记" in text
            assert "理由：危急重症或紧急事项" in text and "号票已打印" in text
            ct.screenshot("counter-priority-issued")
            (ticket,) = broker.tickets()
            assert (ticket.number, ticket.priority, ticket.channel) == ("B001", "green", "green")
            printed = bytes.fromhex(ct.do("simulators")["printer_printed_hex"])
            assert b"B001" in printed and "绿色通道".encode("gb18030") in printed

        with step("disability priority, reason 其他 without a note: refused on the screen, not sent"):
            ct.tap("priority.class.disability")
            text = ct.wait_text("肢体残疾")
            assert "重点项目或重大投资项目" not in text  # the reasons follow the class
            ct.tap("priority.queue.ZH")
            ct.tap("priority.service.zh-general")
            ct.tap("priority.reason.5")  # 其他
            ct.tap("priority.issue")
            ct.wait_text("请写明说明")
            assert len(broker.tickets()) == 1

        with step("with the note: issued, the reason and the note recorded with the operator"):
            ct.type("priority.note", "孕晚期，行动不便")
            ct.tap("priority.issue")
            ct.wait_text("A001")
            text = ct.wait_text("理由：其他（孕晚期，行动不便）")
            assert "残疾人优先" in text
            ticket = next(t for t in broker.tickets() if t.number == "A001")
            assert ticket.priority == "disability" and ticket.channel == "walk_in"
            issued = [e for e in broker.stored(ev.TICKET_ISSUED) if e["number"] == "A001"]
            assert (
                issued and issued[0]["priority_reason"] == "其他" and issued[0]["priority_note"] == "孕晚期，行动不便"
            )
            assert issued[0]["issued_by"] == {
                "role": "counter",
                "node": "counter-W1",
                "counter_id": "W1",
                "operator_id": "demo",
            }

        with step("Esc goes back to the desk; the green-channel citizen is called first"):
            ct.key("escape")
            ct.wait_for(lambda s: s["screen"] == "desk", 5, "back at the desk")


def test_a_refusal_is_said_in_plain_words(mosquitto, site_id, tmp_path):
    def green_switched_off(counter_site):  # on the server, since the counter terminal started
        raw = yaml.safe_load(counter_site.read_text(encoding="utf-8"))
        raw["priorities"]["classes"] = {"green": {"enabled": False}}
        server_site = tmp_path / "server-site.yaml"
        server_site.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return server_site

    with running("counter", tmp_path, site_id, mosquitto.url, server_site=green_switched_off) as (broker, ct):
        ct.tap("desk.priority")
        ct.wait_for(lambda s: s["screen"] == "priority", 5, "the priority screen")
        ct.tap("priority.service.zh-general")
        ct.tap("priority.reason.0")
        ct.tap("priority.issue")
        text = ct.wait_text("未核发：本厅现已停用绿色通道")
        assert "switched off" not in text and "forbidden" not in text  # the broker's English stays in the log
        assert broker.tickets() == []


def test_the_supervisor_issues_a_disability_ticket(mosquitto, site_id, tmp_path):
    with running("supervisor", tmp_path, site_id, mosquitto.url) as (broker, sup):
        sup.tap("nav.priority")
        sup.wait_for(lambda s: s["screen"] == "priority", 5, "the priority screen")
        sup.tap("priority.class.disability")
        sup.tap("priority.queue.SB")
        sup.tap("priority.service.sb-card")
        sup.tap("priority.reason.1")  # 视力残疾
        sup.tap("priority.issue")
        text = sup.wait_text("C001")
        sup.screenshot("supervisor-priority")
        assert "已核发残疾人优先号：社会保障卡补换 · 社保" in text and "理由：视力残疾" in text
        (ticket,) = broker.tickets()
        assert ticket.priority == "disability"
        (issued,) = broker.stored(ev.TICKET_ISSUED)
        assert issued["issued_by"] == {"role": "supervisor", "node": "supervisor-1", "supervisor_id": "super"}
        assert issued["priority_reason"] == "视力残疾"


def test_the_supervisor_answers_a_kiosks_call_and_sees_it_withdrawn(mosquitto, site_id, tmp_path):
    with running("supervisor", tmp_path, site_id, mosquitto.url) as (broker, sup):
        kiosk = Node(mosquitto.url, site_id, "kiosk-1", "kiosk")  # its side: tests/kiosk/test_ui_priority_help.py
        with step("a citizen asks for priority at the kiosk: the alert names the kiosk and the need"):
            assert kiosk.send(kiosk.t.ticket_help(), kiosk_id="kiosk-1", need="priority")["ok"]
            st = sup.wait_for(lambda s: any(a["kind"] == "help_priority" for a in s["alerts"]), 10, "the call")
            row = next(a for a in st["alerts"] if a["kind"] == "help_priority")
            assert row["message"] == "1号自助机：群众请求优先办理（绿色通道、残疾人优先等），请到场核实"
            assert row["answer"] and not row["acked"]
            sup.screenshot("supervisor-help-call")

        with step("answered with a usual answer: alert-ack with that note"):
            sup.tap(f"alert.answer.{row['key']}")
            sup.wait_for(lambda s: s["screen"] == "answer", 5, "the answer screen")
            assert not sup.can_tap("answer.send")  # nothing chosen yet
            sup.tap("answer.choice.0")
            sup.wait_for(lambda s: s["answer_note"] == "已派工作人员前往", 5, "the answer chosen")
            sup.screenshot("supervisor-help-answer")
            sup.tap("answer.send")
            st = sup.wait_for(lambda s: s["screen"] == "hall", 10, "back at the hall")
            assert "已答复 1号自助机：已派工作人员前往" in st["message"]
            alert = broker.engine.alerts[row["key"].removeprefix("broker:")]
            assert alert.acked_at is not None
            assert "（已答复：已派工作人员前往）" in sup.screen_text()

        with step("a new call; the citizen leaves while the supervisor is answering it"):
            assert kiosk.send(kiosk.t.ticket_help(), kiosk_id="kiosk-1", need="general")["ok"]
            st = sup.wait_for(
                lambda s: any(a["kind"] == "help" and not a["acked"] for a in s["alerts"]), 10, "the second call"
            )
            second = next(a for a in st["alerts"] if a["kind"] == "help" and not a["acked"])
            assert second["message"] == "1号自助机：群众需要帮办代办，请到场协助"
            sup.tap(f"alert.answer.{second['key']}")
            sup.type("answer.note", "请到咨询台")
            assert kiosk.send(kiosk.t.ticket_help(), kiosk_id="kiosk-1", need="general", cancel=True)["ok"]
            sup.wait_for(lambda s: s["answer_gone"], 10, "the call withdrawn")
            sup.wait_text("群众已离开自助机，求助已撤回，无需答复")
            assert not sup.can_tap("answer.send")
            sup.tap("answer.back")
            st = sup.wait_for(lambda s: s["screen"] == "hall", 5, "back at the hall")
            assert not any(a["key"] == second["key"] for a in st["alerts"])
        kiosk.stop()
