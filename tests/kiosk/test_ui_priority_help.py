"""我需要优先办理 (issue 23 item 3): the kiosk cannot verify who may be served first (绿色通道, 残疾人优先),
so it calls a member of staff instead of issuing priority (`cmd/ticket/help`, need `priority`): the floor
gets an alert at once, the citizen reads that help is coming, and leaving the kiosk withdraws the call.
The staff then issue the ticket at a counter or on the tablet (tests/ui/test_priority_issue.py).

A real kiosk window (a child process), the real queue broker, a real Mosquitto; the floor staff's side is
a plain supervisor node (the tablet itself is tested in tests/ui)."""

from __future__ import annotations

import pytest

from .conftest import kiosk_hall

pytestmark = pytest.mark.ui

SCREEN = {"width": 720, "height": 1280, "diagonal_in": 14.3, "speech": True}


def test_asking_for_priority_calls_staff_and_leaving_withdraws_the_call(mosquitto, tmp_path, site_id, display):
    with kiosk_hall(mosquitto.url, tmp_path, site_id, display, kiosk=SCREEN) as h:
        kiosk, watcher = h.kiosk, h.watcher
        kiosk.tap("home.priority")
        st = kiosk.wait_for(lambda s: s["screen"] == "help" and s["help_phase"] == "sent", 10, "help is coming")
        assert st["help_need"] == "priority" and st["help_active"]
        text = "\n".join(kiosk.texts())
        assert "已通知工作人员，马上会有人过来" in text and "自助机不能直接发优先号" in text
        alert = watcher.wait_for("event/alert", lambda b: b.get("rule") == "help" and b["state"] == "raised")
        assert (alert["need"], alert["node_id"], alert["zone"]) == ("priority", "kiosk-1", "main")
        assert h.broker.tickets() == []  # a call for staff, not a ticket

        kiosk.tap("nav.home")  # the citizen leaves: the call is withdrawn
        watcher.wait_for("event/alert", lambda b: b.get("id") == alert["id"] and b["state"] == "cleared")
        kiosk.wait_for(lambda s: s["screen"] == "home" and not s["help_active"] and s["help_phase"] == "")

        # answered by the floor, then the citizen is done: the answered call is withdrawn too
        kiosk.tap("home.priority")
        kiosk.wait_for(lambda s: s["help_phase"] == "sent", 10, "the second call")
        second = watcher.wait_for(
            "event/alert", lambda b: b.get("rule") == "help" and b["state"] == "raised" and b["id"] != alert["id"]
        )
        reply = watcher.send(watcher.t.supervisor_cmd("alert-ack"), alert_id=second["id"], note="已派工作人员前往")
        assert reply["ok"], reply
        watcher.wait_for("event/alert", lambda b: b.get("id") == second["id"] and b["state"] == "acked")
        kiosk.tap("help.cancel")
        watcher.wait_for("event/alert", lambda b: b.get("id") == second["id"] and b["state"] == "cleared")
        kiosk.wait_for(lambda s: s["screen"] == "home" and not s["help_active"])
        assert kiosk.state()["ui_errors"] == 0


def test_in_elderly_mode_and_in_english(mosquitto, tmp_path, site_id, display):
    with kiosk_hall(mosquitto.url, tmp_path, site_id, display, kiosk=SCREEN) as h:
        kiosk = h.kiosk
        kiosk.tap("header.elderly")
        kiosk.wait_for(lambda s: s["elderly"])
        kiosk.tap("home.priority")
        st = kiosk.wait_for(lambda s: s["help_phase"] == "sent", 10, "help is coming")
        assert st["last_spoken"] == "已经通知工作人员，请在这里稍等，工作人员核实后为您优先办理。"  # read aloud
        small = [t for t in kiosk.call("targets") if min(t["w_mm"], t["h_mm"]) < 15]
        assert not small, small
        kiosk.tap("help.cancel")
        kiosk.wait_for(lambda s: s["screen"] == "home" and not s["help_active"])
        kiosk.tap("header.elderly")
        kiosk.tap("header.language")
        kiosk.wait_for(lambda s: s["language"] == "en")
        assert any(t.startswith("I need priority") for t in kiosk.texts())
        kiosk.tap("home.priority")
        kiosk.wait_for(lambda s: s["help_phase"] == "sent", 10, "help is coming")
        text = "\n".join(kiosk.texts())
        assert "A member of staff has been called and is coming" in text and "cannot give a priority ticket" in text
        kiosk.tap("help.cancel")
        kiosk.wait_for(lambda s: s["screen"] == "home" and not s["help_active"])
        assert kiosk.state()["ui_errors"] == 0
