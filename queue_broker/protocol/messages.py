"""Every payload of the hall contract v1, as typed and validated models (pydantic v2).

Received payloads are parsed strictly (no "5" for 5, no 1 for "1") but unknown fields are ignored,
so a newer client that adds a field still talks to an older broker: the contract grows by adding
fields, never by changing one. `parse` turns any failure into a `ProtocolError` whose message is a
sentence a person can read.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from .topics import LEVEL_ID_RE, SITE_ID_RE

MAX_PAYLOAD_BYTES = 64 * 1024  # no legitimate request is near this; larger ones are refused unread
STATE_MAX_BYTES = 4 * 1024 * 1024  # published state: a real hall's catalog with its guides is ~110 kB

LevelId = Annotated[str, StringConstraints(pattern=LEVEL_ID_RE.pattern, max_length=64)]
RequestId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
SiteId = Annotated[str, StringConstraints(pattern=SITE_ID_RE.pattern, max_length=64)]
ShortText = Annotated[str, StringConstraints(max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=2000)]
Channel = Literal["walk_in", "appointment", "green"]
TicketStateName = Literal[
    "waiting", "called", "serving", "done", "no_show", "transferred", "cancelled", "handed_over", "held", "hold_expired"
]  # added: handed to another hall's queue (同城通办); on hold at a counter (挂起), and its end unresumed
# What a citizen may ask for at issue (issue 23), kept on the ticket and shown to the counter only.
Need = Literal["sign_or_text"]  # 需要手语/文字沟通
CounterStatus = Literal["closed", "open", "paused"]
CounterMode = Literal["fixed", "tidal"]
DeviceState = Literal["ready", "degraded", "fault", "unknown"]
Severity = Literal["info", "yellow", "red"]

ERROR_CODES = (
    "invalid_request",  # not JSON, a missing or wrong field
    "not_found",  # no such ticket, counter, service, appointment
    "conflict",  # the state does not allow it now (calling at a closed counter, ...)
    "forbidden",  # wrong PIN, operator not allowed at this counter
    "full",  # appointment slot or daily cap reached
    "closed",  # ticketing is closed for the day
    "unavailable",  # the store could not commit; nothing was changed
    "internal",
)


class ProtocolError(ValueError):
    """A payload that does not fit the contract; `str()` is a readable sentence."""

    code = "invalid_request"


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    max_bytes: ClassVar[int] = MAX_PAYLOAD_BYTES  # what `parse` reads of this kind of message

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()


def now_iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds")


# --- shared parts ---------------------------------------------------------------------------


class Holder(Message):
    """Personal data. Only ever on cmd/ticket/issue and cmd/appointment/book; never stored in clear."""

    id_number: Annotated[str, StringConstraints(min_length=15, max_length=18, pattern=r"^[0-9A-Z]+$")]
    name: Annotated[str, StringConstraints(min_length=1, max_length=64)]

    def __repr__(self) -> str:  # never let a holder reach a log through repr()
        return "Holder(<redacted>)"

    __str__ = __repr__


class MaskedHolder(Message):
    id_number: str  # 4113**********1234
    name: str  # 张*


class HeldRef(Message):
    """A ticket on hold (挂起), as state/queues and state/counters list it: numbers only."""

    ticket_id: str
    number: str
    queue_id: str
    counter_id: str | None = None
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None


class TicketHold(Message):
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    counter_id: str | None = None
    note: str = ""


class Ticket(Message):
    id: str
    number: str
    queue_id: str
    service_id: str
    channel: Channel
    issued_at: AwareDatetime
    waiting_ahead: int
    estimated_wait_s: int
    # added in v1 (fields only grow): the honest range, the state, and what a counter needs
    estimated_wait_range_s: tuple[int, int] | None = None
    state: TicketStateName | None = None
    counter_id: str | None = None
    priority: str | None = None
    service_name: str | None = None
    queue_name: str | None = None
    holder_masked: MaskedHolder | None = None
    return_of: str | None = None
    recalls: int | None = None
    # added with the national catalog (docs/platform.md): the item's codes, when it has them
    task_code: str | None = None
    task_handle_item: str | None = None
    catalog_code: str | None = None
    # added with the gateway (docs/gateway.md), only in replies to cmd/ticket/issue and cmd/ticket/status:
    # the citizen's page credential and the URL the QR code holds
    status_token: str | None = None
    status_url: str | None = None
    # added (issue 23): holds so far and seconds on hold, the hold now, what the citizen asked for at issue
    # (`needs`: in replies to the counter's own commands only)
    holds: int | None = None
    held_s: int | None = None
    hold: TicketHold | None = None
    needs: list[str] | None = None


class ErrorBody(Message):
    code: str
    message: str


class Reply(Message):
    """`{"ok": true, ...}` or `{"ok": false, "error": {...}}`; other fields ride along."""

    model_config = ConfigDict(extra="allow", strict=True)
    ok: bool
    error: ErrorBody | None = None


def ok_reply(**fields: Any) -> dict[str, Any]:
    return {"ok": True, **fields}


def error_reply(code: str, message: str) -> dict[str, Any]:
    assert code in ERROR_CODES, code
    return {"ok": False, "error": {"code": code, "message": message}}


# --- requests --------------------------------------------------------------------------------


class Request(Message):
    # pydantic keeps a fixed cache of 16,384 parsed strings by default: request ids are never seen
    # twice, so caching values only holds 1.3 MB of dead ids in the broker (keys repeat: cached)
    model_config = ConfigDict(extra="ignore", strict=True, cache_strings="keys")
    request_id: RequestId


class TicketIssue(Request):
    kiosk_id: LevelId
    service_id: LevelId  # a service item, or a bundle (一件事一次办) id
    channel: Channel
    appointment_code: Annotated[str, StringConstraints(max_length=32)] | None = None
    holder: Holder | None = None
    language: Literal["zh", "en"] | None = None
    # added: a same-day place taken before arriving, through the gateway for a partner app
    remote: bool | None = None
    partner: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")] | None = None
    needs: list[Need] | None = Field(default=None, max_length=4)  # issue 23: e.g. ["sign_or_text"]


class TicketStatus(Request):
    ticket_id: Annotated[str, StringConstraints(max_length=64)]


class CounterOpen(Request):
    operator_id: LevelId
    pin: Annotated[str, StringConstraints(min_length=4, max_length=12, pattern=r"^[0-9]+$")]

    def __repr__(self) -> str:
        return f"CounterOpen(request_id={self.request_id!r}, operator_id={self.operator_id!r}, pin=<redacted>)"


class CounterAction(Request):
    """close, pause, resume, call-next, recall, start, no-show: nothing but the request id."""


class CounterFinish(Request):
    outcome: Literal["done", "incomplete"]
    missing_materials: list[ShortText] | None = Field(default=None, max_length=50)
    note: LongText | None = None


class CounterTransfer(Request):
    to_queue_id: LevelId


class SupervisorLogin(Request):
    supervisor_id: LevelId
    pin: Annotated[str, StringConstraints(min_length=4, max_length=12, pattern=r"^[0-9]+$")]


class SupervisorAssign(Request):
    counter_id: LevelId
    queue_ids: list[LevelId] = Field(min_length=1, max_length=32)
    mode: CounterMode
    locked: bool


class SupervisorNotice(Request):
    text: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    zone: LevelId | None = None
    until: AwareDatetime | None = None


class SupervisorAlertAck(Request):
    alert_id: Annotated[str, StringConstraints(max_length=64)]
    note: LongText | None = None


class SupervisorRecommendation(Request):
    recommendation_id: Annotated[str, StringConstraints(max_length=64)]
    decision: Literal["accept", "reject"]


class SupervisorComplaint(Request):
    """有诉即办 (seed art. 25): open a complaint case. No personal data: the citizen's contact stays in
    the complaint window's own record; link the ticket instead."""

    summary: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    category: ShortText | None = None
    counter_id: LevelId | None = None
    service_id: LevelId | None = None
    ticket_id: Annotated[str, StringConstraints(max_length=64)] | None = None


