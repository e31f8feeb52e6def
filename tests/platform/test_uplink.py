"""Ratings up through the real broker service, the real Mosquitto and a real HTTP endpoint (FakeProvince):
ratings and a 差评's rectification go through the outbox across a platform outage, a broker restart, an
endpoint that answers garbage, fails, acknowledges only part of a batch or acknowledges twice. Nothing is
lost (every rating and every rectification change is acknowledged in the end), nothing acknowledged is
sent again, and the pending count is on `state/platform` and `cmd/supervisor/uplink` all along."""

from __future__ import annotations

from collections import Counter

import pytest

from .conftest import at, until
from .fake_province import MAPPING, FakeProvince


@pytest.fixture
def province():
    fake = FakeProvince()
    yield fake
    fake.stop()


@pytest.fixture
def uplink_site(site_file, province):
    (site_file.parent / "province.yaml").write_text(MAPPING, encoding="utf-8")
    text = site_file.read_text(encoding="utf-8").replace(
        "  pickup_service_id: zh-result-pickup\n",
        "  pickup_service_id: zh-result-pickup\n"
        f"  ratings_endpoint: {province.url}\n"
        "  ratings_mapping: province.yaml\n"
        "  retry_base_s: 0.2\n"
        "  retry_max_s: 0.8\n"
        "  batch_size: 2\n",
    )
    site_file.write_text(text, encoding="utf-8")
    return site_file


def _platform_state(recorder):
    states = recorder.of("/state/platform")
    return states[-1] if states else None


def _serve_and_rate(hall, kiosk, desk, rater, level, reasons=None):
    t = kiosk.issue()["ticket"]
    assert desk.counter("W1", "call-next")["ticket"]["id"] == t["id"]
    desk.counter("W1", "finish", outcome="done")
    extra = {"reasons": reasons} if reasons else {}
    if rater.link.role == "gateway":  # the citizen's own page: cmd/ticket/rate with the ticket's status token
        reply = rater.send(rater.t.ticket_cmd("rate"), status_token=t["status_token"], level=level, **extra)
    else:  # the rating pad of the counter that served the ticket
        reply = rater.send(rater.t.counter_cmd("W1", "rating"), ticket_id=t["id"], level=level, **extra)
    assert reply["ok"], reply
    return t, reply


