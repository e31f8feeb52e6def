"""Catalog and opening hours change without a restart (issue 19 item 4), through the real broker service on
the real Mosquitto: `cmd/supervisor/reload` checks the site file, applies it between two commands and
publishes `state/catalog`; a broken or unsafe file is refused and changes nothing; dated changes take
effect by themselves when the local day turns; every change is a `config_changed` event in the log with
who made it, also a file edited while the broker was stopped."""

from __future__ import annotations

from .conftest import at, until


def _config_events(hall):
    return [row.event.data for row in hall.service.store.iter_events() if row.event.type == "config_changed"]


def _catalog(recorder, predicate=lambda b: True):
    return recorder.wait_for("/state/catalog", predicate)


def test_reload_applies_a_new_catalog_and_records_who(plat_hall, plat_recorder, site_file):
    hall = plat_hall
    first = _catalog(plat_recorder)
    [startup] = _config_events(hall)
    assert startup["kind"] == "startup" and startup["by"] == "start-up" and startup["from_version"] is None
    services = site_file.parent / "platform-services.yaml"
    text = services.read_text(encoding="utf-8").replace("name: 社会保障卡补换", "name: 社会保障卡申领补换")
    text = text.replace(
        "bundles:",
        "  - {id: sb-new, name: 社保关系转移, queue_id: SB, department: 县人社局, guide: *guide, materials: []}\nbundles:",
    )
    services.write_text(text, encoding="utf-8")
    sup, kiosk = hall.node("sup-1", "supervisor"), hall.node("kiosk-1", "kiosk")
    refused = kiosk.issue("sb-new")
    assert refused["error"]["code"] == "not_found"  # not in the running catalog yet

    reply = sup.send(sup.t.supervisor_cmd("reload"), note="新增社保关系转移", operator="张主任")
    assert reply["ok"], reply
    cfg = reply["config"]
    assert cfg["kind"] == "reload" and cfg["by"] == "sup-1 (张主任)" and cfg["from_version"] == startup["version"]
    assert "+ service sb-new 社保关系转移: added" in cfg["changes"]
    assert "~ service sb-card 社会保障卡申领补换: name changed" in cfg["changes"]
    new = _catalog(plat_recorder, lambda b: b["version"] != first["version"])
    assert new["version"] == cfg["catalog_version"]
    assert "sb-new" in {s["id"] for s in new["services"]}
    assert kiosk.issue("sb-new")["ok"]  # at once, no restart
    events = _config_events(hall)
    assert events[-1]["by"] == "sup-1 (张主任)" and events[-1]["note"] == "新增社保关系转移"
    assert hall.service.store.audit().ok

    # the same file again: nothing to record
    again = sup.send(sup.t.supervisor_cmd("reload"))
    assert again["ok"] and again["config"]["state"] == "unchanged"
    assert len(_config_events(hall)) == 2


def test_a_broken_or_unsafe_file_is_refused_and_nothing_changes(plat_hall, plat_recorder, site_file):
    hall = plat_hall
    sup, kiosk = hall.node("sup-1", "supervisor"), hall.node("kiosk-1", "kiosk")
    before = _catalog(plat_recorder)["version"]
    good = site_file.read_text(encoding="utf-8")

    site_file.write_text(good.replace("sla_min: 20, mean_service_min: 8", "sla_min: twenty"), encoding="utf-8")
    bad = sup.send(sup.t.supervisor_cmd("reload"))
    assert bad["error"]["code"] == "invalid_request"
    assert "site.yaml:" in bad["error"]["message"] and "sla_min" in bad["error"]["message"]
    assert bad["problems"]

    site_file.write_text(good.replace("  - {id: SB, prefix: C", "  - {id: SX, prefix: C"), encoding="utf-8")
    unsafe = sup.send(sup.t.supervisor_cmd("reload"))
    assert unsafe["ok"] is False
    assert "删除了队列 SB" in unsafe["error"]["message"] or "SB" in unsafe["error"]["message"]

    assert kiosk.issue("sb-card")["ok"]  # the running configuration is the one it was
    assert hall.service.catalog["version"] == before
    assert len(_config_events(hall)) == 1  # only the start-up record


def test_opening_hours_change_live(plat_hall, site_file):
    hall = plat_hall
    sup, kiosk = hall.node("sup-1", "supervisor"), hall.node("kiosk-1", "kiosk")
    assert kiosk.issue()["ok"]
    text = site_file.read_text(encoding="utf-8")
    text = text.replace('fri: [{start: "00:00", end: "24:00"}]', 'fri: [{start: "13:00", end: "17:00"}]')
    site_file.write_text(text, encoding="utf-8")
    reply = sup.send(sup.t.supervisor_cmd("reload"), note="周五上午暂停窗口服务")
    assert reply["ok"] and "~ hours opening_hours.fri changed" in reply["config"]["changes"]
    closed = kiosk.issue()  # Friday 09:00
    assert closed["error"]["code"] == "closed" and "13:00" in closed["error"]["message"]


