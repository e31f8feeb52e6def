"""Commands the engine understands. They carry no personal data in clear: the service layer turns
an ID number into a keyed hash, a masked form and an age before the engine sees it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class HolderInfo:
    hash: str
    masked_id: str
    masked_name: str
    age: int | None = None


@dataclass(frozen=True)
class IssueTicket:
    kiosk_id: str
    service_id: str  # a service or a bundle
    channel: str  # walk_in | appointment | green
    holder: HolderInfo | None = None
    appointment_code: str | None = None
    remote: bool = False  # added: a same-day place taken before arriving (engine/remote.py)
    partner: str = ""
    needs: tuple[str, ...] = ()  # issue 23: e.g. "sign_or_text" (需要手语/文字沟通), kept on the ticket


@dataclass(frozen=True)
class OpenCounter:
    counter_id: str
    operator_id: str
    pin: str


@dataclass(frozen=True)
class CounterCommand:
    """close, pause, resume, call-next, recall, start, no-show."""

    counter_id: str
    action: str


@dataclass(frozen=True)
class FinishTicket:
    counter_id: str
    outcome: str  # done | incomplete
    missing_materials: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class TransferTicket:
    counter_id: str
    to_queue_id: str


@dataclass(frozen=True)
class AssignCounter:
    counter_id: str
    queue_ids: tuple[str, ...]
    mode: str
    locked: bool
    by: str = "supervisor"


@dataclass(frozen=True)
class RebalanceCounter:
    """From the rebalancer: takes effect at once when the counter is free, else when its citizen leaves."""

    counter_id: str
    queue_ids: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class BookAppointment:
    service_id: str
    slot_start: datetime
    code: str  # made by the caller (random): the engine has no randomness of its own
    holder: HolderInfo | None = None
    partner: str = ""  # added: the partner app that booked it (only it may look it up or cancel it)


@dataclass(frozen=True)
class CancelAppointment:
    code: str
    partner: str | None = None  # added: set when a partner cancels (its own bookings only)


@dataclass(frozen=True)
class SubmitRating:
    ticket_id: str
    level: int
    reasons: tuple[str, ...] = ()
    comment: str = ""
    by: str = ""  # the node that sent it (its role gives the 好差评 channel, docs/platform.md)
    # added with the rating rights (docs/security.md): who proves the right to rate. "counter:{id}" (its own
    # topic, proved by the ACL), "token" (the ticket's status token, checked by the service). None only for
    # in-process callers (the demo week, tests), which the MQTT service never builds.
    source: str | None = None
    channel: str = ""  # 好差评 channel: rating_pad, qr_code, kiosk


@dataclass(frozen=True)
class PostNotice:
    text: str
    zone: str | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class RaiseAlert:
    alert_id: str
    kind: str
    severity: str
    message: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AckAlert:
    alert_id: str
    note: str = ""
    by: str = "supervisor"


@dataclass(frozen=True)
class CheckSupervisor:
    supervisor_id: str
    pin: str


@dataclass(frozen=True)
class DecideRecommendation:
    recommendation_id: str
    decision: str  # accept | reject
    by: str = "supervisor"


@dataclass(frozen=True)
class ExpireTickets:
    """Cancel tickets of earlier local days still waiting or called: yesterday's queue never
    spills into this morning's calls."""

    before_day: str  # ISO date


# --- electronic monitoring and the closed loops (engine/cases.py) -------------------------------


@dataclass(frozen=True)
class EscalateAlert:
    alert_id: str
    severity: str  # red
    message: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ClearAlert:
    alert_id: str
    reason: str = ""


@dataclass(frozen=True)
class ApplyDefaultRatings:
    """Served tickets not rated within the configured days count as the default level."""

    ticket_ids: tuple[str, ...]