CaseStep = Literal[
    "verify",
    "appeal",
    "appeal-accept",
    "appeal-reject",
    "rectify",
    "reply",
    "revisit",
    "close",
    "handover",
    "supervise",
    "feedback",
    "answer",
    "view",
    "list",
]


class SupervisorCase(Request):
    """One step of a case (bad rating, complaint, complex question); `view` and `list` only read."""

    action: CaseStep
    case_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    note: LongText | None = None
    to: ShortText | None = None
    satisfied: bool | None = None
    include_closed: bool | None = None


class CounterComplexQuestion(Request):
    """Seed art. 17: a complex question from a one-time notification, to be answered in N working days."""

    ticket_id: Annotated[str, StringConstraints(max_length=64)]
    question: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class CounterCase(Request):
    """A counter's steps on cases: on its own cases answer (complex question), appeal, rectify (bad
    rating). Added: the 好差评/投诉 desk (a counter of kind `complaint` with an operator signed in) takes
    every step a supervisor takes, on every case; `view` and `list` only read (any other counter sees the
    cases about itself). A step without its note is refused by the engine (`invalid_request`)."""

    case_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    action: CaseStep
    note: LongText | None = None
    to: ShortText | None = None
    satisfied: bool | None = None
    include_closed: bool | None = None


class CounterComplaint(SupervisorComplaint):
    """Added: 有诉即办 taken in at the complaint window (a counter of kind `complaint`, operator signed in);
    the same body as `cmd/supervisor/complaint`."""


