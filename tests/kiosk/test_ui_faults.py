"""Devices and networks fail; a ticket is never lost for it.

- the printer runs out of paper (or is offline): the ticket is shown with its QR code and the words
  to photograph it, and the printer's health reaches the supervisor (`node/kiosk-1/device/printer`);
- the queue broker stops, then MQTT too: the kiosk says so in plain Chinese, stops issuing, retries
  the request in flight with the same request_id, and when both are back shows exactly one ticket.
"""

from __future__ import annotations

import pytest

from .conftest import kiosk_hall

pytestmark = pytest.mark.ui

SMALL = {"width": 720, "height": 1280, "diagonal_in": 14.3}


def test_printer_out_of_paper_shows_the_ticket_and_tells_the_supervisor(mosquitto, tmp_path, site_id, display):
    with kiosk_hall(mosquitto.url, tmp_path, site_id, display, kiosk=SMALL) as h:
        hall, kiosk, watcher = h.broker, h.kiosk, h.watcher
        printer_topic = watcher.t.device("kiosk-1", "printer")
        watcher.wait_for(printer_topic, lambda b: b["state"] == "ready")
        kiosk.device("printer", "set", paper_out=True)
        kiosk.tap("home.item.zh-general")
        kiosk.tap("item.take")
        st = kiosk.wait_for(lambda s: s["print_phase"] == "failed", what="the failed print")
        ticket = st["ticket"]
        assert st["print_error"] == "打印机缺纸"
        text = kiosk.screen_text()
        assert ticket["number"] in text and "请用手机拍下本页的号码和二维码" in text and "打印机缺纸" in text
        health = watcher.wait_for(printer_topic, lambda b: b["state"] == "fault")
        assert health["kind"] == "printer" and "缺纸" in health["message"] and health["ok"] is False
        assert ticket["id"] in {t.id for t in hall.tickets()}  # the ticket exists: nothing lost
        kiosk.screenshot("ticket-printer-out-of-paper")
        # paper back: the next ticket prints, and the supervisor sees the printer ready again
        kiosk.device("printer", "set", paper_out=False)
        kiosk.tap("ticket.done")
        kiosk.tap("home.item.zh-general")
        kiosk.tap("item.take")
        kiosk.wait_for(lambda s: s["print_phase"] == "printed" and s["ticket"]["id"] != ticket["id"])
        watcher.wait_for(printer_topic, lambda b: b["state"] == "ready" and b["at"] > health["at"])
        # the printer goes offline in the middle of the day: same on-screen ticket
        kiosk.device("printer", "set", offline=True)
        kiosk.tap("ticket.done")
        kiosk.tap("home.item.sb-card")
        kiosk.tap("item.take")
        st = kiosk.wait_for(lambda s: s["print_phase"] == "failed")
        assert "离线" in st["print_error"]
        # the ID-card reader's port vanishes: the supervisor is told, the citizen goes on without it
        kiosk.tap("ticket.done")
        kiosk.device("idcard", "vanish")
        reader_topic = watcher.t.device("kiosk-1", "idcard")
        watcher.wait_for(reader_topic, lambda b: b["state"] == "fault")
        kiosk.tap("home.card")
        kiosk.wait_for(lambda s: s["card_phase"] == "fault")
        assert any("读卡器暂时不能使用" in t for t in kiosk.texts())
        kiosk.tap("idcard.without")
        kiosk.wait_for(lambda s: s["screen"] == "home")


def test_broker_and_mqtt_outage_then_recovery_gives_exactly_one_ticket(own_mosquitto, tmp_path, site_id, display):
    quick = {**SMALL, "request_timeout_s": 1.5, "retry_max_s": 1.0, "reconnect_max_s": 1}
    with kiosk_hall(own_mosquitto.url, tmp_path, site_id, display, kiosk=quick) as h:
        hall, kiosk = h.broker, h.kiosk
        hall.stop()  # the queue broker is gone; MQTT still up
        kiosk.tap("home.item.bdc-transfer")
        kiosk.tap("item.take")
        st = kiosk.wait_for(lambda s: s["ticket_phase"] == "retrying", what="the retry")
        assert any("正在重试" in t and "不会重复取号" in t for t in kiosk.texts())
        own_mosquitto.stop()  # and now MQTT too
        kiosk.wait_for(lambda s: not s["online"], what="offline")
        assert any(t.startswith("网络连接中断，暂时不能取号") for t in kiosk.texts())
        kiosk.screenshot("offline")
        kiosk.tap("ticket.cancel")  # the citizen gives up on that one...
        kiosk.tap("home.item.zh-general")  # ...and finds issuing stopped while offline
        assert not kiosk.can_tap("item.take")
        assert "暂停取号" in kiosk.texts()
        kiosk.tap("nav.home")
        own_mosquitto.start()
        hall.start()
        kiosk.wait_for(lambda s: s["online"] and s["server_ok"], timeout=20, what="recovery")
        assert not any("网络连接中断" in t for t in kiosk.texts())
        # service resumes: a ticket in flight during a drop is retried with the same request_id
        hall.stop()
        kiosk.tap("home.item.bdc-transfer")
        kiosk.tap("item.take")
        kiosk.wait_for(lambda s: s["ticket_phase"] == "retrying")
        own_mosquitto.stop()
        kiosk.wait_for(lambda s: not s["online"])
        own_mosquitto.start()
        hall.start()
        st = kiosk.wait_for(lambda s: s["ticket_phase"] == "shown", timeout=25, what="the ticket after recovery")
        issued = [t for t in hall.tickets() if t.kiosk_id == "kiosk-1"]
        assert [t.id for t in issued] == [st["ticket"]["id"]]  # one ticket, never two
        assert st["ticket"]["number"] == "B001"
