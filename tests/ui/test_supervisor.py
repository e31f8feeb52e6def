"""The supervisor tablet, a real Kivy app in its own process, against the real queue broker wired as
in production (electronic monitoring, the tidal rebalancer, the device-health feed) on a real
Mosquitto. The broker's clock is injected so that an hour of the hall passes in seconds.

The supervisor logs in, sees queues, counters and alerts (waits over SLA from the broker's monitor,
a kiosk's help request, a device fault, a window recommendation) and handles them, locks a tidal
counter and assigns it to 社保, and the rebalancer leaves it alone: a probe rebalancer that wants to
move that counter on every tick is refused by the engine while the lock holds."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from queue_broker.engine.commands import RaiseAlert, RebalanceCounter
from tests.waiting import wait_for

from ..clock import Clock as FakeClock
from .hall import write_site
from .harness import HallParts, log_in_supervisor, step

pytestmark = [pytest.mark.ui, pytest.mark.timeout(240)]

TZ = ZoneInfo("Asia/Shanghai")
T2 = {"id": "T2", "number": 13, "name": "13号窗口 潮汐", "home": ["ZH"], "eligible": ["ZH", "SB", "BDC"], "tidal": True}


class ProbeRebalancer:
    """A rebalancer that always wants to move the tidal counters: T1 to 不动产, T2 to 社保. The engine
    must refuse it for a locked counter, whatever it proposes."""

    __name__ = "probe_rebalancer"

    def __init__(self):
        self.targets = {"T1": ("BDC",), "T2": ("SB",)}
        self.proposed_while_locked = 0
        self.calls = 0

    def __call__(self, engine, now):
        self.calls += 1
        commands = []
        for cid, target in self.targets.items():
            c = engine.counters[cid]
            if list(c.queue_ids) != list(target):
                if c.locked:
                    self.proposed_while_locked += 1
                commands.append(RebalanceCounter(cid, target, "探针：总想移动这个窗口"))
        return commands


class Recommender:
    """Stands in for the rebalancer's open/close recommendations: one, once."""

    __name__ = "recommender"

    def __init__(self):
        self.armed = False
        self.sent = False

    def __call__(self, engine, now):
        if not self.armed or self.sent:
            return []
        self.sent = True
        return [
            RaiseAlert(
                "rec-open-sb-1",
                "recommendation",
                "yellow",
                "社保等候较长，建议增开 1 个社保窗口（约 15 分钟）",
                {"recommendation_id": "rec-open-sb-1", "queue_id": "SB", "action": "open"},
            )
        ]