@dataclass(frozen=True)
class OpenComplaint:
    """有诉即办 (seed art. 25): a complaint accepted at the complaint window."""

    summary: str
    category: str = ""
    counter_id: str | None = None
    service_id: str | None = None
    ticket_id: str | None = None
    by: str = "supervisor"
    # added: who took it in: "supervisor", "desk" (the complaint window, `desk_counter_id`) or "kiosk"
    source: str = "supervisor"
    desk_counter_id: str | None = None


@dataclass(frozen=True)
class OpenComplexQuestion:
    """Seed art. 17: a complex question from a one-time notification, answered within N working days."""

    counter_id: str
    ticket_id: str
    question: str
    by: str = ""


@dataclass(frozen=True)
class CaseAction:
    """One step of a case's closed loop. `counter_id` is set when a counter terminal sends it (it may
    only take its own counter's steps); None for a supervisor."""

    case_id: str
    action: str
    note: str = ""
    to: str | None = None  # handover target (complaints)
    satisfied: bool | None = None  # revisit result
    counter_id: str | None = None
    by: str = "supervisor"


@dataclass(frozen=True)
class ViewCases:
    """Read only: one case with its history, or the open cases. `counter_id`: asked by that counter (the
    complaint desk sees every case, another counter the cases about itself)."""

    case_id: str | None = None
    include_closed: bool = False
    counter_id: str | None = None


@dataclass(frozen=True)
class RecordDeviceHealth:
    node_id: str
    device_id: str
    kind: str
    ok: bool
    state: str
    message: str = ""


# --- live configuration changes (engine/configuration.py, docs/platform.md) ----------------------


@dataclass(frozen=True)
class ApplyConfig:
    """A checked site file (a SiteConfig) to run from now on. `kind` is `reload` (a supervisor's command
    or SIGHUP) or `startup` (the file changed while the broker was stopped)."""

    config: Any
    version: str
    from_version: str | None
    catalog_version: str
    changes: tuple[str, ...] = ()
    restart_needed: tuple[str, ...] = ()
    kind: str = "reload"
    by: str = ""
    note: str = ""


@dataclass(frozen=True)
class RecordConfigChange:
    """A dated change that took effect by itself (an item's effective or cancel date, dated opening hours):
    recorded for the audit, nothing else changes."""

    version: str
    from_version: str | None
    catalog_version: str
    changes: tuple[str, ...]
    kind: str = "dated"
    by: str = "schedule"
    note: str = ""


# --- 办件: applications after the counter (engine/applications.py, docs/platform.md) --------------


@dataclass(frozen=True)
class ApplicationAction:
    """One step of a 办件: accept (opens one for the citizen's ticket), process, correct, resubmit, reject,
    conclude, result-ready, deliver. `counter_id` is set when a counter terminal sends it; None for a
    supervisor. `pickup_code` is made by the service layer for result-ready (the engine has no randomness)."""

    action: str
    case_no: str | None = None  # or a pickup code, for the steps after result-ready
    ticket_id: str | None = None
    service_id: str | None = None
    counter_id: str | None = None
    note: str = ""
    missing_materials: tuple[str, ...] = ()
    reason: str = ""
    outcome: str | None = None
    delivery: str | None = None
    tracking_no: str | None = None
    carrier: str | None = None
    pickup_code: str | None = None
    by: str = ""


@dataclass(frozen=True)
class ViewApplications:
    """Read only: one 办件 with its history (by case_no or pickup code), or the open ones."""

    case_no: str | None = None
    include_closed: bool = False
    state: str | None = None
    counter_id: str | None = None


# --- hand-overs between halls (同城通办, engine/handover.py, docs/county.md) ----------------------


@dataclass(frozen=True)
class HandOverTicket:
    """Hand a ticket to another hall's queue. `counter_id` hands over that counter's citizen; a supervisor
    names `ticket_id`. `handover_id` is the request's id: the same id twice is one hand-over."""

    handover_id: str
    to_site: str
    to_queue_id: str | None = None
    counter_id: str | None = None
    ticket_id: str | None = None
    by: str = ""


