"""The kiosk's pure parts, without a window: search, opening hours, catalog arrangement, texts,
settings, the codes a scanner reads, and the parsing of a real hall's (large) catalog."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kiosk_app.common.settings import SettingsError, load_settings
from kiosk_app.kiosk.catalog import BUNDLE_GROUP, CatalogView
from kiosk_app.kiosk.controller import APPOINTMENT_RE, TICKET_ID_RE
from kiosk_app.kiosk.hours import HallHours
from kiosk_app.kiosk.i18n import material_text, time_limit_text, wait_text
from kiosk_app.kiosk.search import SearchIndex, initials
from kiosk_app.kiosk.settings import KioskSettings, default_display_name
from queue_broker.config.loader import load_site_config
from queue_broker.config.models import NodeEntry
from queue_broker.engine.hall import HallEngine
from queue_broker.engine.hours import OpeningHours
from queue_broker.protocol.messages import (
    MAX_PAYLOAD_BYTES,
    STATE_MAX_BYTES,
    CatalogState,
    Material,
    ProtocolError,
    parse,
)
from queue_broker.protocol.waiting import opening_words
from queue_broker.service.catalog import build_catalog
from tests.ui.hall import MINI, ROOT

NEIXIANG = ROOT / "examples" / "neixiang" / "site.yaml"
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def neixiang():
    return load_site_config(NEIXIANG)


@pytest.fixture(scope="module")
def catalog(neixiang) -> CatalogView:
    payload = json.dumps(build_catalog(neixiang, datetime.now(UTC)), ensure_ascii=False).encode()
    state = parse(CatalogState, payload)
    return CatalogView.from_state(state, neixiang.site.self_service.service_ids)


# --- the catalog as the broker publishes it -------------------------------------------------------
def test_the_sample_halls_catalog_is_larger_than_a_request_and_is_still_read(neixiang):
    payload = json.dumps(build_catalog(neixiang, datetime.now(UTC)), ensure_ascii=False).encode()
    assert len(payload) > MAX_PAYLOAD_BYTES  # a request this large would be refused unread ...
    state = parse(CatalogState, payload)  # ... published state has a limit of its own
    assert len(state.services) == 62
    with pytest.raises(ProtocolError):
        parse(CatalogState, b'{"version": 1}' + b" " * STATE_MAX_BYTES)


def test_catalog_groups_by_department_and_life_event_with_bundles_first(catalog):
    departments = dict(catalog.departments())
    assert "内乡县不动产登记服务中心" in departments
    assert all(not catalog.items[i].is_bundle for ids in departments.values() for i in ids)
    events = catalog.life_events()
    assert events[0][0] == BUNDLE_GROUP and len(events[0][1]) == 5
    assert "yjs-newborn" in events[0][1]
    assert {"出生", "购房", "退休"} <= {name for name, _ in events}
    newborn = catalog.items["yjs-newborn"]
    assert newborn.bundle_of and newborn.guide is not None
    assert len({m.name for m in newborn.materials}) == len(newborn.materials)  # one paper, handed in once


def test_frequent_items_take_the_configured_ones_then_one_per_queue(catalog):
    chosen = catalog.frequent(["sb-card-apply", "nope", "bdc-transfer-resale"], 6)
    assert chosen[:2] == ["sb-card-apply", "bdc-transfer-resale"]
    assert len(chosen) == 6 and len(set(chosen)) == 6


def test_self_service_items_are_the_flagged_and_the_24h_zone(catalog, neixiang):
    ids = {i.id for i in catalog.self_service_items()}
    assert set(neixiang.site.self_service.service_ids) <= ids
    assert "sb-record-print" in ids and "bdc-transfer-resale" not in ids


# --- search -----------------------------------------------------------------------------------------
def test_pinyin_initials_find_the_item(catalog):
    names = [catalog.items[i].name for i in catalog.search("bdc")]
    assert names and all("不动产" in n for n in names[:5])
    assert catalog.items[catalog.search("sbk")[0]].name.startswith("社会保障卡")
    assert catalog.items[catalog.search("gjj")[0]].name.startswith("住房公积金")
    assert "居民身份证申领" in [catalog.items[i].name for i in catalog.search("sfz")[:3]]


def test_chinese_and_full_pinyin_find_the_item(catalog):
    assert catalog.items[catalog.search("身份证")[0]].name.startswith("居民身份证")
    assert catalog.items[catalog.search("社保")[0]].name.startswith("社会保")
    assert any("公积金" in catalog.items[i].name for i in catalog.search("gongjijin")[:3])
    assert catalog.search("ＢＤＣ") == catalog.search("bdc")  # full-width letters from an IME
    assert catalog.search("") == [] and catalog.search("qqqqqq") == []


def test_characters_with_two_readings_match_either():
    index = SearchIndex([("bank", "银行网点", (), ()), ("elder", "长者服务", (), ())])
    assert index.search("yh") == ["bank"] and index.search("yx") == ["bank"]
    assert index.search("zz") == ["elder"] and index.search("cz") == ["elder"]
    assert initials("不动产登记") == "bdcdj"


def test_the_name_ranks_before_a_keyword_before_the_department():
    index = SearchIndex(
        [
            ("dept", "综合窗口", (), ("不动产登记中心",)),
            ("kw", "房屋过户", ("不动产",), ()),
            ("name", "不动产转移登记", (), ()),
        ]
    )
    assert index.search("bdc") == ["name", "kw", "dept"]


# --- opening hours: the broker's rules, seen from the kiosk -----------------------------------------
def test_opening_hours_agree_with_the_broker_engine(neixiang):
    engine = HallEngine(neixiang)
    kiosk = OpeningHours.from_config(neixiang)  # what a kiosk builds from its own copy of the site file
    start = datetime(2026, 9, 30, 0, 0, tzinfo=TZ)  # the sweep crosses National Day and its swapped days
    for step in range(0, 14 * 24 * 60, 17):
        now = start + timedelta(minutes=step)
        assert kiosk.ticketing_open(now) == engine.is_ticketing_open(now), now
        assert kiosk.next_opening(now) == engine.next_opening(now), now


def test_after_hours_on_friday_night_the_hall_opens_on_monday(neixiang):
    now = datetime(2026, 11, 27, 22, 0, tzinfo=TZ)
    opening = OpeningHours.from_config(neixiang)
    hours = HallHours.at(opening, now)
    assert not hours.ticketing_open and hours.self_service_open
    assert opening_words(hours.next_opening, now) == "11月30日（周一）08:30"
    assert opening_words(hours.next_opening, now, "en") == "Mon 30/11 at 08:30"
    noon = datetime(2026, 11, 30, 12, 30, tzinfo=TZ)
    assert opening_words(opening.next_opening(noon), noon) == "今天 14:00"
    # ticketing stops 30 minutes before the last period ends
    assert opening.ticketing_open(datetime(2026, 11, 30, 17, 1, tzinfo=TZ)) is False
    assert opening.ticketing_open(datetime(2026, 11, 30, 16, 59, tzinfo=TZ)) is True


# --- words ----------------------------------------------------------------------------------------------
def test_wait_is_an_honest_range_in_minutes():
    assert wait_text(300, 720) == "约 5–12 分钟"
    assert wait_text(0, 0) == "马上就到"
    assert wait_text(0, 200) == "不到 3 分钟"
    assert wait_text(600, 600) == "约 10–11 分钟"  # a range, never a promise of the minute
    assert wait_text(300, 720, "en") == "about 5–12 min"


def test_time_limits_and_materials_in_plain_words():
    assert time_limit_text(0).startswith("即办")
    assert time_limit_text(5) == "5 个工作日"
    m = Material(name="居民身份证", originals=1, copies=2, form="纸质", required=True)
    assert material_text(m) == "居民身份证（原件 1 份，复印件 2 份）［纸质］"


# --- settings and scanned codes ---------------------------------------------------------------------
def test_screen_settings_are_validated_and_sized_in_millimetres():
    node = NodeEntry(id="kiosk-3", role="kiosk", screen={"width": 1080, "height": 1920, "diagonal_in": 21.5})
    settings = load_settings(KioskSettings, node)
    assert 3.9 < settings.px_per_mm < 4.2
    assert default_display_name(node) == "3号自助机"
    with pytest.raises(SettingsError, match="colour"):
        load_settings(KioskSettings, NodeEntry(id="k", role="kiosk", screen={"colour": "red"}))


def test_scanned_codes_are_told_apart():
    assert TICKET_ID_RE.match("20261127-A001") and TICKET_ID_RE.match("20261127-BB1000")
    assert not TICKET_ID_RE.match("A001")
    assert APPOINTMENT_RE.match("K7PQ2MXA").group(1) == "K7PQ2MXA"
    assert APPOINTMENT_RE.match("APPT:K7PQ2MXA").group(1) == "K7PQ2MXA"
    assert APPOINTMENT_RE.match("https://zwfw.example.gov.cn/appt?code=K7PQ2MXA").group(1) == "K7PQ2MXA"
    assert not APPOINTMENT_RE.match("HELLO WORLD")


def test_mini_site_loads_for_the_ui_tests():
    cfg = load_site_config(MINI)
    assert {s.id for s in cfg.services} >= {"zh-general", "bdc-transfer", "sb-card", "sb-print"}


def test_english_mode_shows_the_catalogs_english_names(catalog):
    item = catalog.get("bdc-transfer-resale")
    assert item.title("zh") == item.name and item.title("en") == item.name_en and item.name_en
    bundle = next(i for i in catalog.items.values() if i.is_bundle)
    assert bundle.title("en") == bundle.name  # no English name published: the Chinese one, never blank
