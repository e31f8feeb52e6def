"""The county overview's pure model (kiosk_app/supervisor/county.py) and the tablet's county settings,
without a window or a broker: folding two halls' bridged state and events into rows, the worst first."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kiosk_app.common.settings import SettingsError, load_settings
from kiosk_app.supervisor.county import CountyModel, row_dict
from kiosk_app.supervisor.county_feed import CountyFeed, site_filters
from kiosk_app.supervisor.settings import SupervisorSettings

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)


def queues(at, *rows):
    return {
        "at": at,
        "queues": [
            {
                "id": qid,
                "name": qid,
                "prefix": "A",
                "waiting": w,
                "longest_wait_s": lw,
                "estimated_wait_s": 0,
                "counter_ids": [],
            }
            for qid, w, lw in rows
        ],
    }


def status(at, online, role="broker"):
    return {"online": online, "role": role, "version": "1", "at": at}


def alert(at, aid, severity="yellow", state=None, **kw):
    return {
        "at": at,
        "id": aid,
        "kind": "wait_over_sla",
        "severity": severity,
        "message": "m",
        "rule": "wait_over_sla",
        "subject": "ZH",
        "state": state,
        **kw,
    }


def test_figures_of_one_hall():
    m = CountyModel(TZ)
    m.queues("town-a", queues(T0, ("ZH", 3, 600), ("SB", 0, 0), ("BDC", 2, 900)))
    m.node_status("town-a", "broker", status(T0, True))
    m.node_status("town-a", "kiosk-1", status(T0, False, "kiosk"))  # a kiosk offline: a fault
    m.node_status("town-a", "supervisor-1", status(T0, False, "supervisor"))  # a tablet off: not a fault
    m.device(
        "town-a",
        "counter-c01",
        "printer",
        {"kind": "printer", "ok": False, "state": "fault", "message": "缺纸", "at": T0},
    )
    m.device(
        "town-a",
        "counter-c02",
        "printer",
        {"kind": "printer", "ok": False, "state": "degraded", "message": "纸将尽", "at": T0},
    )  # degraded is not a fault
    m.device("town-a", "kiosk-2", "help", {"kind": "help", "ok": False, "state": "degraded", "message": "", "at": T0})
    m.event("town-a", "alert", alert(T0, "al-1", "red"))
    m.event("town-a", "alert", alert(T0, "al-2", "yellow"))
    m.event("town-a", "alert", alert(T0, "al-3", "yellow"))
    m.event("town-a", "alert", alert(T0 + timedelta(seconds=5), "al-3", "yellow", "acked"))
    m.event("town-a", "alert", {**alert(T0, "rec-1"), "recommendation_id": "rec-1", "state": None})
    for i in range(4):
        m.event(
            "town-a",
            "finished",
            {
                "at": T0,
                "ticket_id": f"t{i}",
                "number": f"A{i}",
                "queue_id": "ZH",
                "counter_id": "C1",
                "outcome": "done",
            },
        )
    m.event("town-a", "case", {"at": T0, "case_id": "CP-1", "kind": "bad_rating", "state": "opened", "action": "open"})
    row = m.row("town-a", T0 + timedelta(seconds=5))
    assert (row.link, row.age_s, row.waiting, row.longest_wait_s) == ("online", 5.0, 5, 900)
    assert (row.open_alerts, row.red_alerts) == (2, 1)  # acked and the recommendation do not count
    assert row.device_faults == 2  # the printer in fault, the kiosk offline
    assert (row.finished_today, row.bad_ratings_today, row.bad_share) == (4, 1, 0.25)
    d = row_dict(row)
    assert d["rating_text"] == "差评 1 / 办结 4（25%）" and d["level"] == "red" and d["longest"] == "15分00秒"
    # the hall's own alert list, as its tablet would show it: the broker's alerts, the fault, the help request
    kinds = {a["kind"] for a in m.halls["town-a"].book.rows(TZ)}
    assert {"wait_over_sla", "device", "help", "bad_rating", "recommendation"} <= kinds


def test_stale_offline_waiting_and_the_worst_first():
    m = CountyModel(TZ, stale_after_s=30)
    m.queues("quiet", queues(T0, ("ZH", 0, 0)))
    m.queues("busy", queues(T0, ("ZH", 9, 1500)))
    m.queues("alerting", queues(T0, ("ZH", 1, 60)))
    m.event("alerting", "alert", alert(T0, "al-1", "red"))
    m.queues("dark", queues(T0 - timedelta(minutes=5), ("ZH", 4, 300)))
    m.queues("down", queues(T0, ("ZH", 2, 120)))
    m.node_status("down", "broker", status(T0 + timedelta(seconds=1), False))  # its Last Will, bridged
    m.node_status("new", "broker", status(T0, True))  # online, no state yet
    rows = m.rows(T0 + timedelta(seconds=10))
    assert [r.site for r in rows] == ["down", "dark", "new", "alerting", "busy", "quiet"]
    assert [r.link for r in rows] == ["offline", "stale", "waiting", "online", "online", "online"]
    assert rows[1].age_s == 310
    assert row_dict(rows[1])["link_text"] == "数据过时 5分10秒"
    # the hall comes back: state newer than the Last Will
    m.node_status("down", "broker", status(T0 + timedelta(seconds=20), True))
    m.queues("down", queues(T0 + timedelta(seconds=21), ("ZH", 2, 140)))
    assert m.row("down", T0 + timedelta(seconds=22)).link == "online"
    # a fresh state after an older Last Will alone also means the broker is back
    m.node_status("dark", "broker", status(T0 - timedelta(minutes=4), False))
    m.queues("dark", queues(T0 + timedelta(seconds=30), ("ZH", 1, 10)))
    assert m.row("dark", T0 + timedelta(seconds=31)).link == "online"


def test_newest_state_by_at_wins_and_events_are_ordered_and_deduplicated():
    m = CountyModel(TZ)
    assert m.queues("a", queues(T0 + timedelta(seconds=10), ("ZH", 1, 10)))
    assert not m.queues("a", queues(T0, ("ZH", 7, 700)))  # re-sent late: older than what is shown
    assert m.row("a", T0 + timedelta(seconds=11)).waiting == 1
    called = [
        {
            "at": T0 + timedelta(seconds=s),
            "ticket_id": f"t{s}",
            "number": f"A{s}",
            "queue_id": "ZH",
            "counter_id": "C1",
            "counter_number": 1,
            "counter_name": "1",
            "recall": 0,
        }
        for s in (3, 1, 2)
    ]
    for ev in called:
        assert m.event("a", "called", ev)
    assert not m.event("a", "called", called[0])  # QoS 1 duplicate
    assert [e[2]["ticket_id"] for e in m.recent("a", "called")] == ["t3", "t2", "t1"]
    # an alert's cleared state that overtook its raised is not undone by the late raised
    m.event("a", "alert", alert(T0 + timedelta(seconds=30), "al-9", "info", "cleared"))
    m.event("a", "alert", alert(T0 + timedelta(seconds=20), "al-9", "red"))
    assert m.row("a", T0 + timedelta(seconds=31)).open_alerts == 0
    assert not m.halls["a"].book.alerts


def test_bad_ratings_annulled_and_counted_per_local_day():
    m = CountyModel(TZ)
    m.queues("a", queues(T0, ("ZH", 0, 0)))
    for cid in ("CP-1", "CP-2"):
        m.event("a", "case", {"at": T0, "case_id": cid, "kind": "bad_rating", "state": "opened", "action": "open"})
    m.event(
        "a",
        "case",
        {
            "at": T0 + timedelta(minutes=5),
            "case_id": "CP-2",
            "kind": "bad_rating",
            "state": "annulled",
            "action": "appeal-accept",
        },
    )
    m.event("a", "case", {"at": T0, "case_id": "TS-1", "kind": "complaint", "state": "accepted", "action": "open"})
    assert m.row("a", T0 + timedelta(minutes=6)).bad_ratings_today == 1
    assert m.row("a", T0 + timedelta(days=1)).bad_ratings_today == 0  # a new day
    assert row_dict(m.row("a", T0)).get("rating_text") == "差评 1 / 办结 0"


def test_satisfaction_rate_from_the_hall_s_day_counts_and_the_fallback_for_older_halls():
    feed = CountyFeed(None, CountyModel(TZ), [], lambda site: None)  # its parsing, without a broker
    m = feed.model
    day = {"day": T0.date().isoformat(), "good": 23, "bad": 2, "rated": 25, "finished": 30}
    for site, extra in (("new", {"ratings": day}), ("old", {})):
        state = {**queues(T0.isoformat(), ("ZH", 1, 60)), **extra}
        feed._message(json.dumps(state).encode(), f"hall/{site}/state/queues")
        # what the tablet saw since it started: one finished ticket and one bad-rating case
        feed._message(
            json.dumps(
                {
                    "at": T0.isoformat(),
                    "ticket_id": "t1",
                    "number": "A1",
                    "queue_id": "ZH",
                    "counter_id": "C1",
                    "outcome": "done",
                }
            ).encode(),
            f"hall/{site}/event/finished",
        )
        feed._message(
            json.dumps(
                {"at": T0.isoformat(), "case_id": "CP-1", "kind": "bad_rating", "state": "opened", "action": "open"}
            ).encode(),
            f"hall/{site}/event/case",
        )
    new, old = m.row("new", T0), m.row("old", T0)
    # the hall's own counts of the whole day beat the events seen since the tablet started
    assert (new.rated_today, new.good_today, new.bad_ratings_today, new.finished_today) == (25, 23, 2, 30)
    assert new.satisfaction == 0.92
    assert row_dict(new)["rating_text"] == "满意率 92%（评价 25，差评 2 / 办结 30）"
    assert row_dict(new)["satisfaction_pct"] == 92.0
    # an older hall sends no counts: bad-rating cases against finished tickets, as before
    assert old.rated_today is None and old.satisfaction is None
    assert row_dict(old)["rating_text"] == "差评 1 / 办结 1（100%）"
    # counts of another day (a hall silent since yesterday) are not today's: the fallback again
    assert m.row("new", T0 + timedelta(days=1)).rated_today is None
    # nobody rated yet today: no rate, and no division by zero
    m.queues(
        "new",
        {
            **queues(T0 + timedelta(seconds=1), ("ZH", 0, 0)),
            "ratings": {**day, "day": T0.date(), "good": 0, "bad": 0, "rated": 0},
        },
    )
    assert row_dict(m.row("new", T0))["rating_text"] == "满意率 —（评价 0，差评 0 / 办结 30）"


def test_only_the_named_halls_are_kept_and_subscribed():
    m = CountyModel(TZ, halls=["town-a", "town-b"])
    assert not m.queues("town-c", queues(T0, ("ZH", 1, 1)))
    assert set(m.halls) == {"town-a", "town-b"}
    assert [r.link for r in m.rows(T0)] == ["waiting", "waiting"]
    assert site_filters(["town-a"]) == ["hall/town-a/state/#", "hall/town-a/event/#", "hall/town-a/node/#"]
    assert site_filters([]) == ["hall/+/state/#", "hall/+/event/#", "hall/+/node/#"]


class _Node:
    id = "supervisor-1"

    def __init__(self, screen):
        self.screen = screen


def test_county_settings_are_checked():
    s = load_settings(
        SupervisorSettings,
        _Node({"county": {"url": "mqtts://county.example:8883", "halls": ["township-a"], "stale_after_s": 20}}),
    )
    assert s.county.halls == ["township-a"] and s.county.stale_after_s == 20
    assert load_settings(SupervisorSettings, _Node({})).county is None
    for bad, word in (
        ({"county": {"url": "mqtt://x", "hals": []}}, "hals"),
        ({"county": {"url": "http://x"}}, "mqtt://"),
        ({"county": {"halls": ["Town A"]}}, "Town A"),
        ({"county": {"halls": ["a", "a"]}}, "twice"),
        ({"county": {"stale_after_s": 0}}, "stale_after_s"),
    ):
        with pytest.raises(SettingsError, match=word):
            load_settings(SupervisorSettings, _Node(bad))