@dataclass(frozen=True)
class ReceiveHandover:
    """Another hall's hand-over request arrived (the service checked it against protocol.HandoverRequest
    and that `from_site` is the hall whose topic it came on)."""

    from_site: str
    request: dict[str, Any]


@dataclass(frozen=True)
class SettleHandover:
    """The other hall's answer to one of this hall's hand-overs (a protocol.HandoverReply)."""

    from_site: str
    reply: dict[str, Any]


# --- priority issued by people, and the kiosk's call for a helper (engine/priority.py) --------------


@dataclass(frozen=True)
class IssuePriorityTicket:
    """A green-channel or disability-priority ticket, issued by staff with a reason. `role` is the
    command's topic family (cmd/counter/{counter}/... or cmd/supervisor/...), which the ACL enforces;
    a counter's issuer is its logged-in operator, the supervisor's the `supervisor_id` of its tablet."""

    role: str  # counter | supervisor
    service_id: str
    priority: str  # green | disability
    reason: str
    note: str = ""
    counter_id: str | None = None
    supervisor_id: str | None = None
    by: str = ""  # the sending node


# --- serving everyone alike (issue 23): hold and resume, the supervisor's ticket actions, help --------


@dataclass(frozen=True)
class HoldTicket:
    """挂起: the citizen at the counter steps aside (one paper missing) and keeps the place."""

    counter_id: str
    note: str = ""
    missing_materials: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResumeHeld:
    """The citizen is back: a held ticket is called at this counter. By ticket id or by number."""

    counter_id: str
    ticket_id: str | None = None
    number: str | None = None


@dataclass(frozen=True)
class ReleaseHeld:
    """End a hold before its limit (the citizen will not come back today). `counter_id` None: a supervisor."""

    counter_id: str | None
    ticket_id: str | None = None
    number: str | None = None
    note: str = ""
    by: str = ""


@dataclass(frozen=True)
class ExpireHolds:
    """Holds past the site's limit end (a tick task sends this when one is due)."""


@dataclass(frozen=True)
class ViewCounter:
    """Read only: the counter's citizen now (with what only the counter sees) and its held tickets."""

    counter_id: str


@dataclass(frozen=True)
class FindTickets:
    """Read only: the supervisor's lookup by ticket id, number, counter, state or queue, on one day."""

    ticket_id: str | None = None
    number: str | None = None
    counter_id: str | None = None
    state: str | None = None
    queue_id: str | None = None
    day: str | None = None  # ISO date; the local day of `now` when None
    limit: int | None = None


@dataclass(frozen=True)
class SupervisorTransfer:
    """Move any waiting, called, served or held ticket to another queue, keeping its issue time."""

    ticket_id: str
    to_queue_id: str
    note: str = ""
    by: str = "supervisor"


@dataclass(frozen=True)
class AnnulTicket:
    """作废: a supervisor annuls a ticket with one of the site's reasons."""

    ticket_id: str
    reason: str
    note: str = ""
    by: str = "supervisor"


@dataclass(frozen=True)
class RequestHelp:
    """A kiosk asks the floor for help (帮办), e.g. for a visually impaired citizen (视障); `cancel` ends it."""

    kiosk_id: str
    need: str  # general | visually_impaired | hearing_impaired | mobility | priority
    cancel: bool = False
    by: str = ""


# --- 24-hour self-service records (engine/selfservice.py, docs/selfservice.md) -------------------


@dataclass(frozen=True)
class RecordSelfService:
    """A kiosk's self-service transaction, for the audit log: the item, the kiosk, how it ended, and the
    citizen only as the keyed hash of the ID number (the service layer makes it)."""

    kiosk_id: str
    service_id: str
    holder_hash: str
    outcome: str
    pages: int = 0
    started_at: datetime | None = None


# --- the gateway: a citizen's own actions, "come now" notices (engine/remote.py, docs/gateway.md) ------


@dataclass(frozen=True)
class CancelTicket:
    """The citizen gives the place up (their page, or a kiosk with the ticket in hand)."""

    ticket_id: str


