"""What the supervisor tablet shows, as Kivy properties on one object that does no I/O.

The controller feeds it the broker's state and events; the .kv rules bind to it."""

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

from ..common.hall_text import duration_text, hall_note, queue_wait_text, short_name
from ..common.priority_issue import PriorityForm
from ..common.staff import StaffState
from .desk_state import SupervisorDeskState
from .lookup_state import LookupState
from .plan_state import PlanDeskState
from .screens import SCREENS

STATUS = {"open": "服务中", "paused": "暂停", "closed": "未开窗"}
# the supervisor's usual answers to a kiosk's call for staff (one tap; any other is typed)
HELP_ANSWERS = ("已派工作人员前往", "请群众到咨询台（导办台）", "已通知就近窗口工作人员前往")


def sla_level(longest_wait_s: int, sla_min: int | None, yellow_pct: int, red_pct: int) -> str:
    """ok / yellow / red: the longest wait against the queue's SLA (the broker's own thresholds)."""
    if not sla_min:
        return "ok"
    pct = 100 * longest_wait_s / (sla_min * 60)
    if pct >= red_pct:
        return "red"
    if pct >= yellow_pct:
        return "yellow"
    return "ok"


# the case screens' properties: desk_state.py; 查找: lookup_state.py; 计划: plan_state.py
class SupervisorState(LookupState, PlanDeskState, SupervisorDeskState, StaffState):
    screen = OptionProperty("login", options=SCREENS)
    site_name = StringProperty("")

    supervisor_id = StringProperty("")
    supervisor_name = StringProperty("")

    queue_rows = ListProperty([])
    counter_tiles = ListProperty([])
    alerts = ListProperty([])
    open_alerts = NumericProperty(0)

    # the counter being adjusted
    edit = DictProperty({})
    handover_targets = ListProperty([])  # [{"site", "name", "queue_id", "text"}], from the settings
    handover_armed = NumericProperty(-1)  # the target tapped once: a second tap sends the hand-over

    notices = ListProperty([])  # the notices sent or seen today: [{"time", "text"}]
    chart_version = NumericProperty(0)  # bumped when a new chart image is ready
    chart_phase = StringProperty("")  # "" | drawing | ready | failed

    rebalances = ListProperty([])  # the latest window changes: ["09:12 12号窗口 → 社保（潮汐调度：…）"]

    # the county overview (settings `county:`): one row per hall, worst first (county.row_dict)
    county_enabled = BooleanProperty(False)
    county_online = BooleanProperty(False)
    county_rows = ListProperty([])
    # the hall on the hall screen: "" is this tablet's own hall (its broker, every action); another
    # site id is shown read-only from the county's broker
    hall_note = StringProperty("")  # 演示, or when ticketing opens again (the broker's words)
    viewing = StringProperty("")
    viewing_name = StringProperty("")
    viewing_link = StringProperty("")  # that hall's link_text in the overview
    read_only = BooleanProperty(False)

    # green channel and disability priority issued from the tablet (common/priority_issue.py)
    priority = ObjectProperty(None)

    # a kiosk's call for staff being answered (screens/answer.kv): the alert's row, and whether the kiosk
    # withdrew it meanwhile (the citizen left)
    answer = DictProperty({})
    answer_gone = BooleanProperty(False)
    answer_note = StringProperty("")
    answer_choices = ListProperty(list(HELP_ANSWERS))

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.priority = PriorityForm()

    def open_answer(self, row: dict) -> None:
        self.answer = dict(row)
        self.answer_gone = False
        self.answer_note = ""

    # ------------------------------------------------------------------ queues and counters
    def set_queues(
        self, queues: list[dict], yellow_pct: int, red_pct: int, hall: dict | None = None, now: datetime | None = None
    ) -> None:
        self.hall_note = hall_note(hall, now)
        rows = []
        for q in queues:
            level = sla_level(q["longest_wait_s"], q.get("sla_min"), yellow_pct, red_pct)
            rows.append(
                {
                    "id": q["id"],
                    "name": short_name(q["name"]),
                    "waiting": q["waiting"],
                    "longest": duration_text(q["longest_wait_s"]) if q["waiting"] else "—",
                    "estimate": queue_wait_text(q, now, compact=True),
                    "counters": len(q.get("counter_ids") or []),
                    "sla": q.get("sla_min") or 0,
                    "level": level,
                }
            )
        self.queue_rows = rows

    def set_counters(self, counters: list[dict], queue_names: dict[str, str]) -> None:
        tiles = []
        for c in counters:
            serving = c.get("serving") or {}
            tiles.append(
                {
                    "id": c["id"],
                    "number": c["number"],
                    "name": c["name"],
                    "status": c["status"],
                    "status_text": STATUS.get(c["status"], c["status"]),
                    "operator": c.get("operator_id") or "",
                    "serving": serving.get("number", ""),
                    "mode": c["mode"],
                    "locked": bool(c["locked"]),
                    "queue_ids": list(c["queue_ids"]),
                    "queues_text": "、".join(short_name(queue_names.get(q, q)) for q in c["queue_ids"]),
                    "pending_text": "、".join(
                        short_name(queue_names.get(q, q)) for q in (c.get("pending_queue_ids") or [])
                    ),
                    "eligible": list(c.get("eligible_queue_ids") or c["queue_ids"]),
                    "call_reason": c.get("call_reason") or "",  # a tidal counter's choice between its queues
                    "serving_ticket_id": serving.get("ticket_id", ""),
                }
            )
        self.counter_tiles = tiles
        if self.edit and not self.edit.get("dirty"):
            me = next((t for t in tiles if t["id"] == self.edit["id"]), None)
            if me is not None:
                self.open_edit(me)

    # ------------------------------------------------------------------ adjusting one counter
    def open_edit(self, tile: dict) -> None:
        before = self.edit or {}
        if (before.get("id"), before.get("serving_ticket_id")) != (tile["id"], tile.get("serving_ticket_id")):
            self.handover_armed = -1  # a hand-over is confirmed for the citizen it was asked for, only
        self.edit = {**tile, "queue_ids": list(tile["queue_ids"]), "dirty": False}

    def edit_toggle_queue(self, queue_id: str) -> None:
        qs = list(self.edit["queue_ids"])
        if queue_id in qs:
            qs.remove(queue_id)
        else:
            qs.append(queue_id)
        self.edit = {**self.edit, "queue_ids": qs, "dirty": True}

    def edit_set(self, **changes) -> None:
        self.edit = {**self.edit, **changes, "dirty": True}
