"""The counter terminal's I/O: counter commands to the broker, the counter's devices (caller keypad,
rating pad, printer, LED strip), keyboard shortcuts. Buttons, keys and keypad all end up here, in
the same methods, on Kivy's UI thread.

Never a double call: one request at a time (every button is disabled and every key ignored while
one is in flight), and a request that timed out is sent again with the same request_id when the
operator tries again, so the broker answers it without acting twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Keyboard, Window

from devices.health import HealthReporter
from devices.keypad import rating_level
from queue_broker.config.models import BAD_RATING_REASONS
from queue_broker.protocol import (
    CatalogState,
    CountersState,
    FinishedEvent,
    HandoverEvent,
    NoShowEvent,
    QueuesState,
    TransferredEvent,
)

from ..common.hall_client import HallClient, kivy_ui_call
from ..common.hall_text import short_name
from ..common.handover_targets import sent_text
from ..common.priority_issue import PriorityIssuing
from ..common.staff import StaffController
from .desk_control import DESK_SCREENS, CounterDeskControl
from .files_control import CounterFilesControl
from .hold_control import CounterHoldControl
from .reserve_control import CounterReserveControl
from .state import CounterState, empty_figures

log = logging.getLogger(__name__)

# keyboard shortcuts: the same actions as the caller keypad's default F-keys (devices/keypad)
KEYS = {
    "f1": "call-next",
    "f2": "recall",
    "f3": "pause-resume",
    "f4": "transfer",
    "f5": "start",
    "f6": "no-show",
    "f7": "finish",
    "f8": "incomplete",
}
BACK_TO_DESK = ("transfer", "materials", "handover", "priority", "held", "files")
KEY_NAMES = {code: name for name, code in Keyboard.keycodes.items()}


class CounterController(  # see *_control.py
    CounterHoldControl, CounterFilesControl, CounterReserveControl, PriorityIssuing, CounterDeskControl, StaffController
):
    one_at_a_time = True
    priority_role = "counter"

    def __init__(
        self,
        config,
        node,
        settings,
        state: CounterState,
        client: HallClient,
        clock: Callable[[], datetime],
        ui_call: Callable[..., None] = kivy_ui_call,  # device threads reach the UI thread through it
    ):
        super().__init__(config, node, settings, state, client, clock)
        self.ui = ui_call
        self.counter = config.counter(node.counter_id)
        self.queues: list[dict] = [{"id": q.id, "name": q.name, "waiting": 0} for q in config.queues]
        self.catalog: CatalogState | None = None
        self.health = HealthReporter(self._health_sink)
        self.devices: dict[str, Any] = {}
        self.led_followers: list = []
        self.metrics.update(ignored_busy=0, retries=0, keypad=0, keys=0)
        ratings = getattr(config, "ratings", None)  # the reasons the broker accepts for a bad rating
        self.bad_reasons: list[str] = list(getattr(ratings, "bad_reasons", None) or BAD_RATING_REASONS)
        state.counter_id = self.counter.id
        state.counter_number = self.counter.number
        state.counter_name = self.counter.name
        state.figures = empty_figures()
        state.set_handover_targets([t.model_dump() for t in getattr(settings, "handover_sites", [])])

    # ================================================================== life cycle
    def start(self) -> None:
        t = self.topics
        self.client.on_online(self._online)
        self.client.watch(t.state_counters(), CountersState, self._counters)
        self.client.watch(t.state_queues(), QueuesState, self._queues)
        self.client.watch(t.state_catalog(), CatalogState, self._catalog)
        self.client.watch(t.event("finished"), FinishedEvent, self._finished)
        self.client.watch(t.event("no-show"), NoShowEvent, self._no_show)
        self.client.watch(t.event("transferred"), TransferredEvent, self._transferred)
        self.client.watch(t.event("handover"), HandoverEvent, self._handover_answered)
        self.start_desk()
        self.start_reserves()
        self.start_holds()
        Window.bind(on_key_down=self._key_down)
        self._events.append(Clock.schedule_interval(lambda _dt: self.tick(), 1.0))
        self.tick()
        self.client.run_in_background(self._open_devices)

    def stop(self) -> None:
        super().stop()
        for follower in self.led_followers:
            follower.close()
        for dev in self.devices.values():
            for name in ("stop", "close"):
                if hasattr(dev, name):
                    try:
                        getattr(dev, name)()
                    except Exception:
                        log.exception("closing a device failed")
                    break

    def tick(self) -> None:
        super().tick()
        self.state.tick_phase(time.monotonic())

    def _online(self, online: bool) -> None:
        super()._online(online)
        if online:
            self.health.replay()

    # ================================================================== devices
    def _open_devices(self) -> None:
        """Off the UI thread: opening a serial port or asking a printer may block."""
        for dev in self.node.devices:
            try:
                if dev.kind in ("keypad", "rating_pad"):
                    from devices.keypad import open_keypad

                    def on_key(action: str, d: str = dev.id) -> None:
                        self.ui(self.device_action, d, action)

                    pad = open_keypad(dev, self.health, on_key)
                    pad.start()
                    self.devices[dev.id] = pad
                elif dev.kind == "printer":
                    from devices.printer import open_printer

                    self.devices[dev.id] = open_printer(dev, self.health)
                elif dev.kind == "camera":  # the document camera (高拍仪): pages for materials on file
                    from devices.camera import open_camera

                    camera = open_camera(dev, self.health, on_event=lambda _event: None)
                    camera.start()
                    self.devices[dev.id] = camera
                elif dev.kind == "led":
                    from devices.led import open_led
                    from devices.led.follow import LedFollower

                    display = self.devices[dev.id] = open_led(dev, self.health)
                    # the strip follows the broker's calls (event/called, state/counters): recalls, 续办, paused
                    follower = LedFollower(display, self.counter.id, self.counter.number, self.settings.led_idle_text)
                    self.led_followers.append(follower.attach(self.client.link))
            except Exception as exc:
                log.exception("device %s could not be opened", dev.id)
                self.health.report(dev.id, dev.kind, "fault", f"无法打开：{exc}")

    def _health_sink(self, device_id: str, health) -> None:
        self.client.publish_health(device_id, health)
        self.ui(self._show_health, device_id, health.kind, health.state, health.message)

    def _show_health(self, device_id: str, kind: str, state: str, message: str) -> None:
        self.state.devices = {**self.state.devices, device_id: {"kind": kind, "state": state, "message": message}}

    def _device(self, kind: str):
        for dev in self.node.devices:
            if dev.kind == kind and dev.id in self.devices:
                return self.devices[dev.id]
        return None

    def device_action(self, device_id: str, action: str) -> None:
        """A caller keypad or rating pad key (from the device's thread, moved to the UI thread)."""
        self.metrics["keypad"] += 1
        level = rating_level(action)
        if level is not None:
            self.rate(level)
            return
        self.act(action)

    # ================================================================== keyboard
    def _key_down(self, _window, key: int, _scancode: int, codepoint: str | None, modifiers: list) -> bool:
        name = KEY_NAMES.get(key, "")
        s = self.state
        if name == "escape" and s.screen in BACK_TO_DESK:
            self.back()
            return True
        if name == "escape" and s.screen in DESK_SCREENS:
            self.desk_back()
            return True
        if s.screen == "rating" and codepoint and codepoint in "12345" and len(codepoint) == 1:
            self.metrics["keys"] += 1
            self.rate(int(codepoint))
            return True
        if name in ("enter", "numpadenter") and s.screen == "login":
            self.login_from_screen()
            return True
        action = KEYS.get(name)
        if action is None:
            return False
        self.metrics["keys"] += 1
        self.act(action)
        return True

    # ================================================================== requests
    def _cmd(self, action: str) -> str:
        return self.topics.counter_cmd(self.counter.id, action)

    def _command(self, action: str, payload: dict, doing: str, on_ok: Callable[[dict], None], **more: Any) -> bool:
        """`_send` of this counter's command `action` (its topic's last word), busy with the same word;
        `more`: `_send`'s on_refused and key."""
        return self._send(self._cmd(action), payload, doing, on_ok, action=action, **more)

    # ================================================================== login, close
    def login_from_screen(self) -> None:
        screen = self.state_screen("login")
        if screen is not None:
            self.login(screen.ids.operator.text.strip(), screen.ids.pin.text.strip())

    def state_screen(self, name: str):
        from kivy.app import App

        root = App.get_running_app().root
        return root.sm.get_screen(name) if root is not None and root.sm.has_screen(name) else None

    def _log_in(self, operator_id: str, pin: str, refused: Callable[[dict], None]) -> None:
        s = self.state

        def ok(reply: dict) -> None:
            op = next((o for o in self.config.operators if o.id == operator_id), None)
            s.operator_id = operator_id
            s.operator_name = op.name if op else operator_id
            s.screen = "desk"
            s.say(f"{s.operator_name} 已登录 {self.counter.name}", "info")
            screen = self.state_screen("login")
            if screen is not None:
                screen.ids.pin.text = ""
            self.read_current()

        self._command(
            "open", {"operator_id": operator_id, "pin": pin}, "登录", ok, on_refused=refused, key=f"open:{operator_id}"
        )

    def close_counter(self) -> None:
        s = self.state

        def ok(reply: dict) -> None:
            s.operator_id = ""
            s.operator_name = ""
            s.screen = "login"
            s.clear_ticket()
            s.say("窗口已关闭", "info")

        self._command("close", {}, "关闭窗口", ok, key="close")

    # ================================================================== the counter's actions
    def act(self, action: str) -> None:
        """One entry for buttons, keyboard shortcuts and the caller keypad."""
        s = self.state
        if s.screen == "login" or not s.operator_id:
            s.say("请先登录", "warn")
            return
        if s.screen == "rating" and action != "call-next":
            s.say("请先完成评价或跳过", "warn")
            return
        handler = {
            "call-next": self.call_next,
            "recall": self.recall,
            "start": self.start_service,
            "no-show": self.no_show,
            "pause": self.pause,
            "resume": self.resume,
            "pause-resume": self.pause_resume,
            "transfer": self.open_transfer,
            "finish": self.finish_done,
            "incomplete": self.open_materials,
            "close": self.close_counter,
            "handover": self.open_handover,
            "priority": self.open_priority,
            "hold": self.hold,
            "held": self.open_held,
        }.get(action)
        if handler is None:
            log.warning("unknown counter action %r", action)
            return
        handler()

    def call_next(self) -> None:
        s = self.state
        if s.status == "paused":
            s.say("窗口已暂停：请先恢复", "warn")
            return
        if s.screen == "rating":
            self.skip_rating()
        previous = dict(s.ticket) if s.ticket and s.phase else None

        def ok(reply: dict) -> None:
            if previous:  # finished as done by the broker first: the rating pad may still rate it
                s.open_rating(previous["id"], previous["number"], show=False)
            t = reply.get("ticket")
            if not t:
                s.clear_ticket()
                s.say("当前没有等候的群众", "info")
                return
            s.ticket_called(t, self.clock(), time.monotonic())
            s.say(f"已呼叫 {t['number']}", "info")

        self._command("call-next", {}, "呼叫", ok, key=f"call-next:{s.ticket.get('id', '')}")

    def _need_ticket(self) -> bool:
        if not self.state.ticket or not self.state.phase:
            self.state.say("当前没有正在办理的群众", "warn")
            return False
        return True

    def recall(self) -> None:
        s = self.state
        if not self._need_ticket():
            return

        def ok(reply: dict) -> None:
            t = reply.get("ticket") or {}
            if t.get("state") == "no_show":
                s.clear_ticket()
                s.say(f"{t.get('number', '')} 重呼次数已满，按未到场处理", "warn")
                return
            s.ticket_recalled(t.get("recalls") or 0, time.monotonic())
            s.say(f"已重呼 {t.get('number', '')}", "info")

        key = f"recall:{s.ticket['id']}:{s.ticket.get('recalls', 0)}"
        self._command("recall", {}, "重呼", ok, key=key)

    def start_service(self) -> None:
        s = self.state
        if not self._need_ticket():
            return

        def ok(reply: dict) -> None:
            s.ticket_started(time.monotonic())
            s.say(f"开始办理 {s.ticket.get('number', '')}", "info")

        self._command("start", {}, "开始办理", ok, key=f"start:{s.ticket['id']}")

    def no_show(self) -> None:
        s = self.state
        if not self._need_ticket():
            return
        number = s.ticket.get("number", "")

        def ok(reply: dict) -> None:
            s.clear_ticket()
            s.say(f"{number} 未到场", "info")

        self._command("no-show", {}, "未到场", ok, key=f"no-show:{s.ticket['id']}")

    def pause_resume(self) -> None:
        (self.resume if self.state.status == "paused" else self.pause)()

    def pause(self) -> None:
        def ok(reply: dict) -> None:
            self.state.status = reply.get("counter", {}).get("status", "paused")
            self.state.say("窗口已暂停叫号", "warn")

        self._command("pause", {}, "暂停", ok, key="pause")

    def resume(self) -> None:
        def ok(reply: dict) -> None:
            self.state.status = reply.get("counter", {}).get("status", "open")
            self.state.say("窗口已恢复叫号", "info")

        self._command("resume", {}, "恢复", ok, key="resume")

    # ---- transfer
    def open_transfer(self) -> None:
        if self._need_ticket():
            self.state.open_transfer(self.queues)

    def transfer_to(self, queue_id: str) -> None:
        s = self.state
        if not self._need_ticket():
            return
        number = s.ticket.get("number", "")
        name = short_name(self.queue_names.get(queue_id, queue_id))

        def ok(reply: dict) -> None:
            s.clear_ticket()
            s.screen = "desk"
            s.say(f"{number} 已转至「{name}」，保留原取号时间", "info")

        self._command("transfer", {"to_queue_id": queue_id}, "转办", ok, key=f"transfer:{s.ticket['id']}:{queue_id}")

    # ---- hand-over to another hall (同城通办, docs/county.md)
    def open_handover(self) -> None:
        s = self.state
        if not s.handover_targets:  # a keypad or key cannot reach what the settings do not offer
            s.say("本窗口未配置可转交的办事大厅", "warn")
            return
        if self._need_ticket():
            s.open_handover()

    def choose_handover(self, index: int) -> None:
        s = self.state
        s.choose_handover(index)
        if s.message_kind == "alert":  # the refusal was about the hall chosen before: not this one
            s.say("", "info")

    def confirm_handover(self) -> None:
        """Send `handover`; the broker commits it here and frees the counter, whether or not the other
        hall can be reached now (its outbox sends it when the link is up)."""
        s = self.state
        if not self._need_ticket():
            s.screen = "desk"  # the citizen left the counter meanwhile (finished elsewhere)
            return
        target = s.handover_target()
        if target is None:
            s.say("请选择转交的办事大厅", "warn")
            return
        number = s.ticket.get("number", "")
        payload = {"to_site": target["site"]}
        if target.get("queue_id"):
            payload["to_queue_id"] = target["queue_id"]

        def ok(reply: dict) -> None:
            s.clear_ticket()
            s.screen = "desk"
            s.say(sent_text(number, target["name"], reply) + "；本窗口已空闲", "info")

        # refused (no link to that hall, handed over already...): the reason is on the message line and
        # the operator stays here, to pick another hall or go back; the citizen is still at the counter
        self._command(
            "handover",
            payload,
            "转交",
            ok,
            key=f"handover:{s.ticket['id']}:{target['site']}:{target.get('queue_id') or ''}",
        )

    def back(self) -> None:
        if self.state.screen in BACK_TO_DESK:
            self.state.screen = "desk"

    # ---- green channel and disability priority (common/priority_issue.py)
    def priority_topic(self) -> str:
        return self._cmd("issue-priority")

    def priority_first_queues(self) -> list[str]:
        return list(self.state.queue_ids) or list(self.counter.home)

    def open_priority(self) -> None:
        self.state.priority_print = ""
        super().open_priority()

    def priority_issued(self, reply: dict) -> None:
        """The citizen takes the number away on paper, from the counter's printer (none: said on screen)."""
        from devices.printer import TicketPrint

        s = self.state
        t = reply.get("ticket") or {}
        printer = self._device("printer")
        if printer is None:
            s.priority_print = "none"
            return
        low, high = t.get("estimated_wait_range_s") or (t.get("estimated_wait_s") or 0, t.get("estimated_wait_s") or 0)
        job = TicketPrint(
            hall_name=self.config.site.name,
            number=t.get("number", ""),
            queue_name=t.get("queue_name") or "",
            service_name=t.get("service_name") or t.get("service_id", ""),
            waiting_ahead=int(t.get("waiting_ahead") or 0),
            wait_range_min=(round(low / 60), round(high / 60)),
            issued_at=datetime.fromisoformat(t["issued_at"]),
            ticket_id=t.get("id", ""),
            footer=f"{s.priority.issued.get('title', '')}  {self.counter.name}核发",
        )
        s.priority_print = "printing"
        number = job.number

        def printed(_result) -> None:
            if s.priority.issued.get("number") == number:
                s.priority_print = "printed"

        def failed(exc: Exception) -> None:
            log.warning("priority ticket %s not printed: %s", number, exc)
            if s.priority.issued.get("number") == number:
                s.priority_print = "failed"

        self.client.run_in_background(lambda: printer.print_ticket(job), on_done=printed, on_error=failed)

    # ---- finish
    def finish_done(self) -> None:
        s = self.state
        if not self._need_ticket():
            return
        t = dict(s.ticket)

        def ok(reply: dict) -> None:
            s.clear_ticket()
            s.say(f"{t['number']} 已办结", "info")
            s.open_rating(t["id"], t["number"], show=self.settings.rating_on_screen)

        self._command("finish", {"outcome": "done"}, "办结", ok, key=f"finish:{t['id']}")

    def open_materials(self) -> None:
        if not self._need_ticket():
            return
        self.state.open_materials(self.materials_for(self.state.ticket.get("service_id", "")))

    def materials_for(self, service_id: str) -> list[dict]:
        """The item's catalog list (a bundle: every item's), as the broker publishes it."""
        if self.catalog is None:
            return []
        services = {s.id: s for s in self.catalog.services}
        ids = [service_id]
        bundle = next((b for b in self.catalog.bundles if b.id == service_id), None)
        if bundle is not None:
            ids = list(bundle.service_ids)
        out, seen = [], set()
        for sid in ids:
            svc = services.get(sid)
            for m in svc.materials if svc else []:
                if m.name not in seen:
                    seen.add(m.name)
                    out.append(m.model_dump())
        return out

    def toggle_material(self, index: int) -> None:
        self.state.toggle_material(index)

    def confirm_incomplete(self) -> None:
        s = self.state
        if not self._need_ticket():
            return
        missing = s.ticked_materials()
        if not missing:
            s.say("请勾选缺少的材料", "warn")
            return
        t = dict(s.ticket)
        rows = [dict(r) for r in s.materials if r["ticked"]]

        def ok(reply: dict) -> None:
            ret = reply.get("return_ticket") or {}
            s.clear_ticket()
            s.last_return_number = ret.get("number", "")
            s.say(f"{t['number']} 材料不全，已开具一次性告知单；回办号 {s.last_return_number}（当日优先办理）", "info")
            self.print_notice(t, rows, ret)
            s.open_rating(t["id"], t["number"], show=self.settings.rating_on_screen)

        self._command(
            "finish",
            {"outcome": "incomplete", "missing_materials": missing},
            "材料不全办结",
            ok,
            key=f"incomplete:{t['id']}",
        )

    def print_notice(self, ticket: dict, rows: list[dict], return_ticket: dict) -> None:
        s = self.state
        if self._device("printer") is None:
            s.notice_phase = "failed"
            s.say("本窗口没有打印机：请手写一次性告知单", "warn")
            return
        number = return_ticket.get("number", "")
        notice = self.notice_print(
            ticket.get("service_id", ""),
            ticket.get("service_name", ""),
            [r["name"] for r in rows],
            f"请补齐以上材料后凭回办号 {number} 到窗口优先办理（当日有效）",
            ticket_number=number,
        )
        self.print_in_background(notice, "notice_phase", "一次性告知单未打印")

    def notice_print(self, service_id: str, service_name: str, missing: list[str], deadline_note: str, **more):
        """The 一次性告知单 of an item (`devices.printer.NoticePrint`): each missing material with its
        originals and copies from the catalog, the counter, today, the item's contact."""
        from devices.printer import NoticeMaterial, NoticePrint

        catalog_materials = {m["name"]: m for m in self.materials_for(service_id)}
        materials = []
        for name in missing:
            m = catalog_materials.get(name, {})
            materials.append(
                NoticeMaterial(
                    name=name, originals=m.get("originals", 0), copies=m.get("copies", 0), note=m.get("note", "")
                )
            )
        svc = None
        if self.catalog is not None:
            svc = next((x for x in self.catalog.services if x.id == service_id), None)
        return NoticePrint(
            hall_name=self.config.site.name,
            service_name=service_name,
            missing_materials=materials,
            counter_name=self.counter.name,
            issued_on=self.clock().astimezone(self._tz()).date(),
            deadline_note=deadline_note,
            contact=svc.guide.contact if svc else self.config.site.phone,
            footer=self.config.site.phone and f"咨询电话：{self.config.site.phone}",
            **more,
        )

    def print_in_background(self, notice, phase: str, failed_text: str) -> None:
        """Print off the UI thread; the state's `phase` property says printing, printed or failed."""
        s = self.state
        printer = self._device("printer")
        setattr(s, phase, "printing")

        def printed(_result) -> None:
            setattr(s, phase, "printed")

        def failed(exc: Exception) -> None:
            setattr(s, phase, "failed")
            s.say(f"{failed_text}：{exc}", "alert")

        self.client.run_in_background(lambda: printer.print_notice(notice), on_done=printed, on_error=failed)

    def _tz(self):
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.config.site.timezone)

    # ---- rating
    def rate(self, level: int) -> None:
        s = self.state
        if not s.rating_ticket:
            return
        if s.rating_phase == "sending":
            return
        if s.choose_level(level):
            self.submit_rating()

    def toggle_reason(self, reason: str) -> None:
        if reason in self.bad_reasons:
            self.state.toggle_reason(reason)

    def submit_rating(self) -> None:
        s = self.state
        if not s.rating_ticket or not s.rating_level:
            return
        if s.rating_level <= 2 and not s.rating_reasons:
            s.say("差评请选择原因", "warn")
            return
        level, ticket = s.rating_level, dict(s.rating_ticket)
        payload = {"ticket_id": ticket["id"], "level": level}
        if s.rating_reasons:
            payload["reasons"] = list(s.rating_reasons)
        s.rating_phase = "sending"

        def ok(reply: dict) -> None:
            s.count(rated=1, rating_sum=level, bad=1 if level <= 2 else 0)
            s.rating_done()
            if s.screen == "rating":
                s.screen = "desk"
            s.say(f"{ticket['number']} 评价已提交，谢谢", "info")

        def refused(reply: dict) -> None:
            s.rating_done()
            if s.screen == "rating":
                s.screen = "desk"

        if not self._send(
            # the rating pad of the counter that served the ticket rates on the counter's own topic, which the
            # ACL gives this terminal alone (docs/security.md, rating rights)
            self.topics.counter_cmd(self.counter.id, "rating"),
            payload,
            action="rate",
            key=f"rate:{ticket['id']}",
            doing="提交评价",
            on_ok=ok,
            on_refused=refused,
        ):
            s.rating_phase = "reason" if level <= 2 else "choose"

    def skip_rating(self) -> None:
        s = self.state
        s.rating_done()
        if s.screen == "rating":
            s.screen = "desk"

    # ================================================================== published state
    def _counters(self, msg: CountersState, _topic: str) -> None:
        self._last_state_mono = time.monotonic()
        me = next((c for c in msg.counters if c.id == self.counter.id), None)
        if me is not None:
            self.state.set_counter(me.model_dump(), self.queue_names)
            self.state.set_queues(self.queues)  # its queues may have changed (a reserve taken, a rebalance)

    def _queues(self, msg: QueuesState, _topic: str) -> None:
        self._last_state_mono = time.monotonic()
        self.queues = [q.model_dump() for q in msg.queues]
        self.state.set_queues(self.queues)
        self.show_held()

    def _catalog(self, msg: CatalogState, _topic: str) -> None:
        self.catalog = msg

    def _finished(self, ev: FinishedEvent, _topic: str) -> None:
        if ev.counter_id != self.counter.id:
            return
        self.state.count(
            served=1,
            incomplete=1 if ev.outcome == "incomplete" else 0,
            waited=1 if ev.waited_s is not None else 0,
            wait_sum=ev.waited_s or 0,
            service_sum=ev.served_s or 0,
        )

    def _no_show(self, ev: NoShowEvent, _topic: str) -> None:
        if ev.counter_id == self.counter.id:
            self.state.count(no_show=1)

    def _transferred(self, ev: TransferredEvent, _topic: str) -> None:
        if ev.counter_id == self.counter.id:
            self.state.count(transferred=1)

    def _handover_answered(self, ev: HandoverEvent, _topic: str) -> None:
        """The other hall answered a hand-over made from this counter (it may be hours later, after a WAN
        cut): tell the operator."""
        if ev.counter_id == self.counter.id and ev.from_site == self.config.site.id:
            self.state.handover_answered(ev.number, ev.to_site, ev.state, ev.remote_number, ev.code)

    # ================================================================== for tests and demos
    def press(self, device_id: str, key: str) -> dict:
        """Press a key on a simulated keypad or rating pad (what a finger on the device does)."""
        pad = self.devices.get(device_id)
        if pad is None or not hasattr(pad, "press"):
            return {"ok": False, "why": f"no simulated keypad {device_id!r}"}
        pad.press(key)
        return {"ok": True}

    def simulators(self) -> dict:
        """What the simulated devices received: the printer's printed bytes (hex), the LED's text."""
        out: dict[str, Any] = {}
        printer = self._device("printer")
        if printer is not None and printer.simulator is not None:
            out["printer_printed_hex"] = bytes(printer.simulator.printed).hex()
            out["printer_cuts"] = printer.simulator.cuts
        led = self._device("led")
        if led is not None and led.simulator is not None:
            shown = led.simulator.shown(led.address)
            out["led"] = {"counter_number": shown.counter_number, "text": shown.text} if shown else None
        out["devices_open"] = sorted(self.devices)
        return out