def test_ratings_reach_the_platform_across_an_outage_and_a_broker_restart(
    mosquitto, site_id, tmp_path, plat_clock, uplink_site, province
):
    from tests.broker.conftest import Hall, Recorder

    hall = Hall(mosquitto.url, site_id, tmp_path / "data", plat_clock, config_path=uplink_site)
    hall.start()
    rec = Recorder(hall.url, hall.site)
    try:
        kiosk, desk = hall.node("kiosk-1", "kiosk"), hall.node("counter-W1", "counter")
        sup, gateway = hall.node("sup-1", "supervisor"), hall.node("gateway", "gateway")
        desk.counter("W1", "open", operator_id="demo", pin="123456")
        # the platform is down (nothing listens on its port): three ratings wait in the outbox
        good, _ = _serve_and_rate(hall, kiosk, desk, desk, 5)
        qr, _ = _serve_and_rate(hall, kiosk, desk, gateway, 4)
        bad, bad_reply = _serve_and_rate(hall, kiosk, desk, desk, 1, ["服务态度差"])
        state = until(
            lambda: (s := _platform_state(rec)) and s["uplink"]["pending"] == 3 and s["uplink"]["last_error"] and s
        )
        assert "cannot reach the platform" in state["uplink"]["last_error"]
        status = sup.send(sup.t.supervisor_cmd("uplink"), action="status")
        assert {p["key"] for p in status["pending"]} == {f"{site_id}-{t['id']}" for t in (good, qr, bad)}
        assert all(p["attempts"] >= 1 for p in status["pending"])

        # the broker restarts while the platform is still down: the outbox is on disk
        hall.stop_broker()
        hall.start()
        assert sup.send(sup.t.supervisor_cmd("uplink"), action="status")["uplink"]["pending"] == 3

        # the platform comes back answering garbage, then failing: still nothing marked sent
        province.mode = "garbage"
        province.start()
        until(lambda: province.requests >= 1, what="a try against the garbage answer")
        assert "not JSON" in (sup.send(sup.t.supervisor_cmd("uplink"), action="status")["uplink"]["last_error"] or "")
        province.mode = "fail"
        n = province.requests
        until(lambda: province.requests > n, what="a try against HTTP 503")
        assert sup.send(sup.t.supervisor_cmd("uplink"), action="status")["uplink"]["pending"] == 3

        # partial acknowledgements, then acknowledging everything twice: all arrive, none is marked twice
        province.mode = "partial"
        until(lambda: len(province.acknowledged) >= 1, what="a partial acknowledgement")
        province.mode = "twice"
        assert sup.send(sup.t.supervisor_cmd("uplink"), action="retry-now")["ok"]
        until(lambda: (s := _platform_state(rec)) and s["uplink"]["pending"] == 0, what="pending 0")

        # the 差评's rectification moves on: the same record is sent again with it, once per change
        case_id = bad_reply["case"]["id"]
        for action, extra in (("verify", {}), ("rectify", {}), ("reply", {}), ("revisit", {"satisfied": True})):
            step = sup.send(
                sup.t.supervisor_cmd("case"), action=action, case_id=case_id, note=f"{action}：已处理", **extra
            )
            assert step["ok"], step
        until(
            lambda: any(
                r["evalId"].endswith(bad["id"]) and (r["rectification"] or {}).get("visitResult")
                for r in province.acknowledged_records()
            ),
            what="the revisit's record acknowledged",
        )
        until(lambda: (s := _platform_state(rec)) and s["uplink"]["pending"] == 0, what="pending 0 again")
    finally:
        rec.stop()
        hall.close()

    acked = province.acknowledged_records()
    versions = Counter((r["evalId"], r["version"]) for r in acked)
    assert max(versions.values()) == 1, "a record was acknowledged twice: it was sent again after its acknowledgement"
    by_id = Counter(r["evalId"] for r in acked)
    assert by_id[f"{site_id}-{good['id']}"] == 1 and by_id[f"{site_id}-{qr['id']}"] == 1
    assert by_id[f"{site_id}-{bad['id']}"] >= 2  # the first record, then again as its rectification moved on
    assert province.resent_after_ack == [], "an acknowledged record was sent again"
    assert len(province.arrivals) > len(acked)  # the failures did cost resends of what was not acknowledged
    last = {r["evalId"]: r for r in acked}
    b = last[f"{site_id}-{bad['id']}"]
    assert b["alternate"] == 1 and b["appraisalReasons"] == ["服务态度差"] and b["pf"] == "4" and b["windowNo"] == "1"
    assert (
        b["rectification"]["rectifyStatus"] == "revisited"
        and b["rectification"]["visitResult"] == "满意：revisit：已处理"
    )
    assert last[f"{site_id}-{qr['id']}"]["pf"] == "3"  # rated on the citizen's own page (the gateway)
    assert last[f"{site_id}-{good['id']}"]["staffNo"] == "demo" and last[f"{site_id}-{good['id']}"]["isDefault"] == "0"
    assert all("idNumber" not in r and "name" not in r for r in province.arrivals)


def test_the_outbox_keeps_one_pending_revision_and_ignores_stale_or_double_acks(tmp_path):
    from queue_broker.platform.outbox import PlatformOutbox, revision_of

    box = PlatformOutbox(str(tmp_path / "o.db"))
    now = at(2026, 11, 27, 9, 0)
    assert box.put("rating", "e1", {"level": 5}, now) is True
    assert box.put("rating", "e1", {"level": 5}, now) is False  # the same content: nothing new
    [p] = box.due("rating", now, 10)
    box.failed([p], "down", now, base_s=1.0, max_s=8.0)
    assert box.due("rating", now, 10) == [] and box.pending()[0].attempts == 1
    [p] = box.pending()
    box.failed([p], "down", now, base_s=1.0, max_s=8.0)
    assert box.pending()[0].next_try_at == (now.replace(second=2)).isoformat()  # 1 s, then 2 s
    assert box.put("rating", "e1", {"level": 5, "rectification": "verified"}, now) is True  # a new revision
    assert box.acked("rating", "e1", revision_of({"level": 5}), now) is False  # an old revision: still pending
    assert box.summary("rating")["pending"] == 1
    new = revision_of({"level": 5, "rectification": "verified"})
    assert box.acked("rating", "e1", new, now) is True
    assert box.acked("rating", "e1", new, now) is False  # acknowledged twice: once is enough
    assert box.put("rating", "e1", {"level": 5, "rectification": "verified"}, now) is False  # already sent
    assert box.summary("rating") == {
        "pending": 0,
        "acked": 1,
        "oldest_pending_at": None,
        "next_try_at": None,
        "last_ack_at": now.isoformat(),
        "last_error": None,
    }
    box.close()
