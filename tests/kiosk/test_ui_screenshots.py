"""Every screen of the kiosk on the sample hall (内乡县, 62 items), in Chinese, in elderly mode and in
English, saved as docs/screenshots/kiosk-*.png (listed in docs/kiosk.md). Also checks that Chinese
really renders (not as boxes) and that each screen's targets are at least 15 mm."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import pytest
import yaml

from tests.clock import Clock
from tests.ui.hall import KIOSK_DEVICES, KIOSK_SCREEN, NEIXIANG, NEIXIANG_FREQUENT, Broker, Node
from tests.ui.harness import SCREENSHOTS, start_kiosk

from .conftest import FRIDAY_9AM, TZ

pytestmark = pytest.mark.ui

OPEN_COUNTERS = ["c01", "c02", "c07", "c09", "c17"]


def write_neixiang(tmp, site_id: str) -> str:
    data = yaml.safe_load((NEIXIANG / "site.yaml").read_text(encoding="utf-8"))
    data["site"]["id"] = site_id
    data["data_dir"] = str(tmp / "data")
    data["services_file"] = str(NEIXIANG / data["services_file"])
    screen = {
        **KIOSK_SCREEN,
        "frequent_service_ids": NEIXIANG_FREQUENT,
        "notices": ["本周六上午 9:00–12:00 不动产登记窗口延时服务"],
    }
    for node in data["nodes"]:
        if node["id"] == "kiosk-1":
            node["devices"] = KIOSK_DEVICES
            node["screen"] = screen
    path = tmp / "neixiang.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def shot(kiosk, name: str) -> None:
    targets = kiosk.call("targets")
    small = [t for t in targets if min(t["w_mm"], t["h_mm"]) < 15]
    assert not small, f"{name}: targets under 15 mm: {small}"
    path = kiosk.screenshot(name)
    assert path.stat().st_size > 10_000


def test_screenshots_of_every_screen(mosquitto, tmp_path, display):
    site_id = f"k-shots-{secrets.token_hex(3)}"
    path = write_neixiang(tmp_path, site_id)
    clock = Clock(FRIDAY_9AM - timedelta(minutes=20))  # the morning's first citizens came before 09:00
    hall = Broker(path, mosquitto.url, tmp_path / "data", clock=clock)
    watcher = Node(mosquitto.url, site_id, "supervisor-x", "supervisor")  # opens counters, takes tickets
    t = watcher.t
    for counter in OPEN_COUNTERS:
        assert watcher.send(t.counter_cmd(counter, "open"), operator_id="demo", pin="123456")["ok"]
    walk_ins = ["sb-card-apply", "bdc-transfer-resale", "zh-consult", "sb-card-apply", "yb-resident-enroll"]
    for sid in walk_ins + ["bdc-transfer-resale", "sb-record-print", "zh-consult"]:
        assert watcher.send(t.ticket_issue(), kiosk_id="kiosk-2", service_id=sid, channel="walk_in")["ok"]
        clock.advance(minutes=2)
    clock.now = FRIDAY_9AM
    kiosk = start_kiosk(path, mosquitto.url, tmp_path / "kiosk", display, clock_start=FRIDAY_9AM)
    try:
        st = kiosk.ready()
        assert st["catalog_items"] == 67
        fonts = kiosk.call("font_check")
        assert fonts["distinct"] and fonts["not_tofu"] and fonts["ink"] > 200, fonts
        kiosk.wait_for(lambda s: len(s["counters"]) > 0)
        shot(kiosk, "home")
        kiosk.tap("home.by_department")
        shot(kiosk, "browse-departments")
        kiosk.tap("browse.group.内乡县不动产登记服务中心")
        shot(kiosk, "browse-items")
        kiosk.tap("nav.home")
        kiosk.tap("home.by_life_event")
        shot(kiosk, "browse-life-events")
        kiosk.tap("nav.home")
        kiosk.tap("home.search")
        for letter in "bdc":
            kiosk.tap(f"key.{letter}")
        shot(kiosk, "search-pinyin")
        kiosk.tap("nav.home")
        kiosk.tap("home.item.bdc-transfer-resale")
        shot(kiosk, "item-guide")
        kiosk.tap("item.tab.materials")
        shot(kiosk, "item-materials")
        kiosk.tap("item.take")
        kiosk.wait_for(lambda s: s["print_phase"] == "printed")
        shot(kiosk, "ticket")
        kiosk.tap("ticket.done")
        kiosk.tap("home.card")
        shot(kiosk, "idcard")
        kiosk.device("idcard", "place", args=["li_xiuying"])
        kiosk.wait_for(lambda s: s["holder_name_masked"] and s["elderly"])
        shot(kiosk, "idcard-read-elderly")
        kiosk.tap("idcard.item.sb-card-apply")
        shot(kiosk, "item-elderly")
        kiosk.tap("item.take")
        kiosk.wait_for(lambda s: s["ticket_phase"] == "shown" and s["print_phase"] == "printed")
        shot(kiosk, "ticket-elderly")
        kiosk.device("idcard", "remove")
        kiosk.tap("ticket.done")
        kiosk.tap("header.elderly")
        kiosk.wait_for(lambda s: s["elderly"])
        shot(kiosk, "home-elderly")
        kiosk.tap("header.elderly")
        kiosk.tap("home.appointment")
        shot(kiosk, "appointment")
        kiosk.tap("nav.home")
        kiosk.tap("home.lookup")
        ticket_id = next(tk.id for tk in hall.tickets() if tk.service_id == "zh-consult")
        kiosk.device("scanner", "type", text=ticket_id)
        kiosk.wait_for(lambda s: s["lookup_phase"] == "shown")
        shot(kiosk, "lookup")
        kiosk.tap("nav.home")
        kiosk.tap("home.help")
        kiosk.wait_for(lambda s: s["help_phase"] == "sent")
        shot(kiosk, "help")
        kiosk.tap("help.cancel")
        kiosk.tap("home.priority")  # 我需要优先办理: staff are called, the kiosk issues no priority itself
        kiosk.wait_for(lambda s: s["help_phase"] == "sent")
        shot(kiosk, "help-priority")
        kiosk.tap("header.elderly")
        kiosk.wait_for(lambda s: s["elderly"])
        shot(kiosk, "help-priority-elderly")
        kiosk.tap("header.elderly")
        kiosk.tap("help.cancel")
        kiosk.tap("header.language")
        kiosk.wait_for(lambda s: s["language"] == "en")
        shot(kiosk, "home-english")
        kiosk.tap("home.priority")
        kiosk.wait_for(lambda s: s["help_phase"] == "sent")
        shot(kiosk, "help-priority-english")
        kiosk.tap("help.cancel")  # the citizen's flow ends: the kiosk's own language again
        kiosk.wait_for(lambda s: s["language"] == "zh" and s["screen"] == "home")
        kiosk.call("call", method="_go", args=["screensaver"])
        kiosk.wait_for(lambda s: s["screen"] == "screensaver")
        kiosk.screenshot("screensaver")
        kiosk.tap("screensaver.touch")
        # Friday night: after hours
        night = datetime(2026, 11, 27, 22, 0, tzinfo=TZ)
        clock.now = night
        kiosk.call("set_clock", iso=night.isoformat())
        kiosk.wait_for(lambda s: not s["hall_open"])
        shot(kiosk, "home-after-hours")
        kiosk.tap("home.item.bdc-transfer-resale")
        shot(kiosk, "item-after-hours")
    finally:
        kiosk.close()
        watcher.stop()
        hall.stop()
    names = {p.name for p in SCREENSHOTS.glob("kiosk-*.png")}
    assert {"kiosk-home.png", "kiosk-ticket.png", "kiosk-home-elderly.png", "kiosk-item-after-hours.png"} <= names
