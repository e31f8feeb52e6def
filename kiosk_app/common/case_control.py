"""The case screens' I/O (issue 21 item 4), mixed into a StaffController: the 差评整改 / 有诉即办 list and
steps, complaints taken in (`CaseDeskControl`), the 办件 list and steps (`ApplicationDeskControl`). Steps
go through the controller's `_send` (one request at a time where the face says so, the same request_id
again on a retry after a timeout, refusals in words); lists and views are reads (`_read`), which never
block the face's buttons. Live: `event/case` and `event/application` bring the list up to date.

A face says where its commands go: the supervisor tablet to `cmd/supervisor/case|complaint|application`,
a counter to `cmd/counter/{its counter}/...` (the broker decides what that counter may do: the complaint
desk everything, another counter its own cases; any counter hands results out)."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from kivy.clock import Clock

from .hall_text import link_error_text, refusal_text
from .staff import StaffMixin

log = logging.getLogger(__name__)


class DeskReads(StaffMixin):
    """A read (`list`, `view`) beside the face's one-at-a-time requests: no busy flag, nothing to retry
    under the same id (reading twice changes nothing); a refusal goes on the message line."""

    if TYPE_CHECKING:  # CaseDeskControl and ApplicationDeskControl, mixed in together

        def view_case(self, case_id: str) -> None: ...

        def view_application(self, case_no: str) -> None: ...

    def _read(self, topic: str, payload: dict, on_ok: Callable[[dict], None], doing: str, on_refused=None) -> None:
        rid = f"{self.node.id}-r-{uuid.uuid4().hex[:12]}"

        def replied(reply: dict) -> None:
            if not reply.get("ok"):
                if on_refused is not None:
                    on_refused(reply)
                else:
                    self.state.say(refusal_text(reply, doing), "alert")
                return
            on_ok(reply)

        def failed(exc: Exception) -> None:
            self.state.say(link_error_text(exc, doing), "alert")

        self.client.request(
            topic,
            {**payload, "request_id": rid},
            timeout=self.settings.request_timeout_s,
            on_reply=replied,
            on_error=failed,
        )

    def _later(self, key: str, fn: Callable[[], None], delay: float = 0.3) -> None:
        """Once, `delay` seconds from the first call: a burst of events asks the broker once."""
        pending = self.__dict__.setdefault("_pending_reads", {})
        if key in pending:
            return

        def run(_dt) -> None:
            pending.pop(key, None)
            fn()

        pending[key] = Clock.schedule_once(run, delay)

    def _view_again(self, what: str, key: str) -> None:
        """After an event about the case (or 办件) shown: read it again, if it is still the one shown."""
        if what == "case" and self.state.case.get("id") == key:
            self.view_case(key)
        elif what == "application" and self.state.application.get("case_no") == key:
            self.view_application(key)

    def _newer(self, what: str) -> Callable[[], bool]:
        """A ticket for what is shown now: a read answered after something newer was asked for or shown
        (another case tapped, a step's own answer, another screen) must not bring the old one back."""
        seqs = self.__dict__.setdefault("_shown_seq", {})
        seqs[what] = mine = seqs.get(what, 0) + 1
        return lambda: seqs[what] == mine


class CaseDeskControl(DeskReads):
    """差评整改 and 有诉即办: list, open one, take a step, take a complaint in."""

    def _case_cmd(self, action: str) -> str:
        """The topic of `case` or `complaint` for this face."""
        raise NotImplementedError

    def _may_take_complaints(self) -> bool:
        return True

    def start_cases(self) -> None:
        t = self.topics
        self.client.watch(t.event("case"), None, self._case_changed)
        self.client.watch(t.state_queues(), None, self._broker_time)
        self.state.complaint_categories = list(self.config.complaints.categories)
        self._broker_day: date | None = None

    def _counter_names(self) -> dict[str, str]:
        return {c.id: c.name for c in self.config.counters}

    def _broker_time(self, payload: bytes, _topic: str) -> None:
        """The broker's local day (state/queues `at`): a ticket number typed at the desk is of that day."""
        try:
            at = datetime.fromisoformat(json.loads(payload)["at"])
        except (ValueError, KeyError, TypeError):
            return
        self._broker_day = at.astimezone(self.tz).date()

    # ------------------------------------------------------------------ the list
    def open_cases(self) -> None:
        self.state.screen = "cases"
        self.refresh_cases()

    def refresh_cases(self) -> None:
        payload: dict[str, Any] = {"action": "list"}
        if self.state.case_include_closed:
            payload["include_closed"] = True

        def ok(reply: dict) -> None:
            self.state.set_cases(reply.get("cases") or [], self._counter_names(), self.tz)

        self._read(self._case_cmd("case"), payload, ok, "读取案件")

    def toggle_closed_cases(self) -> None:
        self.state.case_include_closed = not self.state.case_include_closed
        self.refresh_cases()

    def view_case(self, case_id: str) -> None:
        current = self._newer("case")

        def ok(reply: dict) -> None:
            if current():
                self.state.show_case(reply.get("case") or {}, self._counter_names(), self.tz)

        self._read(self._case_cmd("case"), {"action": "view", "case_id": case_id}, ok, "读取案件")

    def _case_changed(self, payload: bytes, _topic: str) -> None:
        """event/case: the list again (soon, once for a burst), the open case again if it moved."""
        try:
            ev = json.loads(payload)
        except ValueError:
            return
        if not isinstance(ev, dict) or not self._cases_shown():
            return
        self._later("cases", self.refresh_cases)
        if ev.get("case_id") and ev.get("case_id") == self.state.case.get("id"):
            self._later("case", lambda: self._view_again("case", ev["case_id"]))

    def _cases_shown(self) -> bool:
        return self.state.screen in ("cases", "complaint")

    # ------------------------------------------------------------------ a step
    def case_step(self, action: str, note: str, to: str = "", satisfied: bool | None = None) -> None:
        s = self.state
        case = dict(s.case)
        if not case or action not in {x["action"] for x in s.case_steps}:
            return
        note = (note or "").strip()
        if not note:
            s.say("请填写说明（核实情况、整改措施、回访结果等），每一步都记入案件记录", "warn")
            return
        payload: dict = {"action": action, "case_id": case["id"], "note": note}
        if action == "handover":
            if not (to or "").strip():
                s.say("转办请填写承办部门", "warn")
                return
            payload["to"] = to.strip()
        if action == "revisit":
            if satisfied is None:
                return
            payload["satisfied"] = satisfied

        def ok(reply: dict) -> None:
            after = reply.get("case") or {}
            self._newer("case")  # this answer is the newest: reads still on their way are older
            s.show_case(after, self._counter_names(), self.tz)
            s.say(f"{case['id']}：{after.get('state_name', '')}（已记录）", "info")
            self.refresh_cases()

        key = f"case:{case['id']}:{action}:{case.get('state')}"
        self._send(self._case_cmd("case"), payload, "案件办理", ok, action="case", key=key)

    def close_case_view(self) -> None:
        self._newer("case")
        self.state.show_case({}, {}, self.tz)

    # ------------------------------------------------------------------ a complaint taken in
    def open_complaint_form(self) -> None:
        if not self._may_take_complaints():
            self.state.say("只有投诉窗口可以受理投诉", "warn")
            return
        self.state.complaint_done = {}
        self.state.complaint_category = ""
        self.state.screen = "complaint"

    def choose_complaint_category(self, category: str) -> None:
        if category in self.state.complaint_categories:
            self.state.complaint_category = category

    def take_complaint(self, summary: str, ticket: str = "", counter_id: str = "") -> None:
        s = self.state
        summary = (summary or "").strip()
        if not s.complaint_category:
            s.say("请选择投诉类别", "warn")
            return
        if not summary:
            s.say("请填写投诉内容（群众反映的问题）；不要填写姓名、电话、证件号", "warn")
            return
        payload: dict = {"summary": summary, "category": s.complaint_category}
        ticket_id = self._ticket_id(ticket)
        if ticket_id:
            payload["ticket_id"] = ticket_id
        if counter_id:
            payload["counter_id"] = counter_id

        def ok(reply: dict) -> None:
            case = reply.get("case") or {}
            self._newer("case")
            s.complaint_done = case
            s.say(f"已受理投诉 {case.get('id', '')}，{case.get('deadline') and '请在期限内办结'}", "info")
            s.show_case(case, self._counter_names(), self.tz)
            s.screen = "cases"
            self.refresh_cases()

        key = f"complaint:{s.complaint_category}:{summary}:{ticket_id}"
        self._send(self._case_cmd("complaint"), payload, "受理投诉", ok, action="complaint", key=key)

    def _ticket_id(self, ticket: str) -> str:
        """A ticket typed as its number (A001: of the broker's day) or its whole id (20261127-A001)."""
        ticket = (ticket or "").strip().upper()
        if not ticket:
            return ""
        if "-" in ticket:
            return ticket
        day = self._broker_day or self.clock().astimezone(self.tz).date()
        return f"{day:%Y%m%d}-{ticket}"


class ApplicationDeskControl(DeskReads):
    """办件: the list (supervisor), one looked up by its number or pickup code, its steps."""

    def _application_cmd(self) -> str:
        raise NotImplementedError

    def start_applications(self) -> None:
        self.client.watch(self.topics.event("application"), None, self._application_changed)

    def _application_counter_names(self) -> dict[str, str]:
        return {c.id: c.name for c in self.config.counters}

    def _warned_case_nos(self) -> set[str]:
        """办件 whose application_due alert is open (the face's alert book, if it keeps one)."""
        return set()

    def refresh_applications(self) -> None:
        payload: dict = {"action": "list"}
        if self.state.app_include_closed:
            payload["include_closed"] = True

        def ok(reply: dict) -> None:
            self.state.set_applications(
                reply.get("applications") or [], reply.get("counts") or {}, self.tz, self._warned_case_nos()
            )

        self._read(self._application_cmd(), payload, ok, "读取办件")

    def toggle_closed_applications(self) -> None:
        self.state.app_include_closed = not self.state.app_include_closed
        self.refresh_applications()

    def view_application(self, case_no: str) -> None:
        s = self.state
        case_no = (case_no or "").strip().upper()
        if not case_no:
            s.app_lookup_error = "请输入办件编号或取件码"
            return
        current = self._newer("application")

        def ok(reply: dict) -> None:
            if current():
                s.app_lookup_error = ""
                s.show_application(reply.get("application") or {}, self._application_counter_names(), self.tz)

        def refused(reply: dict) -> None:
            if current():
                s.show_application({}, {}, self.tz)
                s.app_lookup_error = refusal_text(reply, "查询办件")

        self._read(self._application_cmd(), {"action": "view", "case_no": case_no}, ok, "查询办件", refused)

    def _application_changed(self, payload: bytes, _topic: str) -> None:
        try:
            ev = json.loads(payload)
        except ValueError:
            return
        if not isinstance(ev, dict):
            return
        if self.state.screen == "applications":
            self._later("applications", self.refresh_applications)
        if ev.get("case_no") and ev.get("case_no") == self.state.application.get("case_no"):
            self._later("application", lambda: self._view_again("application", ev["case_no"]))

    def application_step(self, action: str, note: str = "", extra: str = "", choice: str = "") -> None:
        """One step of the 办件 opened. `extra`: the materials of a 补正 (separated by 、；; or new lines),
        the reason of a 不予受理, the tracking number of a posted result; `choice`: approved / not_approved
        for 办结, pickup / post for 出件通知."""
        s = self.state
        app = dict(s.application)
        if not app or action not in {x["action"] for x in s.app_steps}:
            return
        payload: dict = {"action": action, "case_no": app["case_no"]}
        if (note or "").strip():
            payload["note"] = note.strip()
        extra = (extra or "").strip()
        if action == "correct":
            materials = [m.strip() for m in _split(extra) if m.strip()]
            if not materials:
                s.say("补正告知请写明需补正的材料（可用顿号或换行分隔）", "warn")
                return
            payload["missing_materials"] = materials
        elif action == "reject":
            if not extra:
                s.say("不予受理请写明理由", "warn")
                return
            payload["reason"] = extra
        elif action == "conclude":
            payload["outcome"] = choice or "approved"
        elif action == "result-ready":
            payload["delivery"] = choice or "pickup"
        elif action == "deliver" and app.get("delivery") == "post":
            if not extra:
                s.say("邮寄出件请填写快递单号", "warn")
                return
            payload["tracking_no"] = extra

        def ok(reply: dict) -> None:
            after = reply.get("application") or {}
            self._newer("application")
            s.show_application(after, self._application_counter_names(), self.tz)
            s.say(self._application_said(action, after), "info")
            self.after_application_step(action, after)
            if s.screen == "applications":
                self.refresh_applications()

        key = f"application:{app['case_no']}:{action}:{app.get('state')}"
        self._send(self._application_cmd(), payload, "办件办理", ok, action="application", key=key)

    def after_application_step(self, action: str, app: dict) -> None:
        """What a face does besides showing the result (the counter prints the 一次性告知单 of a 补正)."""

    @staticmethod
    def _application_said(action: str, app: dict) -> str:
        head = f"{app.get('case_no', '')}：{app.get('state_name', '')}"
        if action == "result-ready" and app.get("pickup_code"):
            return head + f"，取件码 {app['pickup_code']}（已通知群众）"
        return head


def _split(text: str) -> list[str]:
    for sep in ("；", ";", "\n", "，", ","):
        text = text.replace(sep, "、")
    return text.split("、")