def test_dated_changes_apply_by_themselves(plat_hall, plat_recorder, site_file):
    """An item withdrawn from tomorrow and opening hours dated tomorrow: nobody does anything at midnight."""
    hall, clock = plat_hall, plat_hall.clock
    services = site_file.parent / "platform-services.yaml"
    text = services.read_text(encoding="utf-8").replace(
        "      limit_scene_num: 1\n      link_addr:",
        "      limit_scene_num: 1\n      plan_cancel_date: 2026-11-28\n      link_addr:",
    )
    services.write_text(text, encoding="utf-8")
    site = site_file.read_text(encoding="utf-8").replace(
        "  ticketing_closes_before_min: 0\n",
        "  ticketing_closes_before_min: 0\n"
        "  hours_changes:\n"
        "    - effective_from: 2026-11-28\n"
        '      opening_hours: {sat: [{start: "09:00", end: "12:00"}]}\n'
        "      note: 周末只开上午\n",
    )
    site_file.write_text(site, encoding="utf-8")
    sup, kiosk = hall.node("sup-1", "supervisor"), hall.node("kiosk-1", "kiosk")
    assert sup.send(sup.t.supervisor_cmd("reload"), note="不动产转移登记次日起停办")["ok"]
    catalog = _catalog(plat_recorder, lambda b: any(s.get("withdrawn_from") for s in b["services"]))
    assert {s["id"]: s for s in catalog["services"]}["bdc-transfer"]["withdrawn_from"] == "2026-11-28"
    assert kiosk.issue("bdc-transfer")["ok"]  # still offered today

    clock.set(at(2026, 11, 28, 0, 0, 5))  # Saturday: the cancel date and the dated hours
    gone = _catalog(plat_recorder, lambda b: "bdc-transfer" not in {s["id"] for s in b["services"]})
    assert gone["version"] != catalog["version"]
    dated = until(lambda: [e for e in _config_events(hall) if e["kind"] == "dated"])
    assert dated[0]["by"] == "schedule"
    assert "- service bdc-transfer 不动产转移登记: withdrawn from 2026-11-28" in dated[0]["changes"]
    assert "~ opening hours: the hours dated 2026-11-28 take effect" in dated[0]["changes"]
    clock.set(at(2026, 11, 28, 10, 0))
    refused = kiosk.issue("bdc-transfer")
    assert refused["error"]["code"] == "not_found" and "从事项目录中取消" in refused["error"]["message"]
    clock.set(at(2026, 11, 28, 13, 0))
    assert kiosk.issue()["error"]["code"] == "closed"  # the dated Saturday hours: mornings only


def test_an_item_withdrawn_today_still_serves_those_waiting(plat_hall, site_file):
    hall = plat_hall
    sup, kiosk = hall.node("sup-1", "supervisor"), hall.node("kiosk-1", "kiosk")
    desk = hall.node("counter-W2", "counter")
    waiting = kiosk.issue("bdc-transfer")["ticket"]
    services = site_file.parent / "platform-services.yaml"
    text = services.read_text(encoding="utf-8").replace(
        "      limit_scene_num: 1\n      link_addr:",
        "      limit_scene_num: 1\n      plan_cancel_date: 2026-11-27\n      link_addr:",
    )
    services.write_text(text, encoding="utf-8")
    reply = sup.send(sup.t.supervisor_cmd("reload"), note="即日起停办")
    assert reply["ok"], reply
    assert kiosk.issue("bdc-transfer")["error"]["code"] == "not_found"
    desk.counter("W2", "open", operator_id="demo", pin="123456")
    assert desk.counter("W2", "call-next")["ticket"]["id"] == waiting["id"]
    assert desk.counter("W2", "finish", outcome="done")["ok"]


def test_a_file_edited_while_stopped_is_recorded_at_start(plat_hall, site_file):
    hall = plat_hall
    [first] = _config_events(hall)
    hall.stop_broker()
    services = site_file.parent / "platform-services.yaml"
    services.write_text(
        services.read_text(encoding="utf-8").replace("name: 社保缴费记录打印", "name: 社保缴费证明打印"),
        encoding="utf-8",
    )
    hall.start()
    events = _config_events(hall)
    assert [e["kind"] for e in events] == ["startup", "startup"]
    assert events[1]["from_version"] == first["version"] and events[1]["by"] == "start-up"
    hall.stop_broker()
    hall.start()  # the same file again: nothing more
    assert len(_config_events(hall)) == 2
