"""24 hours (seed art. 26), with an injected clock: on a Friday night the staffed items say when the
hall opens next and offer what can be done now (print the guide, the self-service items); inside
opening hours the same kiosk issues tickets again."""

from __future__ import annotations

from datetime import datetime

import pytest

from .conftest import TZ, kiosk_hall

pytestmark = pytest.mark.ui

HOURS = {
    "opening_hours": {
        day: [{"start": "08:30", "end": "12:00"}, {"start": "14:00", "end": "17:30"}]
        for day in ("mon", "tue", "wed", "thu", "fri")
    }
    | {"sat": [], "sun": []},
    "ticketing_closes_before_min": 30,
    "self_service": {"hours": [{"start": "00:00", "end": "24:00"}], "service_ids": ["sb-print"]},
}
FRIDAY_NIGHT = datetime(2026, 11, 27, 22, 0, tzinfo=TZ)
MONDAY_MORNING = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)


def test_after_hours_then_open_again(mosquitto, tmp_path, site_id, display):
    small = {"width": 720, "height": 1280, "diagonal_in": 14.3}
    with kiosk_hall(mosquitto.url, tmp_path, site_id, display, FRIDAY_NIGHT, site_overrides=HOURS, kiosk=small) as h:
        hall, clock, kiosk = h.broker, h.clock, h.kiosk
        st = kiosk.state()
        assert st["hall_open"] is False and st["next_open_text"] == "11月30日（周一）08:30"
        assert any("下次开放：11月30日（周一）08:30" in t for t in kiosk.texts())
        kiosk.tap("home.item.bdc-transfer")
        assert not kiosk.can_tap("item.take")  # a staffed item: no ticket at night...
        assert not kiosk.can_tap("item.sign")  # ...so no 需要手语/文字沟通 to travel with one
        texts = kiosk.texts()
        assert any("窗口已下班，下次开放：11月30日（周一）08:30" in t for t in texts)
        assert "现在可办的自助事项" in texts  # ...but what can be done now is offered
        kiosk.tap("item.print")  # the materials list can be printed at any hour
        kiosk.wait_for(lambda s: s["materials_print"] == "printed")
        kiosk.tap("item.self.sb-print")
        kiosk.wait_for(lambda s: s["service_id"] == "sb-print")
        texts = kiosk.texts()  # this kiosk has no A4 printer: it says where the item is done, and no queue
        assert any("24小时自助区带A4打印机的自助机" in t for t in texts) and "本机不能自助打印" in texts
        assert not any("前面等候" in t or "窗口已下班" in t for t in texts), texts
        assert not [t for t in hall.tickets()]  # nothing issued at night
        # Monday morning: the same kiosk issues tickets
        clock.now = MONDAY_MORNING
        kiosk.call("set_clock", iso=MONDAY_MORNING.isoformat())
        kiosk.tap("nav.home")
        kiosk.wait_for(lambda s: s["hall_open"])
        assert not any("下次开放" in t for t in kiosk.texts())
        kiosk.tap("home.item.bdc-transfer")
        assert kiosk.can_tap("item.sign")  # open: the choice goes with the ticket again
        kiosk.tap("item.take")
        st = kiosk.wait_for(lambda s: s["ticket_phase"] == "shown")
        assert st["ticket"]["number"] == "B001"