class AppointmentBook(Request):
    service_id: LevelId
    slot_start: AwareDatetime
    holder: Holder | None = None
    partner: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")] | None = None  # added


class AppointmentCancel(Request):
    code: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    partner: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")] | None = None  # added


class RatingSubmit(Request):
    ticket_id: Annotated[str, StringConstraints(max_length=64)]
    level: Annotated[int, Field(ge=1, le=5)]
    reasons: list[ShortText] | None = Field(default=None, max_length=20)
    comment: LongText | None = None
    # added: the ticket's status token, the proof of a citizen's own rating (docs/security.md)
    status_token: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{16,64}$")] | None = None


class CounterHandover(Request):
    """Hand the citizen at this counter to another hall's queue for the next step (同城通办)."""

    to_site: SiteId
    to_queue_id: LevelId | None = None  # default: the queue of the same service item at that hall


class SupervisorHandover(Request):
    """Hand any ticket of this hall (waiting, at a counter or done) to another hall's queue."""

    ticket_id: Annotated[str, StringConstraints(max_length=64)]
    to_site: SiteId
    to_queue_id: LevelId | None = None


class CounterIssuePriority(Request):
    """Added: a green-channel (绿色通道) or disability-priority (残疾人优先) ticket, issued by staff with a
    reason from the site's `priorities.classes.{priority}.reasons` (a note is needed with 其他)."""

    service_id: LevelId  # a service item or a bundle
    priority: Literal["green", "disability"]
    reason: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    note: ShortText | None = None


class SupervisorIssuePriority(CounterIssuePriority):
    """The same from the supervisor tablet, naming the supervisor logged in there."""

    supervisor_id: LevelId


HelpNeed = Literal["general", "priority", "visually_impaired", "hearing_impaired", "mobility"]


class TicketHelp(Request):
    """Added: a kiosk calls a member of staff to it (帮办, priority to be checked, a visually or hearing
    impaired citizen, ...): an `event/alert` of kind `help` at once, one per kiosk. `cancel: true` withdraws
    the kiosk's open call."""

    kiosk_id: LevelId
    need: HelpNeed = "general"
    cancel: bool | None = None


class TicketComplaint(Request):
    """Added: a complaint a citizen leaves at a kiosk's help screen (有诉即办, seed art. 25): a category, what
    happened, optionally the citizen's ticket. No contact details: the complaint window follows it up
    through the linked ticket or when the citizen comes to the window with the case id."""

    kiosk_id: LevelId
    summary: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    category: ShortText | None = None
    ticket_id: Annotated[str, StringConstraints(max_length=64)] | None = None


# cmd/ticket/{action} beyond issue and status; the additive modules add theirs (protocol/__init__.py)
TICKET_ACTION_MODELS: dict[str, type[Request]] = {"help": TicketHelp, "complaint": TicketComplaint}


class Appointment(Message):
    code: str
    service_id: str
    slot_start: AwareDatetime
    slot_end: AwareDatetime


