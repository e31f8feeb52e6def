"""Request bodies of the HTTP contract. Integers and booleans are strict ("5" is not 5: 422 with the field);
unknown fields are ignored (v1 clients of a newer page may send more). A holder is never repr'd."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, Strict, StringConstraints

StrictInt = Annotated[int, Strict()]
RequestId = Annotated[str, Strict(), StringConstraints(min_length=1, max_length=128)]
ServiceId = Annotated[str, Strict(), StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
Phone = Annotated[str, Strict(), StringConstraints(pattern=r"^1[3-9]\d{9}$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Holder(_Body):
    id_number: Annotated[str, Strict(), StringConstraints(min_length=15, max_length=18, pattern=r"^[0-9A-Za-z]+$")]
    name: Annotated[str, Strict(), StringConstraints(min_length=1, max_length=64)]

    def __repr__(self) -> str:  # never let a holder reach a log through repr()
        return "Holder(<redacted>)"

    __str__ = __repr__


class NotifyBody(_Body):
    channel: Literal["sms", "wechat", "web"]
    address: Annotated[str, Strict(), StringConstraints(max_length=64)] = ""
    travel_min: Annotated[int, Strict(), Field(ge=0, le=180)]


class RatingBody(_Body):
    level: Annotated[int, Strict(), Field(ge=1, le=5)]
    reasons: list[Annotated[str, Strict(), StringConstraints(max_length=200)]] = Field(
        default_factory=list, max_length=20
    )
    comment: Annotated[str, Strict(), StringConstraints(max_length=2000)] | None = None


class AppointmentBody(_Body):
    service_id: ServiceId
    slot_start: AwareDatetime
    holder: Holder
    phone: Phone | None = None
    request_id: RequestId


class RemoteTicketBody(_Body):
    service_id: ServiceId
    holder: Holder | None = None
    phone: Phone | None = None
    request_id: RequestId


class Estimate(BaseModel):
    lo_min: int
    hi_min: int


class CounterRef(BaseModel):
    id: str
    number: int
    name: str | None = None


class NoticeState(BaseModel):
    channel: str | None = None
    travel_min: int | None = None
    come_now: bool = False


class TicketView(BaseModel):
    number: str
    service_id: str
    service_name: str | None
    status: Literal[
        "waiting", "called", "serving", "finished", "no_show", "transferred", "handed_over", "cancelled", "expired"
    ]
    ahead: int
    estimate: Estimate | None
    counter: CounterRef | None
    called_at: str | None
    channel: str | None
    as_of: str
    queue_name: str | None = None
    recalls: int = 0
    rated: bool = False
    notice: NoticeState | None = None


class NotifyAccepted(BaseModel):
    notify_id: str


class RatingAccepted(BaseModel):
    status: Literal["rated"]
    level: int


class Slot(BaseModel):
    start: str
    end: str
    capacity: int
    booked: int
    available: int


class CheckIn(BaseModel):
    from_: str = Field(alias="from")
    until: str


class AppointmentCreated(BaseModel):
    appointment_id: str
    code: str
    slot_start: str
    slot_end: str
    check_in: CheckIn


class TicketRef(BaseModel):
    number: str
    status_token: str


class AppointmentView(BaseModel):
    appointment_id: str
    service_id: str
    slot_start: str
    slot_end: str
    status: Literal["booked", "checked_in", "cancelled", "missed"]
    ticket: TicketRef | None = None


class Cancelled(BaseModel):
    status: Literal["cancelled"]


class RemoteTicketCreated(BaseModel):
    number: str
    status_token: str
    status_url: str
    estimate: Estimate | None


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail
