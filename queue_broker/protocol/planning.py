"""Payloads of planning ahead (docs/planning.md, additive to contract v1): reserve windows and plans.

- `cmd/supervisor/reserve` `{"request_id", "action": "ask" | "cancel" | "release", "reserve_id", "reason"?,
  "queue_ids"?}`: a supervisor calls a back-office clerk in, withdraws the ask, or releases the window.
- `cmd/counter/{counter}/take-reserve` `{"request_id", "reserve_id"}`: the asked clerk, logged in at that
  counter (`open`), takes the ask: the counter serves the reserve's queues until released.
- `cmd/supervisor/plan` `{"request_id", "what": "forecast" | "day-plan" | "cross-train", "day"?,
  "max_extra"?}`: recompute a plan now; the answer comes on `state/plan`.
- `state/reserves` (retained): every reserve clerk and the present ask; `event/reserve` on every step.
- `state/plan` (retained): the day's forecast, the day plan, the cross-training advice.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AwareDatetime, Field

from .messages import STATE_MAX_BYTES, LevelId, Message, Request, ShortText

ReserveStateName = Literal["idle", "asked", "open", "closing"]


class SupervisorReserve(Request):
    action: Literal["ask", "cancel", "release"]
    reserve_id: LevelId
    reason: ShortText | None = None
    queue_ids: list[LevelId] | None = Field(default=None, max_length=32)


class CounterTakeReserve(Request):
    reserve_id: LevelId


class SupervisorPlan(Request):
    what: Literal["forecast", "day-plan", "cross-train"]
    day: date | None = None
    max_extra: Annotated[int, Field(ge=0, le=64)] | None = None


class ReserveView(Message):
    id: str
    name: str
    eligible_queue_ids: list[str]
    ready_min: float | None
    counters: list[str] | Literal["*"] = "*"  # the windows the clerk may take the ask at
    state: ReserveStateName
    ask_id: str | None = None
    asked_at: AwareDatetime | None = None
    ready_by: AwareDatetime | None = None
    taken_at: AwareDatetime | None = None
    released_at: AwareDatetime | None = None
    counter_id: str | None = None
    counter_number: int | None = None
    queue_ids: list[str] = []
    reason: str = ""
    by: str = ""


class ReservesToday(Message):
    asks: int
    counter_minutes: float


class ReservesState(Message):
    max_bytes: ClassVar[int] = STATE_MAX_BYTES
    at: AwareDatetime
    reserves: list[ReserveView]
    today: ReservesToday


class ReserveEvent(Message):
    at: AwareDatetime
    reserve_id: str
    ask_id: str | None
    state: Literal["asked", "cancelled", "taken", "released", "closed"]
    counter_id: str | None = None
    counter_number: int | None = None
    queue_ids: list[str] = []
    reason: str | None = None
    ready_by: AwareDatetime | None = None
    minutes: float | None = None  # cancelled, closed: the counter-minutes of the ask
    by: str | None = None


class PlanJob(Message):
    what: str
    day: str | None = None
    state: Literal["queued", "running", "done", "failed"]
    requested_at: AwareDatetime | None = None
    finished_at: AwareDatetime | None = None
    message: str = ""


class PlanState(Message):
    """The shapes of `forecast`, `day_plan` and `cross_training` are those of the CLI's `--json`
    (docs/planning.md); absent until first computed."""

    max_bytes: ClassVar[int] = STATE_MAX_BYTES
    at: AwareDatetime
    forecast: dict[str, Any] | None = None
    day_plan: dict[str, Any] | None = None
    cross_training: dict[str, Any] | None = None
    jobs: list[PlanJob] = []


PLANNING_COUNTER_ACTIONS: dict[str, type[Request]] = {"take-reserve": CounterTakeReserve}
PLANNING_SUPERVISOR_ACTIONS: dict[str, type[Request]] = {"reserve": SupervisorReserve, "plan": SupervisorPlan}
