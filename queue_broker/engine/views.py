"""The engine's state in the shapes of protocol v1 (replies, state/queues, state/counters). A mixin."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..protocol.waiting import hall_words, wait_words
from .day_ratings import day_ratings
from .records import ACTIVE, HELD, NO_SHOW, SERVING, WAITING, CounterRec, TicketRec
from .state import EngineState


class ViewsMixin(EngineState):
    def ticket_view(self, t: TicketRec, now: datetime, with_holder: bool = False) -> dict[str, Any]:
        ahead = self.position(t)
        if t.state == WAITING:
            est = self.estimate_for(t.queue_id, ahead, now)
            estimate_s, rng = est.p50_s, [est.p50_s, est.p80_s]
        else:
            estimate_s, rng = 0, [0, 0]
        svc = self.services.get(t.service_id) or self.bundles.get(t.service_id)
        view: dict[str, Any] = {
            "id": t.id,
            "number": t.number,
            "queue_id": t.queue_id,
            "service_id": t.service_id,
            "channel": t.channel,
            "issued_at": t.issued_at.isoformat(),
            "waiting_ahead": ahead,
            "estimated_wait_s": estimate_s,
            "estimated_wait_range_s": rng,
            "state": t.state,
            "counter_id": t.counter_id,
            "priority": t.priority,
            "service_name": svc.name if svc else None,
            "queue_name": self.queues[t.queue_id].name if t.queue_id in self.queues else None,
            "recalls": t.recalls,
            "return_of": t.return_of,
            **self.item_codes(t.service_id),
        }
        if with_holder and t.holder_masked:
            view["holder_masked"] = dict(t.holder_masked)
        # issue 23: holds (挂起), and what the citizen asked for at issue, which only the counter sees
        if t.holds:
            view["holds"] = t.holds
            view["held_s"] = int(t.held_s)
        if t.state == HELD:
            view["hold"] = {
                "since": t.held_at.isoformat() if t.held_at else None,
                "until": t.hold_until.isoformat() if t.hold_until else None,
                "counter_id": t.hold_counter_id,
                "note": t.hold_note,
            }
        if with_holder and t.needs:
            view["needs"] = list(t.needs)
        return view

    def item_codes(self, service_id: str | None) -> dict[str, str | None]:
        """The national codes of an item (docs/platform.md): on every ticket and case view, additive."""
        svc = self.services.get(service_id) if service_id else None
        n = svc.national if svc is not None else None
        return {
            "task_code": n.task_code if n else None,
            "task_handle_item": n.task_handle_item if n else None,
            "catalog_code": (n.catalog_code or None) if n else None,
        }

    def counter_view(self, c: CounterRec) -> dict[str, Any]:
        cfg = self.counter_cfg[c.id]
        serving = None
        if c.current:
            t = self.tickets[c.current]
            serving = {
                "ticket_id": t.id,
                "number": t.number,
                "state": t.state,
                # issue 23: a screen (re)started mid-call still highlights a number called again
                "recalls": t.recalls,
                "called_at": t.called_at.isoformat() if t.called_at else None,
            }
        return {
            "id": c.id,
            "number": cfg.number,
            "name": cfg.name,
            "status": c.status,
            "mode": c.mode,
            "locked": c.locked,
            "queue_ids": list(c.queue_ids),
            "serving": serving,
            "zone": cfg.zone,
            "kind": cfg.kind,
            "operator_id": c.operator_id,
            "eligible_queue_ids": list(cfg.eligible),
            "pending_queue_ids": c.pending_queue_ids,
            "call_reason": self.call_reason(c) if c.current else None,
            "held": [self.held_ref(t) for t in self.held_at_counter(c.id)],  # 挂起 here (numbers only)
        }

    def call_reason(self, c: CounterRec) -> str | None:
        """Why a tidal counter called its citizen from that queue (calling rule 4), for the supervisor."""
        why = c.call_why
        q = self.queues.get((why or {}).get("queue_id", ""))
        if not why or q is None:
            return None
        if why["rule"] == "at_risk":
            waited = round(why["wait_s"] / 60)
            near = "已超过" if why["wait_s"] >= q.sla_min * 60 else "将超过"
            return f"按需叫号：{q.name}该号已等{waited}分钟，{near}{q.sla_min}分钟时限，优先叫"
        others = why["others"]
        helpers = "仅本窗口办理" if others <= 0 else f"另有约{others:g}个窗口办理"
        return f"按需叫号：{q.name}等候{why['waiting']}人、{helpers}，最需要人手"

    def wait_status(self, queue_id: str, estimate_s: int, now: datetime) -> str:
        """Why a newcomer's wait for this queue is what it is (protocol/waiting.py): closed, full,
        no_counter, no_wait or estimate. One answer for every face."""
        if not self.is_ticketing_open(now):
            return "closed"
        q = self.queues[queue_id]
        if q.daily_cap and self.per_queue_day[(self.local_day(now), queue_id)] >= q.daily_cap:
            return "full"
        if not any(c.status in ("open", "paused") and queue_id in c.queue_ids for c in self.counters.values()):
            return "no_counter"
        return "no_wait" if estimate_s <= 0 else "estimate"

    def hall_view(self, now: datetime) -> dict[str, Any]:
        """The hall as a whole: tickets issued now or when next, the 24-hour zone, the demo mark."""
        ticketing = self.is_ticketing_open(now)
        nxt = None if ticketing else self.next_opening(now)
        return {
            "ticketing_open": ticketing,
            "next_opening": nxt.isoformat() if nxt else None,
            "self_service_open": self.hours.self_service_open(now),
            "demo": self.demo,
            "text": hall_words(ticketing, nxt, self.demo, now),
        }

    def queue_view(self, queue_id: str, now: datetime) -> dict[str, Any]:
        q = self.queues[queue_id]
        waiting = self.waiting[queue_id]
        longest = max(((now - self.tickets[t].issued_at).total_seconds() for t in waiting), default=0)
        est = self.estimate_for(queue_id, len(waiting), now)
        status = self.wait_status(queue_id, est.p50_s, now)
        nxt = self.next_opening(now) if status == "closed" else None
        return {
            "id": q.id,
            "prefix": q.prefix,
            "name": q.name,
            "waiting": len(waiting),
            "longest_wait_s": int(max(0, longest)),
            "estimated_wait_s": est.p50_s,
            "estimated_wait_range_s": [est.p50_s, est.p80_s],
            "sla_min": q.sla_min,
            "counter_ids": [c.id for c in self.counters.values() if c.status != "closed" and q.id in c.queue_ids],
            "serving": sum(1 for c in self.counters.values() if c.current and self.tickets[c.current].queue_id == q.id),
            "held": [self.held_ref(t) for t in self.held_in_queue(q.id)],  # 挂起: keep their place, not waiting
            # additive (issue 17): why the wait is what it is, in words, the same for every face
            "wait_status": status,
            "wait_text": wait_words(status, est.p50_s, nxt, now),
            "next_opening": nxt.isoformat() if nxt else None,
        }

    def queues_state(self, now: datetime) -> dict[str, Any]:
        # `ratings` is additive: the day's 好差评 counts, which the county link carries (docs/protocol.md);
        # so is `hall`: ticketing open or when next, the 24-hour zone, the demo mark
        return {
            "at": now.isoformat(),
            "queues": [self.queue_view(q, now) for q in self.queues],
            "ratings": day_ratings(self, now),
            "hall": self.hall_view(now),
        }

    def counters_state(self, now: datetime) -> dict[str, Any]:
        return {"at": now.isoformat(), "counters": [self.counter_view(c) for c in self.counters.values()]}

    def called_event(
        self, ticket_id: str, counter_id: str, recall: int, at: datetime, resumed: bool = False
    ) -> dict[str, Any]:
        t, cfg = self.tickets[ticket_id], self.counter_cfg[counter_id]
        return {
            "at": at.isoformat(),
            "ticket_id": t.id,
            "number": t.number,
            "queue_id": t.queue_id,
            "counter_id": counter_id,
            "counter_number": cfg.number,
            "counter_name": cfg.name,
            "recall": recall,
            "zone": cfg.zone,
            # issue 23, for displays: a number called again (recall > 0) is highlighted; the last call
            # before a no-show says so; a citizen back from a hold (挂起) is called again as resumed
            "recall_limit": self.config.recall_limit,
            "last_call": recall > 0 and recall >= self.config.recall_limit,
            "resumed": resumed,
            "first_called_at": t.called_at.isoformat() if t.called_at else None,
        }

    def active_ticket_ids(self) -> list[str]:
        return [t.id for t in self.tickets.values() if t.state in ACTIVE]

    def no_show_tally(self) -> int:
        return sum(1 for t in self.tickets.values() if t.state == NO_SHOW)

    def serving_count(self) -> int:
        return sum(1 for t in self.tickets.values() if t.state == SERVING)