COUNTER_ACTION_MODELS: dict[str, type[Request]] = {
    "open": CounterOpen,
    "close": CounterAction,
    "pause": CounterAction,
    "resume": CounterAction,
    "call-next": CounterAction,
    "recall": CounterAction,
    "start": CounterAction,
    "no-show": CounterAction,
    "finish": CounterFinish,
    "transfer": CounterTransfer,
    "complex-question": CounterComplexQuestion,
    "case": CounterCase,
    "handover": CounterHandover,
    "issue-priority": CounterIssuePriority,
    "complaint": CounterComplaint,  # added: the complaint window takes a complaint in
}
SUPERVISOR_ACTION_MODELS: dict[str, type[Request]] = {
    "login": SupervisorLogin,
    "assign": SupervisorAssign,
    "notice": SupervisorNotice,
    "alert-ack": SupervisorAlertAck,
    "recommendation": SupervisorRecommendation,
    "complaint": SupervisorComplaint,
    "case": SupervisorCase,
    "handover": SupervisorHandover,
    "issue-priority": SupervisorIssuePriority,
}
APPOINTMENT_ACTION_MODELS: dict[str, type[Request]] = {"book": AppointmentBook, "cancel": AppointmentCancel}


# --- published state -------------------------------------------------------------------------


class QueueState(Message):
    id: str
    prefix: str
    name: str
    waiting: int
    longest_wait_s: int
    estimated_wait_s: int
    counter_ids: list[str]
    estimated_wait_range_s: tuple[int, int] | None = None
    sla_min: int | None = None
    serving: int | None = None
    held: list[HeldRef] | None = None  # issue 23: on hold, keeping their place (not waiting)
    # additive (issue 17, protocol/waiting.py): why the wait is what it is, in words, for every face
    wait_status: Literal["estimate", "no_wait", "no_counter", "closed", "full"] | None = None
    wait_text: str | None = None
    next_opening: AwareDatetime | None = None


class DayRatings(Message):
    """Additive: the day's 好差评 counts (good = levels 3-5, bad = 1-2, annulled ones left out), for the
    county overview's satisfaction rate; nothing personal."""

    day: date
    good: int
    bad: int
    rated: int
    finished: int


class HallState(Message):
    """Additive (issue 17): the hall as a whole, at the top of state/queues (protocol/waiting.py)."""

    ticketing_open: bool
    next_opening: AwareDatetime | None = None
    self_service_open: bool | None = None
    demo: str | None = None  # "open_now": every queue opened for a demonstration; faces show 演示
    text: str | None = None


class QueuesState(Message):
    max_bytes: ClassVar[int] = STATE_MAX_BYTES
    at: AwareDatetime
    queues: list[QueueState]
    ratings: DayRatings | None = None  # absent from halls older than this field
    hall: HallState | None = None  # absent from halls older than this field


class ServingRef(Message):
    ticket_id: str
    number: str
    state: TicketStateName
    recalls: int | None = None  # issue 23: a number called again, for screens (re)started mid-call
    called_at: AwareDatetime | None = None


class CounterState(Message):
    id: str
    number: int
    name: str
    status: CounterStatus
    mode: CounterMode
    locked: bool
    queue_ids: list[str]
    serving: ServingRef | None
    zone: str | None = None
    kind: str | None = None
    operator_id: str | None = None
    eligible_queue_ids: list[str] | None = None
    pending_queue_ids: list[str] | None = None  # a rebalance waiting for the current citizen to finish
    call_reason: str | None = None  # a tidal counter: why it called its citizen from that queue (rule 4)
    held: list[HeldRef] | None = None  # issue 23: tickets on hold at this counter


class CountersState(Message):
    max_bytes: ClassVar[int] = STATE_MAX_BYTES
    at: AwareDatetime
    counters: list[CounterState]


class Material(Message):
    name: str
    originals: int = 0  # 原件
    copies: int = 0  # 复印件
    form: str = ""  # 纸质 / 电子 / 纸质或电子
    note: str = ""
    required: bool = True


class Guide(Message):
    """办事指南 in the one format of seed art. 11."""

    implementing_body: str  # 实施主体
    legal_basis: list[str]  # 设定依据
    conditions: list[str]  # 申请条件
    sample_forms: list[str] = []  # 示范文本
    common_mistakes: list[str] = []  # 常见错误示例
    fee: str  # 收费标准
    fee_basis: str = ""  # 收费依据
    process: list[str]  # 办理流程
    time_limit_days: int  # 承诺时限 (working days); 0 = 即办
    legal_time_limit_days: int | None = None  # 法定时限
    result: str  # 结果名称
    result_sample: str = ""  # 结果样本
    contact: str  # 咨询方式
    online: bool = False  # can also be applied for online
    note: str = ""


class CatalogQueue(Message):
    id: str
    prefix: str
    name: str
    sla_min: int | None = None
    name_en: str | None = None