def test_supervisor_handles_the_hall_and_the_lock_holds(mosquitto, site_id, tmp_path):
    clock = FakeClock(datetime(2026, 11, 27, 9, 0, tzinfo=TZ))
    probe, recommender = ProbeRebalancer(), Recommender()
    site = write_site(tmp_path, site_id, extra_counters=[T2], rebalancer=True)
    with HallParts(mosquitto.url, site_id, tmp_path) as hall:
        broker = hall.broker(
            site, tick_tasks=[probe, recommender], clock=clock, tick_interval_s=0.25, production_tasks=True
        )
        kiosk = hall.node("kiosk-1", "kiosk")
        desk = hall.node("counter-x", "counter")
        watcher = hall.node("recorder", "supervisor")
        watcher.record(watcher.t.all_events())
        sup = hall.screen("supervisor", site, "supervisor-1", "sup")
        sup.connect()
        sup.wait_for(lambda s: s["online"] and s["queue_rows"], 30, "the first state")

        with step("login"):
            sup.type("login.supervisor", "super")
            sup.type("login.pin", "000000")
            sup.tap("login.submit")
            sup.wait_for(lambda s: s["login_error"], 10, "a wrong PIN refused")
            sup.type("login.supervisor", "super")
            sup.type("login.pin", "123456")
            sup.screenshot("supervisor-login")
            sup.tap("login.submit")
            sup.wait_for(lambda s: s["screen"] == "hall" and s["supervisor_name"] == "演示主管", 10, "logged in")

        with step("an hour of the hall in seconds: citizens arrive faster than two windows serve them"):
            desk.open_counters("W1", "W2")
            for i in range(12):
                for service in (
                    ("zh-general", "zh-general", "sb-card", "bdc-transfer") if i % 2 else ("zh-general", "sb-card")
                ):
                    kiosk.issue(service)
                clock.advance(minutes=5)
                for counter in ("W1", "W2"):
                    desk.send(desk.t.counter_cmd(counter, "call-next"))
            # the broker's monitor raises a wait-over-SLA alert; the tablet shows it in red
            st = sup.wait_for(lambda s: any(a["kind"] == "wait_over_sla" for a in s["alerts"]), 15, "a wait alert")
            assert any(r["level"] == "red" for r in st["queue_rows"])

        with step("a kiosk asks for help, a printer fails: both show at once"):
            now = clock().isoformat()
            kiosk.link.set_retained(
                kiosk.t.device("kiosk-1", "help"),
                {"kind": "help", "ok": False, "state": "degraded", "message": "1号自助机需要帮办代办", "at": now},
            )
            kiosk.link.set_retained(
                kiosk.t.device("kiosk-1", "printer"),
                {"kind": "printer", "ok": False, "state": "fault", "message": "打印机缺纸", "at": now},
            )
            recommender.armed = True
            st = sup.wait_for(
                lambda s: {"help", "device", "recommendation"} <= {a["kind"] for a in s["alerts"]},
                15,
                "help, device fault and recommendation alerts",
            )
            sup.screenshot("supervisor-hall")

        with step("acknowledge: the help request (on the tablet), a wait alert (on the broker)"):
            sup.tap("alert.ack.help:kiosk-1")
            sup.wait_for(
                lambda s: next(a for a in s["alerts"] if a["key"] == "help:kiosk-1")["acked"], 10, "help acked"
            )
            wait = next(a for a in st["alerts"] if a["kind"] == "wait_over_sla")
            sup.tap(f"alert.ack.{wait['key']}")
            sup.wait_for(lambda s: next(a for a in s["alerts"] if a["key"] == wait["key"])["acked"], 10, "wait acked")
            assert broker.engine.alerts[wait["key"].split(":", 1)[1]].acked_at is not None

        with step("accept the window recommendation"):
            sup.tap("alert.accept.broker:rec-open-sb-1")
            sup.wait_for(
                lambda s: next(a for a in s["alerts"] if a["key"] == "broker:rec-open-sb-1")["decision"] == "accept",
                10,
                "recommendation accepted",
            )
            assert broker.engine.alerts["rec-open-sb-1"].data["decision"] == "accept"

        with step("the probe rebalancer moves the unlocked tidal counters"):
            wait_for(lambda: broker.engine.counters["T1"].queue_ids == ["BDC"], 10, "T1 moved to BDC by the rebalancer")
            moved = [d for _, d in broker.events("rebalanced") if d["counter_id"] == "T1" and d["by"] == "rebalancer"]
            assert moved

        with step("lock T1 and assign it to 社保, by touch"):
            sup.tap("hall.counter.T1")
            st = sup.wait_for(
                lambda s: s["screen"] == "counter" and s["edit"].get("id") == "T1", 10, "the counter screen"
            )
            for q in ("ZH", "BDC", "SB"):
                if (q in st["edit"]["queue_ids"]) != (q == "SB"):
                    sup.tap(f"counter.queue.{q}")
            sup.tap("counter.lock")
            st = sup.wait_for(lambda s: s["edit"]["queue_ids"] == ["SB"] and s["edit"]["locked"], 5, "the edit")
            assert st["edit"]["mode"] == "tidal"
            sup.screenshot("supervisor-counter")
            sup.tap("counter.save")
            sup.wait_for(lambda s: s["screen"] == "hall", 10, "saved")
            t1 = broker.engine.counters["T1"]
            assert (t1.queue_ids, t1.mode, t1.locked) == (["SB"], "tidal", True)

        with step("the rebalancers keep running (an hour more of broker time); the lock holds"):
            before = probe.proposed_while_locked
            for _ in range(12):
                clock.advance(minutes=5)
                calls = probe.calls  # a whole tick of the broker after the advance (one may be under way)
                wait_for(lambda n=calls: probe.calls >= n + 2, 10, "the broker's tick after the clock moved")
            t1 = broker.engine.counters["T1"]
            assert (t1.queue_ids, t1.mode, t1.locked) == (["SB"], "tidal", True)
            assert probe.proposed_while_locked - before >= 5  # refused every time
            assert broker.engine.counters["T2"].queue_ids != ["ZH"] or any(
                d["counter_id"] == "T2" for _, d in broker.events("rebalanced")
            )  # the unlocked one was moved
            tile = sup.wait_for(lambda s: any(t["id"] == "T1" and t["locked"] for t in s["counter_tiles"]), 5)
            assert next(t for t in tile["counter_tiles"] if t["id"] == "T1")["queues_text"] == "社保"

        with step("broadcast a notice"):
            sup.tap("nav.notice")
            sup.wait_for(lambda s: s["screen"] == "notice", 5)
            sup.type("notice.text", "今日下午不动产登记窗口延时服务至 18:00")
            sup.screenshot("supervisor-notice")
            sup.tap("notice.send.120")
            sup.wait_for(lambda s: s["screen"] == "hall", 10, "sent")
            notice = wait_for(lambda: watcher.of("/event/notice"), 5, "event/notice")[-1]
            assert notice["text"] == "今日下午不动产登记窗口延时服务至 18:00" and notice["until"]

        with step("the day's chart"):
            sup.tap("nav.chart")
            st = sup.wait_for(lambda s: s["chart_phase"] == "ready", 30, "the chart")
            assert st["metrics"]["charts"] >= 1
            sup.screenshot("supervisor-chart")
            assert sup.state()["ui_errors"] == 0


