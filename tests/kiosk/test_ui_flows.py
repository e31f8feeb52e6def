"""The citizen's flows on a real kiosk window (a child process), a real queue broker and Mosquitto,
simulated devices: a walk-in ticket in at most three taps, pinyin search, the ID card with elderly
priority, appointment check-in by scanner, where is my ticket, help, a catalog change, English.

One kiosk serves the whole module (Kivy's window is one per process and starts in about a second);
each test starts from the home screen with nothing left of the one before."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from devices.idcard.cardtext import parse_card
from devices.idcard.testcards import TEST_CARDS
from tests.ui.hall import Broker
from tests.waiting import wait_for

from .conftest import FRIDAY_9AM, kiosk_hall

pytestmark = pytest.mark.ui

LI_ID = parse_card(TEST_CARDS["li_xiuying"].text).id_number  # the simulator's elderly test card
SMALL = {"width": 720, "height": 1280, "diagonal_in": 14.3}  # same pixel density as the 21.5" panel


@pytest.fixture(scope="module")
def env(mosquitto, tmp_path_factory, display):
    tmp = tmp_path_factory.mktemp("kiosk-flows")
    with kiosk_hall(mosquitto.url, tmp, f"k-flows-{secrets.token_hex(3)}", display, kiosk=SMALL) as h:
        yield h.broker, h.kiosk, h.watcher


@pytest.fixture
def kiosk(env):
    hall, kiosk, watcher = env
    kiosk.call("call", method="go_home")
    kiosk.wait_for(lambda s: s["screen"] == "home" and not s["holder_name_masked"])
    kiosk.taps = 0
    return kiosk


def kiosk_tickets(hall: Broker) -> list:
    return [t for t in hall.tickets() if t.kiosk_id == "kiosk-1"]


def test_walk_in_ticket_in_at_most_three_taps(env, kiosk):
    hall = env[0]
    before = len(kiosk_tickets(hall))
    kiosk.tap("home.item.bdc-transfer")
    kiosk.wait_for(lambda s: s["screen"] == "item")
    assert "不动产转移登记" in kiosk.texts()
    kiosk.tap("item.take")
    st = kiosk.wait_for(lambda s: s["ticket_phase"] == "shown", what="the ticket")
    assert kiosk.taps <= 3
    ticket = st["ticket"]
    assert ticket["number"].startswith("B") and ticket["queue_name"] == "不动产登记"
    issued = kiosk_tickets(hall)
    assert len(issued) == before + 1 and issued[-1].id == ticket["id"]
    text = kiosk.screen_text()
    assert ticket["number"] in text and "不动产登记" in text
    st = kiosk.wait_for(lambda s: s["print_phase"] == "printed", what="the paper ticket")
    assert "取号单已打印" in kiosk.screen_text()
    assert st["metrics"]["tap_to_ticket_ms"] > 0


def test_the_ticket_qr_code_on_screen_reads_back_as_the_ticket_id(env, kiosk, tmp_path):
    cv2 = pytest.importorskip("cv2")
    kiosk.tap("home.item.zh-general")
    kiosk.tap("item.take")
    ticket = kiosk.wait_for(lambda s: s["ticket_phase"] == "shown")["ticket"]
    path = tmp_path / "ticket.png"
    kiosk.call("screenshot", path=str(path))
    text, _points, _ = cv2.QRCodeDetector().detectAndDecode(cv2.imread(str(path)))
    assert text == ticket["id"]


def test_search_by_pinyin_initials(kiosk):
    kiosk.tap("home.search")
    for letter in "bdc":
        kiosk.tap(f"key.{letter}")
    st = kiosk.wait_for(lambda s: s["search_results"], what="results")
    assert st["search_query"] == "bdc" and st["search_results"][0] == "bdc-transfer"
    assert "BDC_" in kiosk.texts() and "不动产转移登记" in kiosk.texts()
    kiosk.tap("search.item.bdc-transfer")
    kiosk.wait_for(lambda s: s["screen"] == "item" and s["service_id"] == "bdc-transfer")
    kiosk.tap("nav.back")
    kiosk.wait_for(lambda s: s["screen"] == "search")
    kiosk.tap("key.clear")
    for letter in "zzq":
        kiosk.tap(f"key.{letter}")
    kiosk.wait_for(lambda s: s["search_query"] == "zzq")
    assert any("没有找到" in t for t in kiosk.texts())


def test_screens_built_when_shown_are_dropped_when_idle_and_built_again(kiosk):
    """Memory (docs/kiosk.md, benchmark): home, item and ticket stay built; another screen is built
    when shown, dropped and really freed once the kiosk is back on its home screen, and works when
    it is shown again. pypinyin, needed only to build the search index, is unloaded after it."""
    kiosk.tap("home.search")
    for letter in "bdc":
        kiosk.tap(f"key.{letter}")
    kiosk.wait_for(lambda s: s["search_results"], what="results")
    assert "search" in kiosk.call("debug")["screens_built"]
    kiosk.tap("nav.home")
    kiosk.wait_for(lambda s: s["screen"] == "home")
    info: dict = {}

    def dropped_and_freed() -> bool:
        info.update(kiosk.call("debug", collect=True))  # collect=True: a full garbage collection first
        return info["screens_built"] == ["home", "item", "ticket"] and info["screen_objects"] == 3

    wait_for(dropped_and_freed, 20, "the search screen dropped and freed", step=0.5, describe=lambda: str(info))
    assert "pypinyin" not in info["heavy_modules"]
    kiosk.tap("home.search")
    for letter in "bdc":
        kiosk.tap(f"key.{letter}")
    st = kiosk.wait_for(lambda s: s["search_results"], what="results")
    assert st["search_results"][0] == "bdc-transfer" and "BDC_" in kiosk.texts()


def test_id_card_ticket_gets_elderly_priority_and_shows_only_the_masked_name(env, kiosk):
    hall, _, watcher = env
    # someone is already waiting in the social-security queue as a walk-in
    first = watcher.send(watcher.t.ticket_issue(), kiosk_id="kiosk-2", service_id="sb-card", channel="walk_in")
    assert first["ok"]
    kiosk.tap("home.card")
    kiosk.wait_for(lambda s: s["screen"] == "idcard" and s["card_phase"] == "waiting")
    kiosk.device("idcard", "place", args=["li_xiuying"])
    st = kiosk.wait_for(lambda s: s["holder_name_masked"], what="the card")
    assert st["holder_name_masked"] == "李**"
    assert st["elderly"] is True  # large type for a citizen of 76, automatically
    text = kiosk.screen_text()
    assert "李**" in text and "李秀英" not in text and LI_ID not in text and LI_ID[-4:] not in text
    kiosk.tap("idcard.item.sb-card")
    kiosk.wait_for(lambda s: s["screen"] == "item")
    assert any("已刷身份证：李**" in t for t in kiosk.texts())
    kiosk.tap("item.take")
    st = kiosk.wait_for(lambda s: s["ticket_phase"] == "shown")
    ticket = st["ticket"]
    assert ticket["priority"] == "elderly"
    assert ticket["waiting_ahead"] == 0  # ahead of the earlier walk-in: the broker's rule
    assert "您已享受长者优先" in kiosk.screen_text()
    assert st["has_personal_data"] is False  # dropped with the reply
    kiosk.device("idcard", "remove")
    # the ID number travelled on cmd/ticket/issue only, and nothing published shows the name
    topics_with_id = {t for t, p in watcher.payloads() if LI_ID.encode() in p}
    assert topics_with_id == {watcher.t.ticket_issue()}
    assert not any("李秀英".encode() in p for t, p in watcher.payloads() if t != watcher.t.ticket_issue())
    assert LI_ID not in kiosk.log() and "李秀英" not in kiosk.log()
    kiosk.tap("ticket.done")
    st = kiosk.wait_for(lambda s: s["screen"] == "home")
    assert st["elderly"] is False and not st["holder_name_masked"]


def test_appointment_check_in_by_scanner(env, kiosk):
    hall, _, watcher = env
    slot = (FRIDAY_9AM + timedelta(minutes=30)).isoformat()
    booked = watcher.send(watcher.t.appointment_cmd("book"), service_id="bdc-transfer", slot_start=slot)
    assert booked["ok"], booked
    code = booked["appointment"]["code"]
    kiosk.tap("home.appointment")
    kiosk.wait_for(lambda s: s["screen"] == "appointment")
    assert any("没有预约也能办" in t for t in kiosk.texts())  # never "you must book"
    kiosk.device("scanner", "type", text=code)
    st = kiosk.wait_for(lambda s: s["ticket_phase"] == "shown", what="the check-in ticket")
    assert st["ticket"]["priority"] == "appointment" and st["ticket"]["queue_id"] == "BDC"
    assert "预约签到成功" in kiosk.screen_text()
    # the ID card that booked checks in too
    holder = {"id_number": LI_ID, "name": "李秀英"}
    booked = watcher.send(watcher.t.appointment_cmd("book"), service_id="bdc-transfer", slot_start=slot, holder=holder)
    assert booked["ok"], booked
    kiosk.tap("ticket.done")
    kiosk.tap("home.appointment")
    kiosk.device("idcard", "place", args=["li_xiuying"])
    st = kiosk.wait_for(
        lambda s: (
            s["ticket_phase"] == "shown"
            and s["ticket"]["channel"] == "appointment"
            and s["ticket"]["priority"] == "appointment"
        ),
        what="the card check-in",
    )
    assert "预约签到成功" in kiosk.screen_text() and "李秀英" not in kiosk.screen_text()
    kiosk.device("idcard", "remove")
    # an unknown code still gives a ticket (art. 19): queued as a walk-in, told so
    kiosk.tap("ticket.done")
    kiosk.tap("home.appointment")
    kiosk.device("scanner", "type", text="ZZZZ2222")
    st = kiosk.wait_for(lambda s: s["ticket_phase"] == "shown" and s["ticket"]["priority"] == "normal")
    assert "没有找到预约" in kiosk.screen_text()


def test_where_is_my_ticket_by_scanning_its_qr_code(env, kiosk):
    hall, _, watcher = env
    kiosk.tap("home.item.sb-print")
    kiosk.tap("item.take")
    ticket = kiosk.wait_for(lambda s: s["ticket_phase"] == "shown")["ticket"]
    kiosk.tap("ticket.done")
    kiosk.tap("home.lookup")
    kiosk.device("scanner", "type", text=ticket["id"])
    kiosk.wait_for(lambda s: s["lookup_phase"] == "shown")
    assert ticket["number"] in kiosk.texts() and "等候中" in kiosk.texts()
    # the counter calls it: a second scan says where to go
    ok = watcher.send(watcher.t.counter_cmd("W3", "open"), operator_id="demo", pin="123456")
    assert ok["ok"], ok
    called = None
    for _ in range(10):
        called = watcher.send(watcher.t.counter_cmd("W3", "call-next"))
        if called["ticket"] is None or called["ticket"]["id"] == ticket["id"]:
            break
    assert called["ticket"]["id"] == ticket["id"]
    kiosk.wait_for(lambda s: "W3" in s["counters"] and s["counters"]["W3"]["status"] == "open")
    kiosk.device("scanner", "type", text=ticket["id"])
    kiosk.wait_for(lambda s: s["lookup_phase"] == "shown" and s["lookup"].get("state") == "called")
    assert any("请到 3号窗口" in t for t in kiosk.texts())


def test_help_request_reaches_the_floor_staff_and_can_be_cancelled(env, kiosk):
    _, _, watcher = env
    kiosk.tap("home.help")
    kiosk.wait_for(lambda s: s["screen"] == "help" and s["help_active"] and s["help_phase"] == "sent")
    # cmd/ticket/help: an alert on the floor at once, naming this kiosk and what it needs
    alert = watcher.wait_for("event/alert", lambda b: b.get("rule") == "help" and b["state"] == "raised")
    assert (alert["kind"], alert["need"], alert["node_id"]) == ("help", "general", "kiosk-1")
    assert any("已通知大厅工作人员" in t for t in kiosk.texts())
    kiosk.tap("help.cancel")
    watcher.wait_for("event/alert", lambda b: b.get("id") == alert["id"] and b["state"] == "cleared")
    kiosk.wait_for(lambda s: s["screen"] == "home" and not s["help_active"])
    assert not watcher.of("device/help")  # no longer a retained device health: the alert carries it


def test_a_catalog_change_reaches_the_screen_without_a_restart(env, kiosk):
    hall = env[0]
    cfg = hall.load_config()
    cfg.services[0].name = "综合咨询受理（新）"
    old = kiosk.state()["catalog_version"]
    hall.service.republish_catalog(cfg)
    st = kiosk.wait_for(lambda s: s["catalog_version"] != old, what="the new catalog")
    assert st["catalog_names"]["zh-general"] == "综合咨询受理（新）"
    assert any("综合咨询受理（新）" in t for t in kiosk.texts())
    hall.service.republish_catalog(hall.load_config())
    kiosk.wait_for(lambda s: s["catalog_version"] == old)


def test_english_second_and_back_to_chinese_for_the_next_citizen(kiosk):
    kiosk.tap("header.language")
    kiosk.wait_for(lambda s: s["language"] == "en")
    assert "Hello! Please choose what you need" in kiosk.texts()
    kiosk.tap("home.item.zh-general")
    assert "Take a ticket" in kiosk.texts()
    kiosk.tap("nav.home")
    st = kiosk.wait_for(lambda s: s["screen"] == "home")
    assert st["language"] == "zh"


def test_every_target_is_at_least_15_mm_and_nothing_needs_more_than_a_tap(kiosk):
    seen = set()
    for tid in ("home.item.zh-general", "item.tab.materials"):
        for target in kiosk.call("targets"):
            assert min(target["w_mm"], target["h_mm"]) >= 15, target
            seen.add(target["tid"])
        kiosk.tap(tid)
    kiosk.tap("header.elderly")
    kiosk.wait_for(lambda s: s["elderly"])
    for target in kiosk.call("targets"):
        assert min(target["w_mm"], target["h_mm"]) >= 15, target
    assert len(seen) > 10
    classes = kiosk.call("classes")
    assert not {"ScrollView", "Carousel", "RecycleView", "TextInput", "Slider"} & set(classes)
    kiosk.tap("header.elderly")


def test_a_double_tap_on_take_gives_one_ticket(env, kiosk):
    hall = env[0]
    before = len(kiosk_tickets(hall))
    kiosk.tap("home.item.zh-general")
    kiosk.call("call", method="take_ticket", args=["zh-general"])
    kiosk.call("call", method="take_ticket", args=["zh-general"])
    first = kiosk.wait_for(lambda s: s["ticket_phase"] == "shown")["ticket"]
    # the next citizen's ticket: MQTT keeps one client's messages in order, so a request of the second
    # tap would have reached the broker before this one; once it is shown, nothing more can come
    kiosk.tap("ticket.done")
    kiosk.tap("home.item.zh-general")
    kiosk.tap("item.take")
    kiosk.wait_for(lambda s: s["ticket_phase"] == "shown" and s["ticket"]["id"] != first["id"], what="the next")
    assert len(kiosk_tickets(hall)) == before + 2  # the double tap's one and the next citizen's
