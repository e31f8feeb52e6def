"""The supervisor tablet's I/O: what it reads (state, events, node and device health) and what it
sends (login, assign, alert-ack, recommendation, notice, case list), on Kivy's UI thread.

With `county:` in its settings it also reads the county's broker (county_feed.py): the overview of
every hall, and any other hall's views read-only (nothing is ever sent to the county)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from kivy.clock import Clock

from queue_broker.protocol import (
    AlertEvent,
    CatalogState,
    CountersState,
    DeviceHealth,
    FinishedEvent,
    NodeStatus,
    NoticeEvent,
    QueuesState,
    RebalancedEvent,
)

from ..common.hall_client import HallClient
from ..common.hall_text import short_name
from ..common.handover_targets import confirmed_target, handover_payload, sent_text, target_rows
from ..common.priority_issue import PriorityIssuing
from ..common.staff import StaffController
from .alerts import AlertBook
from .chart import DayData, render_png
from .county import CountyModel, row_dict
from .county_feed import CountyFeed
from .desk_control import DESK_SCREENS, SupervisorDeskControl
from .lookup_control import LookupControl
from .plan_control import PlanDeskControl
from .state import SupervisorState

log = logging.getLogger(__name__)


# cases: desk_control.py; 查找: lookup_control.py; 计划: plan_control.py
class SupervisorController(PriorityIssuing, LookupControl, PlanDeskControl, SupervisorDeskControl, StaffController):
    priority_role = "supervisor"

    def __init__(
        self, config, node, settings, state: SupervisorState, client: HallClient, clock: Callable[[], datetime]
    ):
        super().__init__(config, node, settings, state, client, clock)
        self.counter_names = {c.id: c.name for c in config.counters}
        node_names = {n.id: node_name(n, self.counter_names) for n in config.nodes}
        self.book = AlertBook(node_names, self.counter_names)
        self.day = DayData(self.queue_names)
        self.metrics.update(alerts_seen=0, charts=0)
        self.chart_png: bytes | None = None
        self.catalog: CatalogState | None = None  # the items a priority ticket is issued for
        self._alert_events: dict[str, dict] = {}
        state.site_name = config.site.short_name or config.site.name
        # the own hall's latest state, kept apart: the hall screen may be showing another hall
        self._own_queues: list[dict] = []
        self._own_hall: dict | None = None
        self._own_counters: list[dict] = []
        self._own_rebalances: list[str] = []
        self.county: CountyModel | None = None
        self.county_feed: CountyFeed | None = None
        county = getattr(settings, "county", None)
        if county is not None:
            self.county = CountyModel(
                self.tz, county.halls, county.stale_after_s, names={config.site.id: state.site_name}
            )
            state.county_enabled = True
        state.handover_targets = target_rows([t.model_dump() for t in getattr(settings, "handover_sites", [])])

    # ================================================================== life cycle
    def start(self) -> None:
        t = self.topics
        c = self.client
        c.on_online(self._online)
        c.watch(t.state_queues(), QueuesState, self._queues)
        c.watch(t.state_counters(), CountersState, self._counters)
        c.watch(t.state_catalog(), CatalogState, self._catalog)
        c.watch(t.event("alert"), AlertEvent, self._alert)
        c.watch(t.event("case"), None, self._case)
        c.watch(t.event("rebalanced"), RebalancedEvent, self._rebalanced)
        c.watch(t.event("finished"), FinishedEvent, self._finished)
        c.watch(t.event("notice"), NoticeEvent, self._notice)
        c.watch(f"{t.root}/node/+/status", NodeStatus, self._node_status)
        c.watch(f"{t.root}/node/+/device/+", DeviceHealth, self._device)
        self._events.append(Clock.schedule_interval(lambda _dt: self.tick(), 1.0))
        self.start_desk()
        self.start_lookup()
        self.start_plan()
        self._start_county()
        self.tick()

    def _start_county(self) -> None:
        county = getattr(self.settings, "county", None)
        if self.county is None or county is None:
            return
        url = os.environ.get("HALL_COUNTY_MQTT_URL") or county.url
        if not url:
            self.state.say("未配置县平台地址（HALL_COUNTY_MQTT_URL）：全县概览不可用", "warn")
            return
        client = HallClient(
            self.config,
            f"{self.node.id}-county",
            "supervisor",
            url=url,
            ca_file=county.ca_file,
            reconnect_max_s=self.settings.reconnect_max_s,
        )
        client.on_online(self._county_online)
        self.county_feed = CountyFeed(client, self.county, county.halls, self._county_changed)
        self.county_feed.start()

    def stop(self) -> None:
        super().stop()
        if self.county_feed is not None:
            self.county_feed.stop()

    def tick(self) -> None:
        super().tick()
        if self.county is not None:
            self._refresh_county()  # a hall turns stale by time alone

    def _refresh_alerts(self) -> None:
        book = self.book if not self.state.viewing else self._county.halls[self.state.viewing].book
        self.state.alerts = book.rows(self.tz)
        self.state.open_alerts = book.open_count()
        s = self.state
        if s.answer and not s.answer_gone and s.answer.get("key") not in self.book.alerts:
            s.answer_gone = True  # the kiosk withdrew the call: the citizen left
        self._refresh_app_alerts()

    def _read_only(self, doing: str) -> bool:
        """True (and says so) when the hall screen shows another hall: it is only read from the county."""
        if self.state.read_only:
            self.state.say(f"{self.state.viewing_name} 的数据来自县平台，只能查看，不能{doing}", "warn")
        return self.state.read_only

    # ================================================================== requests
    def _may_send(self, doing: str) -> bool:
        return not self._read_only(doing)

    # ================================================================== login
    def _log_in(self, supervisor_id: str, pin: str, refused: Callable[[dict], None]) -> None:
        s = self.state

        def ok(reply: dict) -> None:
            sup = reply.get("supervisor") or {}
            s.supervisor_id = sup.get("id", supervisor_id)
            s.supervisor_name = sup.get("name", supervisor_id)
            s.screen = "hall"
            s.say(f"{s.supervisor_name} 已登录", "info")
            self.load_cases()

        self._send(
            self.topics.supervisor_cmd("login"), {"supervisor_id": supervisor_id, "pin": pin}, "登录", ok, refused
        )

    def logout(self) -> None:
        s = self.state
        if s.viewing:
            self.show_hall("")  # the next supervisor starts at their own hall
        s.supervisor_id = ""
        s.supervisor_name = ""
        s.edit = {}
        s.screen = "login"

    def load_cases(self) -> None:
        """Open bad-rating cases at login: event/case is not retained."""

        def ok(reply: dict) -> None:
            now = self.clock()
            for case in reply.get("cases") or []:
                self.book.case(
                    {
                        "case_id": case["id"],
                        "kind": case["kind"],
                        "state": case["state"],
                        "counter_id": case.get("counter_id"),
                        "deadline_text": _local(case.get("deadline"), self.tz),
                    },
                    now,
                )
            self._refresh_alerts()

        self._send(self.topics.supervisor_cmd("case"), {"action": "list"}, "读取差评案件", ok)

    # ================================================================== navigation
    def go(self, screen: str) -> None:
        if not self.state.supervisor_id:
            return
        if screen in ("chart", "notice") and self._read_only("发布公告" if screen == "notice" else "查看本厅趋势图"):
            return
        if screen == "county" and self.county is None:
            return
        if screen == "priority":
            if not self._read_only("核发优先号"):
                self.open_priority()
            return
        if screen in DESK_SCREENS and self._read_only("办理案件与办件"):
            return
        if screen == "lookup" and self._read_only("查找和处理本厅的号"):
            return
        if screen == "lookup":
            self.refresh_lookup()  # the list as it is now
        if screen == "plan" and self._read_only("查看本厅计划与调用后台人员"):
            return
        self.state.screen = screen
        if screen in DESK_SCREENS:
            self.desk_shown(screen)
        if screen == "plan":
            self.plan_shown()
        if screen == "chart":
            self.draw_chart()
        if screen == "county":
            self._refresh_county()

    # ================================================================== the county overview
    def _county_online(self, online: bool) -> None:
        self.state.county_online = online

    def _county_changed(self, site: str) -> None:
        self._refresh_county()
        if site == self.state.viewing:
            self._show_remote(site)

    @property
    def _county(self) -> CountyModel:
        """The county overview's model, where only a tablet with the overview on gets (a hall of the county
        is shown, or its rows refreshed)."""
        assert self.county is not None, "the county overview is off"
        return self.county

    def _refresh_county(self) -> None:
        rows = [row_dict(r) for r in self._county.rows(self.clock())]
        if rows != list(self.state.county_rows):
            self.state.county_rows = rows
        me = next((r for r in rows if r["site"] == self.state.viewing), None)
        if me is not None:
            self.state.viewing_link = me["link_text"]

    def show_hall(self, site: str) -> None:
        """The hall screen for `site`: this tablet's own hall as usual, any other read-only from the county."""
        s = self.state
        if not s.supervisor_id:
            return
        s.edit = {}
        if not site or site == self.config.site.id:
            s.viewing, s.viewing_name, s.viewing_link, s.read_only = "", "", "", False
            th = self.config.alerts
            s.set_queues(self._own_queues, th.wait_yellow_pct_of_sla, th.wait_red_pct_of_sla, self._own_hall)
            s.set_counters(self._own_counters, self.queue_names)
            s.rebalances = list(self._own_rebalances)
            self._refresh_alerts()
        elif self.county is not None and site in self.county.halls:
            s.viewing, s.read_only = site, True
            self._show_remote(site)
            self._refresh_county()
        else:
            return
        s.screen = "hall"

    def _show_remote(self, site: str) -> None:
        s = self.state
        hall = self._county.halls[site]
        s.viewing_name = hall.name or site
        th = self.config.alerts  # the county's thresholds: a township's own are not bridged
        s.set_queues(hall.queues, th.wait_yellow_pct_of_sla, th.wait_red_pct_of_sla)
        s.set_counters(hall.counters, {q["id"]: q["name"] for q in hall.queues})
        s.rebalances = [
            f"{at.astimezone(self.tz):%H:%M} {ev.get('counter_number') or ''}号窗口 → "
            + "、".join(short_name(q) for q in ev["to_queue_ids"])
            for at, _k, ev in self._county.recent(site, "rebalanced", 6)
        ]
        self._refresh_alerts()

    # ================================================================== adjusting a counter
    def open_counter(self, counter_id: str) -> None:
        if self._read_only("调整窗口"):
            return
        tile = next((t for t in self.state.counter_tiles if t["id"] == counter_id), None)
        if tile is None:
            return
        self.state.open_edit(tile)
        self.state.screen = "counter"

    def toggle_queue(self, queue_id: str) -> None:
        self.state.edit_toggle_queue(queue_id)

    def set_mode(self, mode: str) -> None:
        self.state.edit_set(mode=mode)

    def set_locked(self, locked: bool) -> None:
        self.state.edit_set(locked=bool(locked))

    def save_counter(self) -> None:
        s = self.state
        e = dict(s.edit)
        if not e:
            return
        if not e["queue_ids"]:
            s.say("至少选择一个队列", "warn")
            return
        names = "、".join(short_name(self.queue_names.get(q, q)) for q in e["queue_ids"])

        def ok(reply: dict) -> None:
            s.edit = {**s.edit, "dirty": False}
            lock = "，已锁定（潮汐调度不会移动它）" if e["locked"] else ""
            s.say(f"{e['name']}：办理 {names}，{'潮汐' if e['mode'] == 'tidal' else '固定'}窗口{lock}", "info")
            s.screen = "hall"

        self._send(
            self.topics.supervisor_cmd("assign"),
            {"counter_id": e["id"], "queue_ids": list(e["queue_ids"]), "mode": e["mode"], "locked": e["locked"]},
            "调整窗口",
            ok,
        )

    def hand_over(self, index: int) -> None:
        """Hand the citizen at the counter being looked at over to another hall (`cmd/supervisor/handover`,
        同城通办). A hand-over cannot be taken back here, so the first tap only asks, the second sends."""
        s = self.state
        e = dict(s.edit)
        if not e.get("serving_ticket_id"):
            s.say("该窗口没有正在办理的群众", "warn")
            return
        target = confirmed_target(s, "handover_armed", index, e["serving"])
        if target is None:
            return
        payload = handover_payload(e["serving_ticket_id"], target)

        def ok(reply: dict) -> None:
            s.say(sent_text(e["serving"], target["name"], reply) + f"；{e['name']}已空闲", "info")
            s.edit = {}
            s.screen = "hall"

        self._send(self.topics.supervisor_cmd("handover"), payload, "转交", ok)

    def back(self) -> None:
        self.state.handover_armed = -1
        self.state.edit = {}
        self.state.answer = {}
        self.state.screen = "hall"

    # ================================================================== priority issued here (common/priority_issue.py)
    def priority_topic(self) -> str:
        return self.topics.supervisor_cmd("issue-priority")

    def priority_who(self) -> dict:
        return {"supervisor_id": self.state.supervisor_id}

    def _catalog(self, msg: CatalogState, _topic: str) -> None:
        self.catalog = msg

    # ================================================================== a kiosk's call for staff
    def open_answer(self, key: str) -> None:
        """Answer a kiosk's call (`event/alert` rule `help`): who goes, or where the citizen should go."""
        if self._read_only("答复求助"):
            return
        row = next((r for r in self.state.alerts if r["key"] == key), None)
        if row is None or not row.get("answer"):
            return
        self.state.open_answer(row)
        self.state.screen = "answer"

    def answer_with(self, index: int) -> None:
        choices = self.state.answer_choices
        if 0 <= index < len(choices):
            self.state.answer_note = choices[index]

    def set_answer_note(self, text: str) -> None:
        self.state.answer_note = text[:200]

    def send_answer(self) -> None:
        """`alert-ack` with the note: the broker records who answered what, and the call stops counting as
        unanswered (HallHelpCallUnanswered)."""
        s = self.state
        key = s.answer.get("key", "")
        alert = self.book.alerts.get(key)
        note = s.answer_note.strip()
        if alert is None or s.answer_gone:
            s.say("群众已离开自助机，求助已撤回，无需答复", "info")
            self.back()
            return
        if not note:
            s.say("请选择或填写答复", "warn")
            return
        where = s.answer.get("message", "").split("：", 1)[0]

        def ok(reply: dict) -> None:
            self.book.answered(key, note)
            self._refresh_alerts()
            s.say(f"已答复 {where}：{note}", "info")
            self.back()

        def refused(reply: dict) -> None:
            if (reply.get("error") or {}).get("code") == "not_found":
                s.say("该求助已结束（自助机已撤回），无需答复", "info")
                self.back()

        self._send(
            self.topics.supervisor_cmd("alert-ack"),
            {"alert_id": alert.broker_id, "note": note},
            "答复求助",
            ok,
            refused,
            key=f"answer:{key}",
        )

    # ================================================================== alerts
    def ack(self, key: str) -> None:
        if self._read_only("确认提醒"):
            return
        alert = self.book.alerts.get(key)
        if alert is None:
            return
        if alert.broker_id is None:
            self.book.ack_local(key)
            self._refresh_alerts()
            return

        def ok(reply: dict) -> None:
            self.book.ack_local(key)
            self._refresh_alerts()

        self._send(
            self.topics.supervisor_cmd("alert-ack"),
            {"alert_id": alert.broker_id, "note": self.state.supervisor_id},
            "确认提醒",
            ok,
        )

    def decide(self, key: str, decision: str) -> None:
        if self._read_only("处理开窗建议"):
            return
        alert = self.book.alerts.get(key)
        if alert is None or not alert.recommendation_id:
            return

        def ok(reply: dict) -> None:
            self.book.decided(key, decision)
            self._refresh_alerts()
            self.state.say(("已接受" if decision == "accept" else "已拒绝") + "开窗建议", "info")

        self._send(
            self.topics.supervisor_cmd("recommendation"),
            {"recommendation_id": alert.recommendation_id, "decision": decision},
            "处理开窗建议",
            ok,
        )

    # ================================================================== notices
    def send_notice(self, text: str, minutes: int | None) -> None:
        text = text.strip()
        if not text:
            self.state.say("请输入公告内容", "warn")
            return
        payload: dict[str, Any] = {"text": text}
        if minutes:
            payload["until"] = (self.clock() + timedelta(minutes=minutes)).isoformat()

        def ok(reply: dict) -> None:
            self.state.say("公告已发布到大厅叫号屏", "info")
            self.state.screen = "hall"

        self._send(self.topics.supervisor_cmd("notice"), payload, "发布公告", ok)

    # ================================================================== chart
    def draw_chart(self) -> None:
        from ..common.fonts import find_cjk_font

        s = self.state
        s.chart_phase = "drawing"
        w, h = self.settings.width - 40, int(self.settings.height * 0.72)
        font = find_cjk_font()
        title = f"{self.config.site.short_name or self.config.site.name} 今日各队列等候人数与平均等候时间"

        def done(png: bytes) -> None:
            self.chart_png = png
            self.metrics["charts"] += 1
            s.chart_phase = "ready"
            s.chart_version += 1

        def failed(exc: Exception) -> None:
            log.exception("the chart could not be drawn", exc_info=exc)
            s.chart_phase = "failed"

        self.client.run_in_background(
            lambda: render_png(self.day, self.tz, font, w, h, title), on_done=done, on_error=failed
        )

    # ================================================================== what the hall publishes
    def _queues(self, msg: QueuesState, _topic: str) -> None:
        self._last_state_mono = time.monotonic()
        queues = [q.model_dump() for q in msg.queues]
        self._own_queues = queues
        self._own_hall = msg.hall.model_dump() if msg.hall else None
        th = self.config.alerts
        if not self.state.viewing:
            self.state.set_queues(queues, th.wait_yellow_pct_of_sla, th.wait_red_pct_of_sla, self._own_hall)
        self.day.sample(msg.at, queues)

    def _counters(self, msg: CountersState, _topic: str) -> None:
        self._last_state_mono = time.monotonic()
        self._own_counters = [c.model_dump() for c in msg.counters]
        if not self.state.viewing:
            self.state.set_counters(self._own_counters, self.queue_names)

    def _alert(self, msg: AlertEvent, _topic: str) -> None:
        self.metrics["alerts_seen"] += 1
        self.book.broker_alert(msg.model_dump(), msg.at)
        self._refresh_alerts()

    def _case(self, payload: bytes, _topic: str) -> None:
        import json

        try:
            ev = json.loads(payload)
        except ValueError:
            return
        if not isinstance(ev, dict) or "case_id" not in ev:
            return
        ev["deadline_text"] = _local(ev.get("deadline"), self.tz)
        self.book.case(ev, self.clock())
        self._refresh_alerts()

    def _device(self, msg: DeviceHealth, topic: str) -> None:
        parts = topic.split("/")
        node, device = parts[-3], parts[-1]
        self.book.device_health(node, device, msg.model_dump(), msg.at)
        self._refresh_alerts()

    def _node_status(self, msg: NodeStatus, topic: str) -> None:
        node = topic.split("/")[-2]
        self.book.node_status(node, msg.online, msg.role, msg.at)
        self._refresh_alerts()

    def _rebalanced(self, ev: RebalancedEvent, _topic: str) -> None:
        names = "、".join(short_name(self.queue_names.get(q, q)) for q in ev.to_queue_ids)
        who = "潮汐调度" if ev.by == "rebalancer" else "主管"
        line = f"{ev.at.astimezone(self.tz):%H:%M} {ev.counter_number or ''}号窗口 → {names}（{who}）"
        self._own_rebalances = [line, *self._own_rebalances][:6]
        if not self.state.viewing:
            self.state.rebalances = list(self._own_rebalances)

    def _finished(self, ev: FinishedEvent, _topic: str) -> None:
        self.day.finished(ev.at, ev.queue_id, ev.waited_s)

    def _notice(self, ev: NoticeEvent, _topic: str) -> None:
        self.state.notices = [{"time": f"{ev.at.astimezone(self.tz):%H:%M}", "text": ev.text}, *self.state.notices][:10]


def node_name(node, counter_names: dict[str, str]) -> str:
    """How staff call a node: its screen's display_name, else 1号自助机 / the counter's name / its id."""
    import re

    name = (node.screen or {}).get("display_name")
    if name:
        return name
    if node.role == "counter" and node.counter_id in counter_names:
        return counter_names[node.counter_id]
    m = re.search(r"(\d+)$", node.id)
    if node.role == "kiosk" and m:
        return f"{int(m.group(1))}号自助机"
    return node.id


def _local(iso: str | None, tz) -> str:
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).astimezone(tz).strftime("%m月%d日")
    except ValueError:
        return ""
