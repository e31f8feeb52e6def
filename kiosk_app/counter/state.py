"""What the counter terminal shows, as Kivy properties on one object that does no I/O.

The controller changes it from the broker's replies and published state; the .kv rules bind to
it. Of the citizen it keeps only what the broker's reply to this counter carries: the masked name
(`张*`); the masked ID number is never put on screen.
"""

from __future__ import annotations

from datetime import datetime

from kivy.properties import (
    BooleanProperty,
    DictProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    OptionProperty,
    StringProperty,
)

from ..common.hall_text import CHANNELS, PRIORITIES, duration_text, queue_wait_text, short_name
from ..common.handover_targets import target_rows
from ..common.priority_issue import PriorityForm
from ..common.staff import StaffState
from .desk_state import CounterDeskState
from .files_state import CounterFilesState
from .hold_state import CounterHoldState
from .reserve_state import CounterReserveState
from .screens import SCREENS

# the other hall's refusal codes (docs/county.md, "hand-overs"), for the operator
HANDOVER_REFUSALS = {"not_found": "对方没有该事项或队列", "closed": "对方今日已停止取号", "full": "对方该队列今日已满"}
RATING_LEVELS = ((5, "非常满意"), (4, "满意"), (3, "基本满意"), (2, "不满意"), (1, "非常不满意"))
OTHER_MATERIAL = "其他材料（窗口当面说明）"