def test_an_alert_below_the_fold_is_scrolled_to_and_acknowledged(mosquitto, site_id, tmp_path):
    """More alerts than the list shows: the supervisor scrolls to the oldest and acknowledges it (the
    remote control's tap scrolls a list as a person would; it must reach a row out of view)."""
    clock = FakeClock(datetime(2026, 11, 27, 9, 0, tzinfo=TZ))
    site = write_site(tmp_path, site_id)
    with HallParts(mosquitto.url, site_id, tmp_path) as hall:
        hall.broker(site, clock=clock, tick_interval_s=0.25)
        kiosk = hall.node("kiosk-1", "kiosk")
        sup = hall.screen("supervisor", site, "supervisor-1", "sup")
        sup.connect()
        sup.wait_for(lambda s: s["online"] and s["queue_rows"], 30, "the first state")
        log_in_supervisor(sup)
        kinds = ["printer", "idcard", "scanner", "camera", "keypad", "led"]
        for i, kind in enumerate(kinds):
            clock.advance(minutes=1)
            kiosk.link.set_retained(
                kiosk.t.device("kiosk-1", kind),
                {"kind": kind, "ok": False, "state": "fault", "message": f"故障{i}", "at": clock().isoformat()},
            )
        st = sup.wait_for(lambda s: len(s["alerts"]) >= len(kinds), 15, "every fault listed")
        oldest = st["alerts"][-1]
        assert f"alert.ack.{oldest['key']}" not in {w["tid"] for w in sup.call("widgets")}, (
            "the list should overflow: its oldest row out of view"
        )
        sup.tap(f"alert.ack.{oldest['key']}")
        sup.wait_for(
            lambda s: next(a for a in s["alerts"] if a["key"] == oldest["key"])["acked"], 10, "the oldest acknowledged"
        )
