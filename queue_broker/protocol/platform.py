"""Payloads between the hall and the provincial platforms (docs/platform.md), additive to protocol v1:

- `cmd/supervisor/reload`: take the site file (catalog, opening hours) into the running broker;
- `cmd/counter/{counter}/application` and `cmd/supervisor/application`: a 办件 (an application accepted
  at the counter, with its `case_no` and promised date) through its states to 出件;
- `cmd/supervisor/uplink`: what the 好差评 uplink still has to send, and "try now";
- `event/application`: an application opened or moved one step (no personal data);
- `state/platform`: the uplink's pending count and the open applications, for the supervisor tablet.

Requests are parsed like every other request (strict, unknown fields ignored); the models are registered
in `messages.COUNTER_ACTION_MODELS` / `SUPERVISOR_ACTION_MODELS` and `messages.EVENT_MODELS` by the
package's `__init__`.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from .messages import STATE_MAX_BYTES, LevelId, LongText, Message, Request, ShortText

CaseNo = Annotated[str, StringConstraints(min_length=1, max_length=64)]

APPLICATION_ACTIONS = (
    "accept",  # 受理: open the application for the citizen at (or just served at) this counter
    "process",  # 办理: the department works on it
    "correct",  # 补正: a one-time list of what is missing (一次性告知); the clock stops
    "resubmit",  # the missing materials arrived: back to 办理, the clock runs again
    "reject",  # 不予受理, with its reason
    "conclude",  # 办结 (approved or not)
    "result-ready",  # 出件: the result is ready; the citizen is told (pickup or post)
    "deliver",  # collected at the 出件 window, or handed to the post
    "view",
    "list",
)


class SupervisorReload(Request):
    """Read the broker's site file again and run from it (catalog, opening hours, thresholds)."""

    note: LongText | None = None
    operator: ShortText | None = None  # the person who asked, recorded beside the node


class ApplicationRequest(Request):
    """One step of a 办件 (`action`), or `view` / `list`."""

    action: Literal[
        "accept", "process", "correct", "resubmit", "reject", "conclude", "result-ready", "deliver", "view", "list"
    ]
    case_no: CaseNo | None = None
    ticket_id: Annotated[str, StringConstraints(max_length=64)] | None = None  # accept: the citizen's ticket
    service_id: LevelId | None = None  # accept: the item (default: the ticket's)
    note: LongText | None = None
    missing_materials: list[ShortText] | None = Field(default=None, max_length=50)  # correct
    reason: LongText | None = None  # reject
    outcome: Literal["approved", "not_approved"] | None = None  # conclude
    delivery: Literal["pickup", "post"] | None = None  # result-ready
    tracking_no: Annotated[str, StringConstraints(max_length=64)] | None = None  # deliver (post)
    carrier: ShortText | None = None
    include_closed: bool | None = None  # list
    state: ShortText | None = None  # list: only this state


class SupervisorUplink(Request):
    """`status`: what the platform uplink has not had acknowledged; `retry-now`: skip the back-off."""

    action: Literal["status", "retry-now"]


class ApplicationEvent(Message):
    """event/application: a 办件 opened or moved one step. No name, no ID, no notes."""

    at: AwareDatetime
    case_no: str
    state: str
    action: str
    service_id: str
    task_code: str | None = None
    task_handle_item: str | None = None
    dept_code: str | None = None
    counter_id: str | None = None
    ticket_id: str | None = None
    accepted_at: AwareDatetime | None = None
    due_at: AwareDatetime | None = None
    delivery: str | None = None
    notice: str | None = None  # result-ready: gateway | sms | window | post


class UplinkState(Message):
    configured: bool
    pending: int
    oldest_pending_at: AwareDatetime | None = None
    last_ack_at: AwareDatetime | None = None
    last_error: str | None = None
    next_try_at: AwareDatetime | None = None


class ApplicationCounts(Message):
    open: int
    warned: int  # yellow: 80 % of the promised time spent
    overdue: int
    result_ready: int


class PlatformState(Message):
    """state/platform (retained): what the supervisor tablet shows beside the cases."""

    max_bytes: ClassVar[int] = STATE_MAX_BYTES
    at: AwareDatetime
    uplink: UplinkState
    notices: UplinkState
    applications: ApplicationCounts
    catalog_version: str | None = None
    config_version: str | None = None