class CatalogService(Message):
    id: str
    name: str
    queue_id: str
    department: str
    guide: Guide
    materials: list[Material]
    self_service: bool
    category: str | None = None
    life_events: list[str] = []
    keywords: list[str] = []
    appointment: bool = False
    usual_service_min: float | None = None
    name_en: str | None = None
    # published since the platform work (docs/protocol.md); read by the counter's 受理: 即办 or 承诺
    project_type: str | None = None
    promise_day: int | None = None
    promise_day_type: str | None = None


class CatalogBundle(Message):
    id: str
    name: str
    queue_id: str
    service_ids: list[str]
    description: str = ""


class CatalogState(Message):
    max_bytes: ClassVar[int] = STATE_MAX_BYTES
    version: str
    queues: list[CatalogQueue]
    services: list[CatalogService]
    bundles: list[CatalogBundle] = []
    site_name: str | None = None
    effective_from: str | None = None
    updated_at: AwareDatetime | None = None


# --- events ----------------------------------------------------------------------------------


class TicketEvent(Message):
    """What every event about one ticket opens with: when, the ticket and its number (nothing personal)."""

    at: AwareDatetime
    ticket_id: str
    number: str


class QueueTicketEvent(TicketEvent):
    """A ticket's event that names its queue too."""

    queue_id: str


class IssuedEvent(QueueTicketEvent):
    service_id: str
    channel: Channel
    waiting_ahead: int | None = None
    kiosk_id: str | None = None
    priority: str | None = None  # added: the ticket's priority class (green, disability, elderly, ...)


class CalledEvent(QueueTicketEvent):
    counter_id: str
    counter_number: int
    counter_name: str
    recall: int
    zone: str | None = None
    # issue 23, for displays: highlight a number called again; the last call before a no-show; a citizen
    # called back after a hold (挂起)
    recall_limit: int | None = None
    last_call: bool | None = None
    resumed: bool | None = None
    first_called_at: AwareDatetime | None = None


class FinishedEvent(QueueTicketEvent):
    counter_id: str
    outcome: Literal["done", "incomplete"]
    waited_s: int | None = None
    served_s: int | None = None
    return_ticket_id: str | None = None


class NoShowEvent(QueueTicketEvent):
    counter_id: str


class TransferredEvent(TicketEvent):
    from_queue_id: str
    to_queue_id: str
    counter_id: str | None = None


class RebalancedEvent(Message):
    at: AwareDatetime
    counter_id: str
    from_queue_ids: list[str]
    to_queue_ids: list[str]
    reason: str
    counter_number: int | None = None
    by: str | None = None  # "rebalancer" or a supervisor id


class AlertEvent(Message):
    at: AwareDatetime
    kind: str
    severity: Severity
    message: str
    id: str | None = None
    queue_id: str | None = None
    counter_id: str | None = None
    node_id: str | None = None
    recommendation_id: str | None = None
    # added with electronic monitoring: the rule, its subject, and raised | escalated | acked | cleared
    rule: str | None = None
    subject: str | None = None
    state: str | None = None
    # added with a kiosk's call for staff (rule `help`, docs/protocol.md): what is needed, its label (视障), the zone
    need: str | None = None
    need_label: str | None = None
    zone: str | None = None


class CaseEvent(Message):
    """A case opened or moved one step (no notes or summaries: those stay with supervisors)."""

    at: AwareDatetime
    case_id: str
    kind: Literal["bad_rating", "complaint", "complex_question"]
    state: str
    action: str
    deadline: AwareDatetime | None = None
    counter_id: str | None = None
    queue_id: str | None = None


class NoticeEvent(Message):
    at: AwareDatetime
    text: str
    zone: str | None = None
    until: AwareDatetime | None = None


class HandoverEvent(Message):
    """A hand-over between halls changed: `sent` and then `accepted` or `refused` at the hall that hands
    over, `received` or `refused` at the hall that takes it. No personal data."""

    at: AwareDatetime
    handover_id: str
    state: Literal["sent", "accepted", "refused", "received"]
    from_site: str
    to_site: str
    ticket_id: str  # this hall's ticket
    number: str
    queue_id: str | None = None
    origin_ticket_id: str | None = None  # at the receiving hall: the ticket it came from
    origin_number: str | None = None
    remote_ticket_id: str | None = None  # at the handing hall, once accepted
    remote_number: str | None = None
    counter_id: str | None = None  # at the handing hall: the counter the citizen was handed over from
    code: str | None = None  # refused: the error code


