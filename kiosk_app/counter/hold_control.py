"""Hold and resume at the counter (挂起, issue 23 item 4), mixed into CounterController.

- 挂起: the citizen at the counter is missing one paper; the ticket keeps its place and the counter is
  free at once (`cmd/counter/{c}/hold`, with the note 缺少材料 and the materials ticked, if any).
- 恢复: a held citizen is back; called at this counter (`resume-held`), here or at any counter of the
  queue as the site says (`hold.resume_at`). 结束挂起: the citizen will not come back (`release-held`).
- Refusals in plain Chinese (hold_text.py); the list comes from `state/queues` (numbers only).
"""

from __future__ import annotations

import logging
import time
import uuid

from ..common.case_text import hour_text
from .hold_text import hold_refusal, limit_text
from .part import CounterPart

log = logging.getLogger(__name__)
HOLD_NOTE = "缺少材料，补齐后回到窗口"


class CounterHoldControl(CounterPart):
    def start_holds(self) -> None:
        self.state.hold_limit_text = limit_text(self.config.hold)
        self.counter_names = {c.id: c.name for c in self.config.counters}

    def show_held(self) -> None:
        """The held list again, from the last `state/queues`."""
        self.state.set_held(
            self.queues, self.counter.id, self.counter_names, self.config.hold.resume_at == "queue", self.tz
        )

    def read_current(self) -> None:
        """After login: the citizen at this counter as the broker has it, with `needs` and the masked name
        (a terminal restarted mid-service knows only the number from `state/counters`)."""
        s = self.state

        def ok(reply: dict) -> None:
            t = reply.get("ticket") if reply.get("ok") else None
            if not t or t.get("state") not in ("called", "serving"):
                return
            if s.ticket and s.ticket.get("id") != t["id"]:
                return  # something newer happened meanwhile
            mono = time.monotonic()
            s.ticket_called(t, self.clock(), mono)
            if t["state"] == "serving":
                s.ticket_started(mono)

        # read only, so outside the one-request-at-a-time rule: the operator's first tap is never held up;
        # unanswered, the desk simply keeps what state/counters says
        self.client.request(
            self._cmd("current"),
            {"request_id": f"{self.node.id}-{uuid.uuid4().hex[:16]}"},
            timeout=self.settings.request_timeout_s,
            on_reply=ok,
            on_error=lambda exc: log.warning("reading the counter's citizen failed: %s", exc),
        )

    def _hold_refused(self, doing: str):
        def refused(reply: dict) -> None:
            self.state.say(hold_refusal(reply, doing, self.counter_names, self.config.hold), "alert")

        return refused

    def hold(self) -> None:
        s = self.state
        if not self._need_ticket():
            return
        number = s.ticket.get("number", "")
        payload: dict = {"note": HOLD_NOTE}
        missing = s.ticked_materials() if s.screen == "materials" else []
        if missing:
            payload["missing_materials"] = missing

        def ok(reply: dict) -> None:
            until = ((reply.get("ticket") or {}).get("hold") or {}).get("until")
            s.clear_ticket()
            s.screen = "desk"
            when = f"，{hour_text(until, self.tz)} 前回到窗口可恢复" if until else ""
            s.say(f"{number} 已挂起（保留排队位置{when}）", "info")

        self._command("hold", payload, "挂起", ok, on_refused=self._hold_refused("挂起"), key=f"hold:{s.ticket['id']}")

    def open_held(self) -> None:
        if self._signed_in():
            self.show_held()
            self.state.screen = "held"

    def resume_held(self, ticket_id: str) -> None:
        s = self.state
        row = next((r for r in s.held_rows if r["ticket_id"] == ticket_id), None)
        if row is None:
            s.say("该号已不在挂起中", "warn")
            return
        # a citizen still at the counter: the broker refuses (conflict), said in plain Chinese

        def ok(reply: dict) -> None:
            t = reply.get("ticket") or {}
            s.ticket_called(t, self.clock(), time.monotonic())
            s.screen = "desk"
            s.say(f"{t.get('number', row['number'])} 已恢复办理（续办）", "info")

        self._send_held("resume-held", ticket_id, "恢复", ok)

    def release_held(self, ticket_id: str) -> None:
        s = self.state
        row = next((r for r in s.held_rows if r["ticket_id"] == ticket_id), None)
        number = row["number"] if row else ""

        def ok(reply: dict) -> None:
            s.say(f"{number} 已结束挂起", "info")

        self._send_held("release-held", ticket_id, "结束挂起", ok, note="群众今日不再回来")

    def _send_held(self, action: str, ticket_id: str, doing: str, ok, **more: str) -> None:
        """resume-held or release-held of one held ticket; a refusal in plain Chinese."""
        self._command(
            action,
            {"ticket_id": ticket_id, **more},
            doing,
            ok,
            on_refused=self._hold_refused(doing),
            key=f"{action}:{ticket_id}",
        )
