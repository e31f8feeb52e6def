"""The supervisor's 查找 screen's I/O (issue 23 item 6), mixed into SupervisorController: find any ticket of
today by number, counter or state (`cmd/supervisor/find-ticket`, read only), open one with its steps, and
act on it: transfer to another queue (`transfer`), hand over to another hall (`handover`, the tablet's
`handover_sites`), annul with one of the site's reasons (`annul`). Refusals come back in plain Chinese
(lookup_text.refusal); after an action the list and the ticket are read again from the broker."""

from __future__ import annotations

from ..common.hall_text import short_name
from ..common.handover_targets import confirmed_target, handover_payload, sent_text
from .lookup_text import STATES, allowed_actions, number_problem, refusal, step_lines, ticket_facts, ticket_row
from .part import SupervisorPart


class LookupControl(SupervisorPart):
    def start_lookup(self) -> None:
        rules = self.config.tickets
        self.state.annul_reasons = list(rules.annul_reasons)
        self.state.annul_other = rules.other_reason
        self._counter_numbers = {c.id: c.number for c in self.config.counters}

    # ------------------------------------------------------------------ find
    def find_number(self, text: str) -> None:
        problem = number_problem(text or "")
        if problem:
            self.state.say(problem, "warn")
            return
        number = text.strip().upper()
        self._find({"number": number}, f"号码 {number}", open_single=True)

    def find_counter(self, counter_id: str) -> None:
        self._find({"counter_id": counter_id}, self.counter_names.get(counter_id, counter_id))

    def find_state(self, state: str) -> None:
        self._find({"state": state}, STATES.get(state, state))

    def refresh_lookup(self) -> None:
        """The last search again, quietly (the opened ticket stays opened even when it left the list)."""
        if self.state.lookup_query:
            self._find(dict(self.state.lookup_query), self.state.lookup_title, quiet=True)

    def _find(self, query: dict, title: str, open_single: bool = False, quiet: bool = False) -> None:
        s = self.state

        def ok(reply: dict) -> None:
            tickets = reply.get("tickets") or []
            s.lookup_query, s.lookup_title = query, title
            s.lookup_rows = [ticket_row(t, self._counter_numbers, self.tz) for t in tickets]
            s.lookup_total = int(reply.get("total", len(tickets)))
            s.lookup_truncated = max(0, s.lookup_total - len(tickets)) if reply.get("truncated") else 0
            if open_single and len(tickets) == 1:
                self._show_ticket(tickets[0])
            if not quiet:
                s.say("" if tickets else f"今日没有{title}的号", "info")

        self._read(self.topics.supervisor_cmd("find-ticket"), query, ok, "查找", self._find_refused)

    def open_ticket(self, ticket_id: str) -> None:
        """The ticket with its steps (find-ticket by id: one ticket comes with its history)."""

        def ok(reply: dict) -> None:
            tickets = reply.get("tickets") or []
            if tickets:
                self._show_ticket(tickets[0])
            else:
                self.state.clear_lookup_ticket()
                self.state.say("该号已不在今日记录中，请重新查找", "warn")

        self._read(self.topics.supervisor_cmd("find-ticket"), {"ticket_id": ticket_id}, ok, "查找", self._find_refused)

    def _find_refused(self, reply: dict) -> None:
        self.state.say(refusal("find", (reply.get("error") or {}).get("code", "")), "alert")

    def _show_ticket(self, t: dict) -> None:
        s = self.state
        if s.lookup_ticket.get("id") != t["id"]:
            s.prepare_action("")
        s.lookup_ticket = t
        s.lookup_facts = ticket_facts(t, self.counter_names, self.tz)
        s.lookup_steps = step_lines(t.get("history") or [], self.counter_names, self.tz)
        s.lookup_may = allowed_actions(t.get("state", ""), bool(s.handover_targets))

    def close_ticket(self) -> None:
        self.state.clear_lookup_ticket()

    def _acted(self, text: str) -> None:
        """An action committed: say so, then read the list and the ticket again."""
        s = self.state
        ticket_id = s.lookup_ticket.get("id")
        s.prepare_action("")
        s.say(text, "info")
        self.refresh_lookup()
        if ticket_id:
            self.open_ticket(ticket_id)

    def _refused(self, action: str):
        """Say why in words, then read the ticket again: what it is now (another tablet or a counter may
        have moved it meanwhile) shows beside the refusal."""
        t = dict(self.state.lookup_ticket)

        def refused(reply: dict) -> None:
            code = (reply.get("error") or {}).get("code", "")
            self.state.say(refusal(action, code, t.get("number", "")), "alert")
            self.state.lookup_armed = -1
            self.refresh_lookup()
            self.open_ticket(t["id"])

        return refused

    # ------------------------------------------------------------------ act on the opened ticket
    def prepare_lookup_action(self, action: str) -> None:
        """Show the buttons of one action (a second tap on the same one hides them)."""
        self.state.prepare_action("" if self.state.lookup_action == action else action)

    def transfer_ticket(self, queue_id: str) -> None:
        t = dict(self.state.lookup_ticket)
        if not t:
            return
        name = short_name(self.queue_names.get(queue_id, queue_id))
        self._send(
            self.topics.supervisor_cmd("transfer"),
            {"ticket_id": t["id"], "to_queue_id": queue_id},
            "转队列",
            lambda _reply: self._acted(f"{t['number']} 已转到 {name}，保留原取号时间"),
            self._refused("transfer"),
            key=f"transfer:{t['id']}:{queue_id}",
        )

    def hand_over_ticket(self, index: int) -> None:
        """Hand the opened ticket over to another hall; it cannot be taken back, so the first tap asks."""
        s = self.state
        t = dict(s.lookup_ticket)
        target = confirmed_target(s, "lookup_armed", index, t["number"]) if t else None
        if target is None:
            return
        self._send(
            self.topics.supervisor_cmd("handover"),
            handover_payload(t["id"], target),
            "转交他厅",
            lambda reply: self._acted(sent_text(t["number"], target["name"], reply)),
            self._refused("handover"),
            key=f"handover:{t['id']}:{index}",
        )

    def pick_annul_reason(self, reason: str) -> None:
        if reason in self.state.annul_reasons:
            self.state.lookup_reason = reason

    def annul_ticket(self, note: str) -> None:
        s = self.state
        t = dict(s.lookup_ticket)
        note = (note or "").strip()
        if not t:
            return
        if not s.lookup_reason:
            s.say("请先选择作废原因", "warn")
            return
        if s.lookup_reason == s.annul_other and not note:
            s.say(f"原因为“{s.annul_other}”时须写明原因", "warn")
            return
        payload = {"ticket_id": t["id"], "reason": s.lookup_reason}
        if note:
            payload["note"] = note[:500]
        reason = s.lookup_reason
        self._send(
            self.topics.supervisor_cmd("annul"),
            payload,
            "作废",
            lambda _reply: self._acted(f"{t['number']} 已作废（{reason}）"),
            self._refused("annul"),
            key=f"annul:{t['id']}",
        )
