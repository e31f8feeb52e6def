"""What HallEngine's mixins use of the engine: its state and the helpers they share. For the type checker only.

Each mixin derives from `EngineState`, so mypy checks its `self.tickets`, `self._emit(...)` against one
declaration that HallEngine (hall.py) and the other mixins fulfil. At run time `EngineState` is `object`:
the engine's class hierarchy, and the handler tables `dispatch.collect` builds from it, stay as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar, overload

T = TypeVar("T")


class OwnState(Generic[T]):
    """A mixin's own table, empty until replay fills it: made by `empty()` on first use, one per engine
    (a cached_property without a function), so HallEngine's constructor need not know every mixin's state."""

    def __init__(self, empty: Callable[[], T]) -> None:
        self.empty = empty

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, engine: None, owner: type) -> OwnState[T]: ...

    @overload
    def __get__(self, engine: object, owner: type) -> T: ...

    def __get__(self, engine: object | None, owner: type) -> T | OwnState[T]:
        if engine is None:
            return self
        table = engine.__dict__[self.name] = self.empty()  # found there from now on, before this
        return table


if TYPE_CHECKING:
    from datetime import date, datetime
    from typing import Any
    from zoneinfo import ZoneInfo

    from ..config.models import Bundle, Counter, Queue, Service, SiteConfig
    from ..supervision.calendar import WorkCalendar
    from .commands import AckAlert, RaiseAlert, SubmitRating
    from .estimate import WaitEstimate
    from .events import Event
    from .hours import OpeningHours
    from .records import AlertRec, AppointmentRec, CounterRec, NewTicket, QueueStats, TicketRec
    from .rejected import Result

    class EngineState:
        # ------------------------------------------------ HallEngine's state (hall.py, __init__)
        config: SiteConfig
        tz: ZoneInfo
        queues: dict[str, Queue]
        services: dict[str, Service]
        bundles: dict[str, Bundle]
        tickets: dict[str, TicketRec]
        waiting: dict[str, list[str]]
        counters: dict[str, CounterRec]
        counter_cfg: dict[str, Counter]
        sequence: dict[tuple[date, str], int]
        per_queue_day: dict[tuple[date, str], int]
        appointments: dict[str, AppointmentRec]
        slot_bookings: dict[tuple[str, datetime], int]
        stats: dict[str, QueueStats]
        alerts: dict[str, AlertRec]
        notices: list[dict[str, Any]]
        ratings: dict[str, dict[str, Any]]
        demo: str | None

        # ------------------------------------------------ HallEngine's helpers (hall.py)
        @property
        def hours(self) -> OpeningHours: ...

        def local_day(self, now: datetime) -> date: ...

        def is_ticketing_open(self, now: datetime) -> bool: ...

        def next_opening(self, now: datetime) -> datetime | None: ...

        def execute(self, cmd: Any, now: datetime) -> Result: ...

        def _emit(self, out: list[Event], type_: str, now: datetime, **data: Any) -> Event: ...

        def queue_of(self, service_id: str) -> str: ...

        def _check_in_force(self, service_id: str, day: date) -> None: ...

        def _issue(self, out: list[Event], now: datetime, queue_id: str, new: NewTicket) -> TicketRec: ...

        def position(self, ticket: TicketRec) -> int: ...

        def estimate_for(self, queue_id: str, ahead: int, now: datetime | None = None) -> WaitEstimate: ...

        def _counter(self, counter_id: str) -> CounterRec: ...

        def _ticket(self, ticket_id: str) -> TicketRec: ...

        def _alert(self, alert_id: str) -> AlertRec: ...

        def _settle_counter(self, out: list[Event], c: CounterRec, now: datetime) -> None: ...

        def _release(self, c: CounterRec, at: datetime) -> None: ...

        # ------------------------------------------------ what one mixin offers the others
        def _do_SubmitRating(self, cmd: SubmitRating, now: datetime) -> Result: ...  # supervision.py

        def _do_RaiseAlert(self, cmd: RaiseAlert, now: datetime) -> Result: ...

        def _do_AckAlert(self, cmd: AckAlert, now: datetime) -> Result: ...

        def _on_alert_raised(self, at: datetime, d: dict[str, Any]) -> None: ...

        @property
        def work_calendar(self) -> WorkCalendar: ...  # cases.py

        @property
        def monitor_alerts(self) -> dict[tuple[str, str], str]: ...  # cases.py

        def slot_capacity(self, service_id: str) -> int: ...  # appointments.py

        def ticket_view(self, t: TicketRec, now: datetime, with_holder: bool = False) -> dict[str, Any]: ...

        def counter_view(self, c: CounterRec) -> dict[str, Any]: ...  # views.py

        def item_codes(self, service_id: str | None) -> dict[str, str | None]: ...  # views.py

        @property
        def held_ids(self) -> dict[str, None]: ...  # holds.py

        def held_at_counter(self, counter_id: str) -> list[TicketRec]: ...

        def held_in_queue(self, queue_id: str) -> list[TicketRec]: ...

        @staticmethod
        def held_ref(t: TicketRec) -> dict[str, Any]: ...

else:
    EngineState = object