class CounterState(
    CounterHoldState, CounterFilesState, CounterReserveState, CounterDeskState, StaffState
):  # *_state.py
    screen = OptionProperty("login", options=SCREENS)

    counter_id = StringProperty("")
    counter_number = NumericProperty(0)
    counter_name = StringProperty("")
    operator_id = StringProperty("")
    operator_name = StringProperty("")
    status = StringProperty("closed")  # closed | open | paused (from state/counters)
    mode = StringProperty("fixed")
    locked = BooleanProperty(False)
    queue_ids = ListProperty([])
    queue_text = StringProperty("")
    pending_text = StringProperty("")  # a rebalance waiting for the current citizen
    queue_rows = ListProperty([])  # the queues this counter serves: [{"id","name","waiting","wait"}]
    waiting_total = NumericProperty(0)

    # the citizen at the counter
    ticket = DictProperty({})
    phase = StringProperty("")  # "" | called | serving
    phase_text = StringProperty("")  # 已呼叫 00:35 / 办理中 05:12
    called_mono = NumericProperty(0)
    started_mono = NumericProperty(0)

    # transfer and one-time notification
    transfer_choices = ListProperty([])
    materials = ListProperty([])  # [{"name", "detail", "ticked"}]
    notice_phase = StringProperty("")  # "" | printing | printed | failed
    last_return_number = StringProperty("")

    # hand-over to another hall (同城通办): the targets come from the counter's settings, none = no action
    handover_targets = ListProperty([])  # [{"site", "name", "queue_id", "text"}]
    handover_choice = NumericProperty(-1)  # index into handover_targets; -1: none chosen yet

    # rating (好差评)
    rating_ticket = DictProperty({})  # {"id", "number"}: the citizen who may rate now
    rating_level = NumericProperty(0)
    rating_reasons = ListProperty([])
    rating_phase = StringProperty("")  # "" | choose | reason | sending | done

    figures = DictProperty({})
    devices = DictProperty({})  # device id -> {"kind", "state", "message"}

    # green channel and disability priority issued here (common/priority_issue.py)
    priority = ObjectProperty(None)
    priority_print = StringProperty("")  # "" | printing | printed | failed | none: the ticket issued here

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.priority = PriorityForm()

    # ------------------------------------------------------------------ the counter
    def set_counter(self, c: dict, queue_names: dict[str, str]) -> None:
        self.status = c["status"]
        self.mode = c["mode"]
        self.locked = bool(c["locked"])
        self.queue_ids = list(c["queue_ids"])
        self.queue_text = "、".join(short_name(queue_names.get(q, q)) for q in c["queue_ids"])
        pending = c.get("pending_queue_ids")
        self.pending_text = (
            "本位群众办结后改办：" + "、".join(short_name(queue_names.get(q, q)) for q in pending) if pending else ""
        )
        serving = c.get("serving")
        if serving is None and self.ticket and self.phase:
            # finished elsewhere (the supervisor, a second terminal, the day closing)
            self.clear_ticket()
        elif serving is not None and not self.ticket:
            # the terminal restarted while a citizen was at the counter: what the state tells
            self.ticket = {
                "id": serving["ticket_id"],
                "number": serving["number"],
                "service_name": "",
                "queue_name": "",
                "channel_text": "",
                "waited_text": "",
                "holder_name": "",
            }
            self.phase = "serving" if serving["state"] == "serving" else "called"

    def set_queues(self, queues: list[dict]) -> None:
        mine = [q for q in queues if q["id"] in self.queue_ids]
        self.queue_rows = [
            {
                "id": q["id"],
                "name": short_name(q["name"]),
                "waiting": q["waiting"],
                "wait": queue_wait_text(q),  # the broker's words (protocol/waiting.py)
            }
            for q in mine
        ]
        self.waiting_total = sum(q["waiting"] for q in mine)

    # ------------------------------------------------------------------ requests
    # ------------------------------------------------------------------ the citizen
    def ticket_called(self, t: dict, now: datetime, mono: float) -> None:
        issued = datetime.fromisoformat(t["issued_at"])
        holder = t.get("holder_masked") or {}
        channel = CHANNELS.get(t.get("channel", ""), t.get("channel", ""))
        priority = PRIORITIES.get(t.get("priority") or "normal", "")
        self.ticket = {
            "id": t["id"],
            "number": t["number"],
            "service_id": t.get("service_id", ""),
            "service_name": t.get("service_name") or t.get("service_id", ""),
            "queue_id": t.get("queue_id", ""),
            "queue_name": short_name(t.get("queue_name") or ""),
            "channel_text": channel + (f" · {priority}" if priority else ""),
            "waited_text": duration_text((now - issued).total_seconds()),
            "holder_name": holder.get("name", ""),  # 张*: the masked name only, never the ID number
            "recalls": t.get("recalls") or 0,
            "needs": list(t.get("needs") or []),  # 需要手语/文字沟通...: the desk's banner (hold_text.needs_text)
        }
        self.phase = "called"
        self.called_mono = mono
        self.started_mono = 0
        self.tick_phase(mono)

    def ticket_recalled(self, recalls: int, mono: float) -> None:
        self.ticket = {**self.ticket, "recalls": recalls}
        self.tick_phase(mono)

    def ticket_started(self, mono: float) -> None:
        self.phase = "serving"
        self.started_mono = mono
        self.tick_phase(mono)

    def clear_ticket(self) -> None:
        self.ticket = {}
        self.phase = ""
        self.phase_text = ""

    def tick_phase(self, mono: float) -> None:
        if self.phase == "called":
            recalls = self.ticket.get("recalls") or 0
            extra = f"（已重呼{recalls}次）" if recalls else ""
            since = duration_text(mono - self.called_mono) if self.called_mono else ""
            self.phase_text = f"已呼叫 {since}{extra}"
        elif self.phase == "serving":
            since = duration_text(mono - self.started_mono) if self.started_mono else ""
            self.phase_text = f"办理中 {since}"
        else:
            self.phase_text = ""

    # ------------------------------------------------------------------ transfer, materials
    def open_transfer(self, queues: list[dict]) -> None:
        here = self.ticket.get("queue_id")
        self.transfer_choices = [
            {"id": q["id"], "name": short_name(q["name"]), "waiting": q.get("waiting", 0)}
            for q in queues
            if q["id"] != here
        ]
        self.screen = "transfer"

    def set_handover_targets(self, targets: list[dict]) -> None:
        """From the settings' `handover_sites`: each with the line the operator reads."""
        self.handover_targets = target_rows(targets)

    def open_handover(self) -> None:
        # one target: already chosen, the operator only confirms; several: the operator picks one first
        self.handover_choice = 0 if len(self.handover_targets) == 1 else -1
        self.screen = "handover"

    def choose_handover(self, index: int) -> None:
        if 0 <= index < len(self.handover_targets):
            self.handover_choice = index

    def handover_answered(
        self, number: str, to_site: str, answer: str, remote_number: str | None, code: str | None
    ) -> None:
        """The other hall's answer to a hand-over from this counter, on the message line: accepted with
        its number there, or refused with the reason (the operator may then tell the citizen, who can be
        handed over again or served here)."""
        hall = next((t["name"] for t in self.handover_targets if t["site"] == to_site), to_site)
        if answer == "accepted":
            there = f"，对方号码{remote_number}" if remote_number else ""
            self.say(f"{number} 已由{hall}受理{there}", "info")
        elif answer == "refused":
            why = HANDOVER_REFUSALS.get(code or "", code or "未说明原因")
            self.say(f"{number} 未被{hall}受理：{why}；可重新转交或在本厅办理", "alert")

    def handover_target(self) -> dict | None:
        if 0 <= self.handover_choice < len(self.handover_targets):
            return dict(self.handover_targets[self.handover_choice])
        return None

    def open_materials(self, materials: list[dict]) -> None:
        rows = [{"name": m["name"], "detail": _material_detail(m), "ticked": False} for m in materials]
        rows.append({"name": OTHER_MATERIAL, "detail": "", "ticked": False})
        self.materials = rows
        self.screen = "materials"

    def toggle_material(self, index: int) -> None:
        rows = [dict(r) for r in self.materials]
        rows[index]["ticked"] = not rows[index]["ticked"]
        self.materials = rows

    def ticked_materials(self) -> list[str]:
        return [r["name"] for r in self.materials if r["ticked"]]

    # ------------------------------------------------------------------ rating
    def open_rating(self, ticket_id: str, number: str, show: bool) -> None:
        self.rating_ticket = {"id": ticket_id, "number": number}
        self.rating_level = 0
        self.rating_reasons = []
        self.rating_phase = "choose"
        if show:
            self.screen = "rating"

    def choose_level(self, level: int) -> bool:
        """True when the rating can be sent now (a bad rating first needs a reason)."""
        self.rating_level = level
        if level <= 2:
            self.rating_phase = "reason"
            self.screen = "rating"
            return bool(self.rating_reasons)
        return True

    def toggle_reason(self, reason: str) -> None:
        reasons = list(self.rating_reasons)
        if reason in reasons:
            reasons.remove(reason)
        else:
            reasons.append(reason)
        self.rating_reasons = reasons

    def rating_done(self) -> None:
        self.rating_ticket = {}
        self.rating_phase = ""
        self.rating_level = 0
        self.rating_reasons = []

    # ------------------------------------------------------------------ today's figures
    def count(self, **changes: float) -> None:
        f = dict(self.figures)
        for key, value in changes.items():
            f[key] = f.get(key, 0) + value
        served = f.get("served", 0)
        f["mean_wait_text"] = duration_text(f["wait_sum"] / f["waited"]) if f.get("waited") else "—"
        f["mean_service_text"] = duration_text(f["service_sum"] / served) if served and f.get("service_sum") else "—"
        f["rating_text"] = f"{f['rating_sum'] / f['rated']:.1f}" if f.get("rated") else "—"
        self.figures = f


def _material_detail(m: dict) -> str:
    parts = []
    if m.get("originals"):
        parts.append(f"原件{m['originals']}份")
    if m.get("copies"):
        parts.append(f"复印件{m['copies']}份")
    if m.get("note"):
        parts.append(m["note"])
    return "，".join(parts)


def empty_figures() -> dict:
    return {
        "served": 0,
        "incomplete": 0,
        "no_show": 0,
        "transferred": 0,
        "waited": 0,
        "wait_sum": 0.0,
        "service_sum": 0.0,
        "rated": 0,
        "rating_sum": 0,
        "bad": 0,
        "mean_wait_text": "—",
        "mean_service_text": "—",
        "rating_text": "—",
    }