EVENT_MODELS: dict[str, type[Message]] = {
    "issued": IssuedEvent,
    "called": CalledEvent,
    "finished": FinishedEvent,
    "no-show": NoShowEvent,
    "transferred": TransferredEvent,
    "rebalanced": RebalancedEvent,
    "alert": AlertEvent,
    "notice": NoticeEvent,
    "case": CaseEvent,
    "handover": HandoverEvent,
}


# --- between halls: hand-overs over the county link (docs/county.md) ---------------------------


class HandoverStep(Message):
    """One step of the ticket's life at the hall that hands it over."""

    at: AwareDatetime
    step: Literal["issued", "called", "started", "finished", "handed_over"]
    queue_id: str | None = None
    counter_id: str | None = None
    outcome: str | None = None
    missing_materials: list[ShortText] | None = Field(default=None, max_length=50)
    to_site: str | None = None


class HandoverTicket(Message):
    """The original ticket, as the receiving hall keeps it. `holder_masked` is the masked form only: the
    keyed hash is the handing hall's (another key) and the clear ID number never leaves the kiosk's request."""

    id: str
    number: str
    queue_id: str
    service_id: LevelId
    channel: str
    priority: str
    issued_at: AwareDatetime
    queue_name: str | None = None
    service_name: str | None = None
    holder_masked: MaskedHolder | None = None
    transfers: int = 0  # moves between queues of the handing hall (the engine keeps the count, not each move)


class HandoverCaseRef(Message):
    id: str
    kind: str
    state: str


class HandoverRequest(Message):
    """hall/{from}/handover/{to}/request, QoS 1; sent again until a reply comes (same `handover_id`)."""

    handover_id: RequestId
    from_site: SiteId
    to_site: SiteId
    to_queue_id: LevelId | None = None
    handed_over_at: AwareDatetime
    ticket: HandoverTicket
    history: list[HandoverStep] = Field(default_factory=list, max_length=100)
    cases: list[HandoverCaseRef] = Field(default_factory=list, max_length=50)
    from_site_name: ShortText | None = None
    by: ShortText | None = None  # the counter or supervisor node that handed it over


class HandoverTicketRef(Message):
    id: str
    number: str
    queue_id: str


class HandoverReply(Message):
    """hall/{to}/handover/{from}/reply, QoS 1: the same answer every time the same request arrives."""

    handover_id: RequestId
    state: Literal["accepted", "refused"]
    at: AwareDatetime
    ticket: HandoverTicketRef | None = None  # accepted: the ticket at the receiving hall
    error: ErrorBody | None = None  # refused: why (not_found, closed, full, invalid_request)


# --- node and device health -------------------------------------------------------------------


class NodeStatus(Message):
    online: bool
    role: str
    version: str
    at: AwareDatetime
    zone: str | None = None


class DeviceHealth(Message):
    kind: str
    ok: bool
    state: DeviceState
    message: str
    at: AwareDatetime


# --- parsing ---------------------------------------------------------------------------------

M = TypeVar("M", bound=Message)


def parse(model: type[M], payload: bytes | str) -> M:
    """Validate a received payload; any failure becomes a ProtocolError with a readable reason."""
    if isinstance(payload, str):
        payload = payload.encode()
    if len(payload) > model.max_bytes:
        raise ProtocolError(f"the message is {len(payload)} bytes; the limit is {model.max_bytes}")
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"the message is not UTF-8 (byte {exc.start})") from None
    try:
        # JSON mode: strings stand for datetimes, but "5" never stands for 5.
        return model.model_validate_json(payload, strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == "json_invalid":
            raise ProtocolError(f"the message is not JSON: {first['ctx'].get('error', '')}") from None
        if first["type"] == "model_type" and not first["loc"]:
            raise ProtocolError("the message must be a JSON object") from None
        raise ProtocolError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    """The first problem of a ValidationError as one sentence, e.g. `field 'level': ...`."""
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err["loc"]) or "message"
        msg = err["msg"]
        if err["type"] == "missing":
            parts.append(f"field '{where}' is missing")
        elif err["type"] == "literal_error":
            parts.append(f"field '{where}' {msg[0].lower()}{msg[1:]}")
        else:
            parts.append(f"field '{where}': {msg}")
    return "; ".join(parts)
