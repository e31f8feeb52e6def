"""The counter terminal's case screens' I/O (issue 21 item 4), mixed into CounterController.

- 受理 of a 承诺件 for the citizen at the counter (`cmd/counter/{c}/application` `accept`), or 不予受理 with
  its reason; a 补正 of the application just accepted, its 一次性告知单 printed on the counter's printer and
  the list kept in the application (`correct`).
- 办件查询·出件: an application found by its number or the citizen's pickup code, and its next steps (any
  counter hands results out; the broker refuses what this counter may not do).
- Cases: the complaint desk (a counter of kind `complaint`) lists and works every case and takes
  complaints in; another counter sees the cases about itself and takes its own steps (申诉, 整改, 告知).
"""

from __future__ import annotations

from ..common.case_control import ApplicationDeskControl, CaseDeskControl
from ..common.case_text import day_text
from .part import CounterPart

DESK_SCREENS = ("cases", "complaint", "application", "pickup")


class CounterDeskControl(CaseDeskControl, ApplicationDeskControl, CounterPart):
    def start_desk(self) -> None:
        desk = self.counter.kind == "complaint"
        self.state.is_complaint_desk = desk
        self.state.case_whole_desk = desk
        self.start_cases()
        self.start_applications()

    def _case_cmd(self, action: str) -> str:
        return self.topics.counter_cmd(self.counter.id, action)

    def _application_cmd(self) -> str:
        return self.topics.counter_cmd(self.counter.id, "application")

    def _may_take_complaints(self) -> bool:
        return self.counter.kind == "complaint"

    def _signed_in(self) -> bool:
        if not self.state.operator_id:
            self.state.say("请先登录", "warn")
            return False
        return True

    def open_cases(self) -> None:
        if self._signed_in():
            super().open_cases()

    def desk_back(self) -> None:
        if self.state.screen in DESK_SCREENS:
            self.state.screen = "desk"

    # ------------------------------------------------------------------ 受理 at the counter
    def open_acceptance(self) -> None:
        """The 受理 screen for the citizen at the counter: the ticket's item (each item of a bundle)."""
        s = self.state
        if not self._signed_in() or not self._need_ticket():
            return
        t = dict(s.ticket)
        citizen = {"ticket_id": t["id"], "number": t["number"], "service_name": t.get("service_name", "")}
        self._newer("application")  # what was looked up before is not this citizen's
        s.open_acceptance(citizen, self._items_of(t.get("service_id", "")))
        s.screen = "application"

    def _items_of(self, service_id: str) -> list[dict]:
        """The items a ticket is for, each said to be a 承诺件 (its 办件 stays open) or a 即办件, from the
        published catalog (as the broker decides: 即办 by type, else promised days > 0)."""
        if self.catalog is None:
            return []
        services = {x.id: x for x in self.catalog.services}
        bundle = next((b for b in self.catalog.bundles if b.id == service_id), None)
        ids = list(bundle.service_ids) if bundle else [service_id]
        items = []
        for sid in ids:
            svc = services.get(sid)
            if svc is None:
                continue
            days = svc.promise_day if svc.promise_day is not None else svc.guide.time_limit_days
            kind = svc.promise_day_type or "工作日"
            promised = svc.project_type != "即办" and days > 0
            text = f"承诺件：承诺{days}个{kind}内办结" if promised else "即办件：当场办结，不登记办件"
            items.append({"id": sid, "name": svc.name, "promised": promised, "promise_text": text})
        return items

    def choose_app_item(self, service_id: str) -> None:
        if any(i["id"] == service_id for i in self.state.app_items):
            self.state.app_item = service_id

    def accept_application(self, note: str = "") -> None:
        self._open_application("accept", note=note)

    def refuse_application(self, reason: str) -> None:
        """不予受理 at the counter, with its reason (told to the citizen, kept in the record)."""
        if not (reason or "").strip():
            self.state.say("不予受理请写明理由", "warn")
            return
        self._open_application("reject", reason=reason.strip())

    def _open_application(self, action: str, note: str = "", reason: str = "") -> None:
        s = self.state
        item, citizen = s.chosen_item(), dict(s.app_citizen)
        if not item or not citizen:
            return
        if action == "accept" and not item["promised"]:
            s.say(f"{item['name']} 是即办件：当场办结，无需登记办件", "warn")
            return
        payload = {"action": action, "ticket_id": citizen["ticket_id"], "service_id": item["id"]}
        if (note or "").strip():
            payload["note"] = note.strip()
        if reason:
            payload["reason"] = reason

        def ok(reply: dict) -> None:
            app = reply.get("application") or {}
            self._newer("application")
            s.show_application(app, self._application_counter_names(), self.tz)
            if action == "accept":
                s.set_app_materials(self._materials_with_detail(item["id"]))
                due = day_text(app.get("due_at"), self.tz)
                s.say(f"{citizen['number']} 已受理，办件编号 {app.get('case_no', '')}，承诺 {due} 前办结", "info")
            else:
                s.say(f"{citizen['number']} {item['name']}：不予受理，已登记理由", "info")

        key = f"application:{action}:{citizen['ticket_id']}:{item['id']}"
        self._send(
            self._application_cmd(), payload, "受理" if action == "accept" else "不予受理", ok, action=action, key=key
        )

    def _materials_with_detail(self, service_id: str) -> list[dict]:
        from .state import _material_detail

        return [{"name": m["name"], "detail": _material_detail(m)} for m in self.materials_for(service_id)]

    def toggle_app_material(self, index: int) -> None:
        self.state.toggle_app_material(index)

    def correct_application(self, note: str = "", more: str = "") -> None:
        """补正 of the application just accepted: the ticked materials (and any written in) go on the
        一次性告知单, printed here and kept in the application."""
        listed = self.state.ticked_app_materials() + [m for m in (more or "").replace("；", "、").split("、") if m]
        if not listed:
            self.state.say("请勾选或填写需补正的材料", "warn")
            return
        self.application_step("correct", note, "、".join(listed))

    # ------------------------------------------------------------------ 出件 and look-ups
    def open_pickup(self) -> None:
        s = self.state
        if not self._signed_in():
            return
        self._newer("application")
        s.show_application({}, {}, self.tz)
        s.app_lookup_error = ""
        s.screen = "pickup"

    def after_application_step(self, action: str, app: dict) -> None:
        if action == "correct":
            self.print_correction(app)
        elif action == "deliver":
            self.state.say(f"{app.get('case_no', '')}：已出件（{app.get('task_name', '')}）", "info")

    def print_correction(self, app: dict) -> None:
        """The 一次性告知单 of a 补正 on the counter's printer (off the UI thread); the list is kept in the
        application either way."""
        s = self.state
        corrections = app.get("corrections") or []
        if not corrections:
            return
        if self._device("printer") is None:
            s.app_print_phase = "failed"
            s.say("本窗口没有打印机：补正清单已记入办件，请手写一次性告知单", "warn")
            return
        notice = self.notice_print(
            app.get("service_id", ""),
            app.get("task_name", ""),
            list(corrections[-1].get("materials") or []),
            f"办件编号 {app.get('case_no', '')}：补齐以上材料后到窗口提交，补正期间承诺时限暂停计算",
        )
        self.print_in_background(notice, "app_print_phase", "一次性告知单未打印（补正清单已记入办件）")