@dataclass(frozen=True)
class RequestNotice:
    """Send a "come now" notice in time for a `travel_min` journey back (the address stays with the gateway)."""

    ticket_id: str
    travel_min: int
    channel: str  # sms | wechat | web


@dataclass(frozen=True)
class NoticeDue:
    """From the come-now task: the ticket is now likely enough to be called within its travel time."""

    ticket_id: str
    p_called: float


# --- materials on file (issue 23 item 5, engine/materials.py): references only, never the pages --------


@dataclass(frozen=True)
class AttachMaterial:
    """A page the materials door has checked and encrypted (`material_id` names its file) becomes part of
    a ticket's or a case's file. `meta`: width, height, bytes, sha256, ink, sharpness, format."""

    material_id: str
    title: str
    source: str  # camera | scan | photo
    meta: dict[str, Any] = field(default_factory=dict)
    ticket_id: str | None = None
    case_id: str | None = None
    counter_id: str | None = None
    kiosk_id: str | None = None
    by: str = ""


@dataclass(frozen=True)
class ListMaterials:
    """Read only: the materials of a ticket or a case that this counter (or kiosk) may see."""

    ticket_id: str | None = None
    case_id: str | None = None
    counter_id: str | None = None
    kiosk_id: str | None = None


@dataclass(frozen=True)
class RemoveMaterial:
    """A counter takes a page off the file (the wrong page, a duplicate): it is erased at once."""

    material_id: str
    counter_id: str | None = None
    reason: str = ""
    by: str = ""


@dataclass(frozen=True)
class EraseMaterials:
    """Materials past the site's retention period are erased (a tick task sends this)."""

    material_ids: tuple[str, ...]
    reason: str = "retention"


# --- planning ahead (engine/planning.py, docs/planning.md) ---------------------------------------


@dataclass(frozen=True)
class SetDayForecast:
    """The day's expected tickets per queue and half-hour, from the hall's history (plan/forecast.py):
    kept as an event so the estimate, the reserve planner and the reports read the same forecast."""

    day: str  # ISO date
    first_cell: int  # half-hour of the local day the lists start at (17 = 08:30)
    queues: dict[str, list[float]]  # queue id -> [expected tickets per half-hour, ...]
    low: dict[str, list[int]] = field(default_factory=dict)  # queue id -> 10th percentiles, same cells
    high: dict[str, list[int]] = field(default_factory=dict)  # queue id -> 90th percentiles
    history_days: int = 0


@dataclass(frozen=True)
class AskReserve:
    """Call in a back-office clerk (site `reserves`) to open a window (必要时启动潮汐窗口)."""

    reserve_id: str
    reason: str
    queue_ids: tuple[str, ...] = ()  # the queues the ask is for (a subset of the reserve's)
    by: str = "planner"


@dataclass(frozen=True)
class CancelReserve:
    """Withdraw an ask that no counter has taken yet."""

    reserve_id: str
    reason: str = ""
    by: str = "planner"


@dataclass(frozen=True)
class TakeReserve:
    """The asked clerk opens the window at this counter (logged in there with `open`)."""

    counter_id: str
    reserve_id: str
    mode: str = "tidal"  # how the window calls: by need (tidal) or longest wait (fixed)


@dataclass(frozen=True)
class ReleaseReserve:
    """The reserve window's queues are served: it closes (after its current citizen)."""

    reserve_id: str
    reason: str = ""
    by: str = "planner"


@dataclass(frozen=True)
class RequestPlan:
    """A supervisor asks for a plan to be made now (forecast, day plan, cross-training advice): recorded,
    and made by the broker's planning worker (plan/service.py), which publishes it on state/plan."""

    what: str  # forecast | day-plan | cross-train
    day: str | None = None  # ISO date; None: the usual day (today's forecast, the next working day's plan)
    max_extra: int | None = None
    by: str = "supervisor"
