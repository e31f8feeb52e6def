"""The engine's in-memory state: plain records, no I/O."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from .commands import HolderInfo

WAITING, CALLED, SERVING, DONE, NO_SHOW, TRANSFERRED, CANCELLED = (
    "waiting",
    "called",
    "serving",
    "done",
    "no_show",
    "transferred",
    "cancelled",
)
ACTIVE = (CALLED, SERVING)
# 挂起 (engine/holds.py): stepped aside at the counter, keeping the place; ended when not resumed in time
HELD, HOLD_EXPIRED = "held", "hold_expired"

# priority classes, in calling order (see calling.py)
GREEN, APPOINTMENT, RETURN, ELDERLY, NORMAL = "green", "appointment", "return", "elderly", "normal"
PRIORITY_RANK = {GREEN: 0, APPOINTMENT: 1, RETURN: 1, ELDERLY: 2, NORMAL: 3}
# added: 残疾人优先, issued by staff with a reason (engine/priority.py); called with appointments and returns
DISABILITY = "disability"
PRIORITY_RANK[DISABILITY] = 1


@dataclass(frozen=True)
class NewTicket:
    """A ticket to issue (HallEngine._issue, which is told the queue beside it): the item, how it came
    and for whom, and what its `ticket_issued` event records besides."""

    service_id: str
    channel: str
    priority: str
    kiosk_id: str  # the issuing node: a kiosk, "counter:{id}", a staff issuer, another hall
    holder: HolderInfo | None = None
    appointment_code: str | None = None
    return_of: str | None = None
    remote: str | None = None  # the partner of a remote ticket
    needs: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # a staff-issued priority: the reason, who issued it


@dataclass(slots=True)  # a busy day keeps thousands in memory: no per-instance __dict__
class TicketRec:
    id: str
    number: str
    day: date
    queue_id: str
    service_id: str
    channel: str
    priority: str
    issued_at: datetime  # kept through transfers: the citizen's place in time
    kiosk_id: str = ""
    state: str = WAITING
    counter_id: str | None = None
    called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    recalls: int = 0
    holder_hash: str | None = None
    holder_masked: dict[str, str] | None = None
    estimate_s: int = 0
    estimate_range_s: tuple[int, int] = (0, 0)
    return_of: str | None = None
    outcome: str | None = None
    missing_materials: list[str] = field(default_factory=list)
    appointment_code: str | None = None
    rating: int | None = None
    transfers: int = 0
    # hold (挂起): seconds on hold so far (never waiting, never counter time), how many holds, the current one
    held_s: float = 0.0
    holds: int = 0
    held_at: datetime | None = None
    hold_until: datetime | None = None
    hold_counter_id: str | None = None
    hold_note: str = ""
    needs: tuple[str, ...] = ()  # what the citizen asked for at issue, e.g. sign_or_text (手语/文字沟通)


ENDED = (DONE, NO_SHOW, CANCELLED, HOLD_EXPIRED)  # nothing more happens to the ticket at a counter


@dataclass(slots=True)
class PastTicket:
    """An ended ticket as the live hall keeps it until housekeeping forgets its day (RETAIN_DAYS).

    It has every field of TicketRec that status checks, late and default ratings, cases, today's
    metrics, the estimator and a later hand-over to another hall read, in about half the memory
    (strings shared, the number derived from the id): a busy day keeps thousands of these. The
    holder's keyed hash is not kept (the day's caps count it elsewhere). The event log keeps
    everything, and reports and exports replay it into full TicketRecs."""

    id: str
    day: date
    queue_id: str
    service_id: str
    channel: str
    priority: str
    issued_at: datetime
    kiosk_id: str
    state: str
    counter_id: str | None
    called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    recalls: int
    estimate_s: int  # the p50 shown on the ticket
    estimate_p80_s: int
    return_of: str | None
    outcome: str | None
    missing_materials: tuple[str, ...]
    appointment_code: str | None
    rating: int | None
    transfers: int
    holder_masked: dict[str, str] | None
    odd_number: str | None = None  # only when the id is not "YYYYMMDD-<number>"
    held_s: float = 0.0
    holds: int = 0
    needs: tuple[str, ...] = ()

    holder_hash: ClassVar[None] = None

    @property
    def number(self) -> str:
        return self.odd_number or self.id[9:]

    @property
    def estimate_range_s(self) -> tuple[int, int]:
        return self.estimate_s, self.estimate_p80_s  # the issue event always pairs p50 with p80


def served_where(t: TicketRec) -> dict[str, str | None]:
    """The ticket and where it was served, as its rating and a bad rating's case record them."""
    return {"ticket_id": t.id, "counter_id": t.counter_id, "queue_id": t.queue_id, "service_id": t.service_id}


def counter_seconds(t: TicketRec | PastTicket, until: datetime) -> float:
    """Time at counters from the ticket's (last) first call to `until`, time on hold left out: the
    service time that estimates, reports and the service-overrun rule use."""
    if t.called_at is None:
        return 0.0
    return max(0.0, (until - t.called_at).total_seconds() - t.held_s)


@dataclass
class CounterRec:
    id: str
    status: str = "closed"  # closed | open | paused
    mode: str = "fixed"  # fixed | tidal
    locked: bool = False
    queue_ids: list[str] = field(default_factory=list)
    operator_id: str | None = None
    current: str | None = None  # ticket id called or serving here
    pending_queue_ids: list[str] | None = None  # a rebalance that waits for the current citizen
    pending_reason: str = ""
    queue_since: datetime | None = None  # when its set of queues last changed
    idle_since: datetime | None = None
    calls: int = 0
    no_shows_in_row: int = 0
    call_why: dict[str, Any] | None = None  # what made a tidal counter call its current citizen from that queue


@dataclass
class AppointmentRec:
    code: str
    service_id: str
    slot_start: datetime
    slot_end: datetime
    holder_hash: str | None
    state: str = "booked"  # booked | cancelled | checked_in
    ticket_id: str | None = None
    partner: str = ""  # added: the partner app that booked it through the gateway


@dataclass
class QueueStats:
    """Smoothed service time and what the estimator learns, per queue."""

    mean_service_s: float
    recent_calls: deque[str] = field(default_factory=lambda: deque(maxlen=10))  # priority class of recent calls
    served: int = 0
    no_shows: int = 0
    called: int = 0


@dataclass
class AlertRec:
    id: str
    kind: str
    severity: str
    message: str
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    acked_at: datetime | None = None
    ack_note: str = ""
    escalated_at: datetime | None = None  # monitoring: yellow became red
    cleared_at: datetime | None = None  # monitoring: the condition ended
