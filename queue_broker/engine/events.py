"""Domain events: the only thing the store keeps. State is what replaying them through
`HallEngine.apply` gives, so a restart and a live run go through the same code."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


@dataclass(frozen=True)
class Event:
    type: str
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        return {"type": self.type, "at": self.at.isoformat(), "data": self.data}

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Event:
        return cls(type=rec["type"], at=datetime.fromisoformat(rec["at"]), data=rec["data"])


def command_data(cmd: DataclassInstance, leave_out: Collection[str] = ()) -> dict[str, Any]:
    """A command's fields as an event's data, in the form the log keeps: tuples as lists, times as ISO text."""
    data = {f.name: getattr(cmd, f.name) for f in fields(cmd) if f.name not in leave_out}
    for name, value in data.items():
        if isinstance(value, tuple):
            data[name] = list(value)
        elif isinstance(value, datetime):
            data[name] = value.isoformat()
    return data


# ticket life
TICKET_ISSUED = "ticket_issued"
TICKET_CALLED = "ticket_called"  # also a recall, with recall > 0
TICKET_STARTED = "ticket_started"
TICKET_FINISHED = "ticket_finished"
TICKET_NO_SHOW = "ticket_no_show"
TICKET_TRANSFERRED = "ticket_transferred"
TICKET_CANCELLED = "ticket_cancelled"
# counters
COUNTER_OPENED = "counter_opened"
COUNTER_CLOSED = "counter_closed"
COUNTER_PAUSED = "counter_paused"
COUNTER_RESUMED = "counter_resumed"
COUNTER_ASSIGNED = "counter_assigned"  # by a supervisor
COUNTER_REBALANCE_PLANNED = "counter_rebalance_planned"  # waits for the current citizen
COUNTER_REBALANCED = "counter_rebalanced"
# appointments, ratings, supervision
APPOINTMENT_BOOKED = "appointment_booked"
APPOINTMENT_CANCELLED = "appointment_cancelled"
RATING_SUBMITTED = "rating_submitted"
NOTICE_POSTED = "notice_posted"
ALERT_RAISED = "alert_raised"
ALERT_ACKED = "alert_acked"
RECOMMENDATION_DECIDED = "recommendation_decided"
# electronic monitoring, cases, device health (engine/cases.py, docs/supervision.md)
ALERT_ESCALATED = "alert_escalated"  # yellow -> red
ALERT_CLEARED = "alert_cleared"  # the condition ended
RATING_DEFAULTED = "rating_defaulted"  # not rated in time: counts as the configured level (满意)
CASE_OPENED = "case_opened"  # bad-rating, complaint or complex-question case
CASE_STEP = "case_step"  # one transition of a case's closed loop
DEVICE_HEALTH_RECORDED = "device_health_recorded"  # a device's health changed
# live configuration changes (engine/configuration.py, docs/platform.md): the audit record of each
CONFIG_CHANGED = "config_changed"
# 办件: applications after the counter (engine/applications.py)
APPLICATION_OPENED = "application_opened"  # accepted (受理), or refused at once (不予受理)
APPLICATION_STEP = "application_step"  # one step towards 出件
# hand-overs between halls (engine/handover.py)
TICKET_HANDED_OVER = "ticket_handed_over"  # this hall handed a ticket to another hall; holds the request
HANDOVER_SETTLED = "handover_settled"  # the other hall accepted or refused it
HANDOVER_RECEIVED = "handover_received"  # another hall's ticket is now a ticket here (after ticket_issued)
HANDOVER_REFUSED = "handover_refused"  # another hall's request was refused here: the same answer every time
# 24-hour self-service (engine/selfservice.py)
SELF_SERVICE_RECORDED = "self_service_recorded"  # a kiosk printed (or tried to print) a citizen's record
# the gateway (engine/remote.py): a citizen's "come now" notice asked for, then due
NOTICE_REQUESTED = "notice_requested"  # the ticket, travel time and channel; never an address
NOTICE_DUE = "notice_due"  # the come-now rule fired (engine/come_now.py)
# serving everyone alike (issue 23: engine/holds.py, engine/lookup.py)
TICKET_HELD = "ticket_held"  # 挂起: left the counter, keeps its place; holds its limit
TICKET_RESUMED = "ticket_resumed"  # called again at a counter after a hold
TICKET_HOLD_ENDED = "ticket_hold_ended"  # not resumed in time (expired) or released: the ticket ends
# (a supervisor's annulment, 作废, is a ticket_cancelled with reason "annulled"; a supervisor's transfer a
# ticket_transferred with "by")
# materials on file (issue 23: engine/materials.py): references and figures, never the pages themselves
MATERIAL_ATTACHED = "material_attached"
MATERIAL_ERASED = "material_erased"  # retention passed, or removed at the counter: the file goes too
# planning ahead (engine/planning.py): the day's forecast and reserve windows
DAY_FORECAST_SET = "day_forecast_set"
RESERVE_ASKED = "reserve_asked"  # a back-office clerk is asked to open a window
RESERVE_CANCELLED = "reserve_cancelled"  # the ask was withdrawn before a counter took it
RESERVE_TAKEN = "reserve_taken"  # the clerk opened the window at a counter
RESERVE_RELEASED = "reserve_released"  # its queues are served: it closes after its current citizen
RESERVE_CLOSED = "reserve_closed"  # the window closed: the ask is over
PLAN_REQUESTED = "plan_requested"  # a supervisor asked for a plan now (made outside the engine)
