"""The hall's domain engine: tickets, queues, counters, appointments. Pure: no I/O, no clock.

`execute(command, now)` checks a command against the state, turns it into events, applies each
through `apply` (the same function a restart replays), and returns the events and the reply.
It raises `Rejected` before changing anything when the command is not allowed. The service layer
commits the events durably before it sends the reply; if that fails it rebuilds the engine from
the store, so a half-applied command never survives.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from functools import cached_property
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from ..config.models import SiteConfig
from ..protocol.waiting import DEMO_OPEN_NOW, opening_words
from ..security.pins import check_pin
from . import events as ev
from .applications import ApplicationsMixin
from .appointments import AppointmentsMixin
from .calling import QueueLoad, choose_next
from .cases import CasesMixin
from .commands import (
    AssignCounter,
    CounterCommand,
    ExpireTickets,
    FinishTicket,
    IssueTicket,
    OpenCounter,
    RebalanceCounter,
    TransferTicket,
)
from .configuration import ConfigMixin
from .dispatch import applies, collect, handles
from .estimate import Board, WaitEstimate, forecast_wait, smooth
from .events import Event
from .handover import HandoverMixin
from .holds import HoldsMixin
from .hours import OpeningHours
from .lookup import LookupMixin
from .materials import MaterialsMixin
from .planning import PlanningMixin
from .priority import PriorityMixin
from .records import (
    APPOINTMENT,
    CALLED,
    DONE,
    ELDERLY,
    NO_SHOW,
    NORMAL,
    PRIORITY_RANK,
    RETURN,
    SERVING,
    WAITING,
    AlertRec,
    AppointmentRec,
    CounterRec,
    NewTicket,
    QueueStats,
    TicketRec,
    counter_seconds,
)
from .rejected import Rejected, Result
from .remote import RemoteMixin
from .selfservice import SelfServiceMixin
from .supervision import SupervisionMixin
from .views import ViewsMixin


class HallEngine(
    RemoteMixin,
    AppointmentsMixin,
    CasesMixin,
    HandoverMixin,
    SupervisionMixin,
    HoldsMixin,
    LookupMixin,
    MaterialsMixin,
    ViewsMixin,
    PriorityMixin,
    ConfigMixin,
    ApplicationsMixin,
    PlanningMixin,
    SelfServiceMixin,
):
    # The explicit handler tables (engine/dispatch.py): command type -> method name, event type -> method name.
    command_handlers: ClassVar[dict[type, str]]
    event_appliers: ClassVar[dict[str, str]]
    # estimate.cached_board's cache ((state version, time), board): set there on first use, absent before
    _board_cache: tuple[tuple[int, datetime], Board]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.command_handlers, cls.event_appliers = collect(cls)

    def __init__(self, config: SiteConfig):
        self.config = config
        self.tz = ZoneInfo(config.site.timezone)
        self.queues = {q.id: q for q in config.queues}
        self.services = {s.id: s for s in config.services}
        self.bundles = {b.id: b for b in config.bundles}
        self.tickets: dict[str, TicketRec] = {}
        self.waiting: dict[str, list[str]] = {q: [] for q in self.queues}  # ticket ids, in arrival order
        self.counters = {
            c.id: CounterRec(id=c.id, queue_ids=list(c.home), mode="tidal" if c.tidal else "fixed")
            for c in config.counters
        }
        self.counter_cfg = {c.id: c for c in config.counters}
        self.sequence: dict[tuple[date, str], int] = defaultdict(int)  # (local day, prefix) -> last number
        self.per_person: dict[tuple[date, str], int] = defaultdict(int)
        self.per_person_queue: dict[tuple[date, str, str], int] = defaultdict(int)
        self.per_queue_day: dict[tuple[date, str], int] = defaultdict(int)
        self.appointments: dict[str, AppointmentRec] = {}
        self.slot_bookings: dict[tuple[str, datetime], int] = defaultdict(int)
        self.stats = {q.id: QueueStats(mean_service_s=q.mean_service_min * 60) for q in config.queues}
        self.alerts: dict[str, AlertRec] = {}
        self.notices: list[dict[str, Any]] = []
        self.ratings: dict[str, dict[str, Any]] = {}
        self.last_event_at: datetime | None = None
        self.events_applied = 0
        # "open_now": every queue issues tickets whatever the hours say, for a demonstration (`up
        # --open-now`); set by the service, never stored: a restart without it keeps the real hours
        self.demo: str | None = None

    # ================================================================ time and calendar
    def local_day(self, now: datetime) -> date:
        return now.astimezone(self.tz).date()

    @cached_property
    def hours(self) -> OpeningHours:
        return OpeningHours(self.config.site, self.work_calendar)

    def is_ticketing_open(self, now: datetime) -> bool:
        return self.demo == DEMO_OPEN_NOW or self.hours.ticketing_open(now)

    def next_opening(self, now: datetime) -> datetime | None:
        return self.hours.next_opening(now)

    def is_self_service(self, service_id: str) -> bool:
        """An item the 24-hour self-service zone's terminals do (seed art. 26), without a ticket."""
        svc = self.services.get(service_id)
        return bool(svc and svc.self_service) or service_id in self.config.site.self_service.service_ids

    def closed_words(self, service_id: str, now: datetime) -> str:
        """Why no ticket now, in words: when ticketing opens; for a self-service item while the 24-hour
        zone is open, that it is done there, at a self-service terminal, with no ticket."""
        nxt = self.next_opening(now)
        text = f"现在不取号，{opening_words(nxt, now)}开始" if nxt else "现在不取号，开始时间请咨询工作人员"
        if self.is_self_service(service_id) and self.hours.self_service_open(now):
            text += "；此事项可在24小时自助服务区的自助终端办理，不用取号"
        return text

    # ================================================================ dispatch
    def execute(self, cmd: Any, now: datetime) -> Result:
        name = self.command_handlers.get(type(cmd))
        if name is None:
            raise TypeError(f"unknown command {type(cmd).__name__}")
        result: Result = getattr(self, name)(cmd, now)
        return result

    def _emit(self, out: list[Event], type_: str, now: datetime, **data: Any) -> Event:
        e = Event(type_, now, data)
        self.apply(e)
        out.append(e)
        return e

    # ================================================================ tickets
    def queue_of(self, service_id: str) -> str:
        """The queue of a service item or a bundle (一件事一次办); `not_found` for neither."""
        if service_id in self.services:
            return self.services[service_id].queue_id
        if service_id in self.bundles:
            return self.bundles[service_id].queue_id
        raise Rejected("not_found", f"本大厅没有事项 {service_id!r}")

    @handles(IssueTicket)
    def _do_IssueTicket(self, cmd: IssueTicket, now: datetime) -> Result:
        queue_id = self.queue_of(cmd.service_id)
        if cmd.channel not in ("walk_in", "appointment", "green"):
            raise Rejected("invalid_request", f"未知的取号渠道 {cmd.channel!r}（walk_in、appointment 或 green）")
        if cmd.channel == "green":  # needs a person's judgement: a kiosk cannot verify it (engine/priority.py)
            raise Rejected(
                "forbidden",
                "绿色通道号由窗口工作人员或值班主管核实后核发（需填写理由）；自助机可呼叫工作人员（cmd/ticket/help）",
            )
        service_id = cmd.service_id
        day = self.local_day(now)
        appointment_status = None
        appt = None
        if cmd.channel == "appointment":
            appt, appointment_status = self._find_appointment(cmd, now)
            if appt is not None and appt.service_id in self.services:
                # the booked item, not whatever the kiosk sent: a kiosk checking in cannot know it
                service_id, queue_id = appt.service_id, self.services[appt.service_id].queue_id
        if appt is None:  # an appointment booked before an item was withdrawn is still served
            self._check_in_force(service_id, day)
        if not self.is_ticketing_open(now) and not (appt is not None and appointment_status == "on_time"):
            raise Rejected("closed", self.closed_words(service_id, now))
        if cmd.remote:  # a place taken before arriving (engine/remote.py): the site's switches and limits
            self.check_remote(cmd, service_id, queue_id, now)
        queue = self.queues[queue_id]
        caps = self.config.caps
        if cmd.holder is not None:
            if caps.per_person_per_day and self.per_person[(day, cmd.holder.hash)] >= caps.per_person_per_day:
                raise Rejected("full", f"每人每天最多取 {caps.per_person_per_day} 个号")
            if (
                caps.per_person_per_queue_per_day
                and self.per_person_queue[(day, cmd.holder.hash, queue_id)] >= caps.per_person_per_queue_per_day
            ):
                raise Rejected(
                    "full",
                    f"{queue.name}每人每天最多取 {caps.per_person_per_queue_per_day} 个号",
                )
        if queue.daily_cap and self.per_queue_day[(day, queue_id)] >= queue.daily_cap:
            raise Rejected("full", f"{queue.name}今日 {queue.daily_cap} 个号已全部取完")

        priority = NORMAL
        rules = self.config.priorities
        if appt is not None and appointment_status == "on_time" and rules.on(APPOINTMENT):
            priority = APPOINTMENT
        elif (
            cmd.holder
            and cmd.holder.age is not None
            and rules.on(ELDERLY)
            and rules.elderly_age
            and cmd.holder.age >= rules.elderly_age
        ):  # the only priority a kiosk gets: what it can verify, from the ID card's birth date
            priority = ELDERLY
        out: list[Event] = []
        ticket = self._issue(
            out,
            now,
            queue_id,
            NewTicket(
                service_id,
                cmd.channel,
                priority,
                cmd.kiosk_id,
                holder=cmd.holder,
                appointment_code=appt.code if appt else None,
                remote=(cmd.partner or "remote") if cmd.remote else None,
                needs=cmd.needs,
            ),
        )
        reply: dict[str, Any] = {"ticket": self.ticket_view(ticket, now)}
        if appointment_status:
            reply["appointment_status"] = appointment_status
        return Result(out, reply)

    def _check_in_force(self, service_id: str, day: date) -> None:
        """A dated catalog (docs/platform.md): an item not in force yet, or withdrawn, issues no ticket."""
        ids = self.bundles[service_id].service_ids if service_id in self.bundles else [service_id]
        for sid in ids:
            svc = self.services.get(sid)
            if svc is None or svc.in_force(day) or svc.national is None:
                continue
            n = svc.national
            if n.plan_cancel_date is not None and day >= n.plan_cancel_date:
                raise Rejected("not_found", f"{svc.name}已于 {n.plan_cancel_date} 从事项目录中取消")
            raise Rejected("not_found", f"{svc.name}自 {n.plan_effective_date} 起办理")

    def _issue(self, out: list[Event], now: datetime, queue_id: str, new: NewTicket) -> TicketRec:
        day = self.local_day(now)
        prefix = self.queues[queue_id].prefix
        seq = self.sequence[(day, prefix)] + 1
        while f"{day:%Y%m%d}-{prefix}{seq:03d}" in self.tickets:  # a prefix changed today (live reload)
            seq += 1
        # past 999 the number simply grows a digit (A1000): never wraps, never reused (docs/engine.md)
        number = f"{prefix}{seq:03d}"
        ahead = self._ahead_for_new(queue_id, new.priority)
        est = self.estimate_for(queue_id, ahead, now)
        holder = new.holder
        self._emit(
            out,
            ev.TICKET_ISSUED,
            now,
            id=f"{day:%Y%m%d}-{number}",
            number=number,
            seq=seq,
            day=day.isoformat(),
            queue_id=queue_id,
            service_id=new.service_id,
            channel=new.channel,
            priority=new.priority,
            kiosk_id=new.kiosk_id,
            holder_hash=holder.hash if holder else None,
            holder_masked={"id_number": holder.masked_id, "name": holder.masked_name} if holder else None,
            estimate_s=est.p50_s,
            estimate_range_s=[est.p50_s, est.p80_s],
            waiting_ahead=ahead,
            appointment_code=new.appointment_code,
            return_of=new.return_of,
            **new.extra,  # a staff-issued priority: the reason and who issued it (engine/priority.py)
            **({"remote": new.remote} if new.remote else {}),  # added: the partner of a remote ticket
            **({"needs": list(new.needs)} if new.needs else {}),  # issue 23: only when asked for
        )
        return self.tickets[f"{day:%Y%m%d}-{number}"]

    def _ahead_for_new(self, queue_id: str, priority: str) -> int:
        if priority == NORMAL:  # the common case: everyone waiting goes first
            return len(self.waiting[queue_id])
        rank = PRIORITY_RANK[priority]
        return sum(1 for tid in self.waiting[queue_id] if PRIORITY_RANK[self.tickets[tid].priority] <= rank)

    def position(self, ticket: TicketRec) -> int:
        """How many waiting tickets of the same queue go before this one (by class, then time)."""
        if ticket.state != WAITING:
            return 0
        me = (PRIORITY_RANK[ticket.priority], ticket.issued_at)
        return sum(
            1
            for tid in self.waiting[ticket.queue_id]
            if tid != ticket.id and (PRIORITY_RANK[self.tickets[tid].priority], self.tickets[tid].issued_at) < me
        )

    # ================================================================ estimates
    def counters_serving(self, queue_id: str) -> float:
        """Open (or paused, soon back) counters serving a queue; a counter serving k queues counts 1/k."""
        total = 0.0
        for c in self.counters.values():
            if c.status == "open" and queue_id in c.queue_ids:
                total += 1.0 / len(c.queue_ids)
        return total

    def estimate_for(self, queue_id: str, ahead: int, now: datetime | None = None) -> WaitEstimate:
        """The hall played forward from now (engine/estimate.py); `now` defaults to the last event."""
        return forecast_wait(self, queue_id, ahead, now)

    @handles(ExpireTickets)
    def _do_ExpireTickets(self, cmd: ExpireTickets, now: datetime) -> Result:
        before = date.fromisoformat(cmd.before_day)
        out: list[Event] = []
        stale = [t for t in self.tickets.values() if t.day < before and t.state in (WAITING, CALLED)]
        for t in sorted(stale, key=lambda t: t.id):
            self._emit(out, ev.TICKET_CANCELLED, now, ticket_id=t.id, reason="day_closed")
        return Result(out, {"expired": len(stale)})

    def stale_ticket_count(self, today: date) -> int:
        """Tickets of earlier days still waiting or called. Runs every tick, so it looks only at what is
        waiting and at the counters, never at every ticket ever issued."""
        waiting = sum(1 for ids in self.waiting.values() for tid in ids if self.tickets[tid].day < today)
        called = sum(
            1
            for c in self.counters.values()
            if c.current and self.tickets[c.current].day < today and self.tickets[c.current].state == CALLED
        )
        return waiting + called

    # ================================================================ counters
    def _counter(self, counter_id: str) -> CounterRec:
        if counter_id not in self.counters:
            raise Rejected("not_found", f"本大厅没有窗口 {counter_id!r}")
        return self.counters[counter_id]

    def _ticket(self, ticket_id: str) -> TicketRec:
        if ticket_id not in self.tickets:
            raise Rejected("not_found", "没有这个号")
        return self.tickets[ticket_id]

    def _alert(self, alert_id: str) -> AlertRec:
        if alert_id not in self.alerts:
            raise Rejected("not_found", "没有这条预警")
        return self.alerts[alert_id]

    @handles(OpenCounter)
    def _do_OpenCounter(self, cmd: OpenCounter, now: datetime) -> Result:
        c = self._counter(cmd.counter_id)
        op = next((o for o in self.config.operators if o.id == cmd.operator_id), None)
        if op is None or not check_pin(cmd.pin, op.pin_hash):
            raise Rejected("forbidden", "工号或密码错误")
        if op.counters != "*" and cmd.counter_id not in op.counters:
            raise Rejected(
                "forbidden", f"工作人员 {op.name}（{op.id}）不能在{self.counter_cfg[cmd.counter_id].name}登录"
            )
        if c.status != "closed" and c.operator_id not in (None, cmd.operator_id):
            raise Rejected("conflict", f"{self.counter_cfg[cmd.counter_id].name}已由工作人员 {c.operator_id} 登录")
        out: list[Event] = []
        self._emit(out, ev.COUNTER_OPENED, now, counter_id=c.id, operator_id=op.id)
        return Result(out, {"counter": self.counter_view(c)})

    @handles(CounterCommand)
    def _do_CounterCommand(self, cmd: CounterCommand, now: datetime) -> Result:
        c = self._counter(cmd.counter_id)
        action = cmd.action
        out: list[Event] = []
        if action == "close":
            if c.current:
                raise Rejected("conflict", "请先办结或转出当前办事群众，再关闭窗口")
            if c.status != "closed":
                self._emit(out, ev.COUNTER_CLOSED, now, counter_id=c.id)
                self._reserve_counter_closed(out, c, now)  # a reserve window closed by its clerk
            return Result(out, {"counter": self.counter_view(c)})
        if c.status == "closed":
            raise Rejected("conflict", f"{self.counter_cfg[c.id].name}未登录，请先登录开窗")
        if action == "pause":
            if c.status != "paused":
                self._emit(out, ev.COUNTER_PAUSED, now, counter_id=c.id)
            return Result(out, {"counter": self.counter_view(c)})
        if action == "resume":
            if c.status == "paused":
                self._emit(out, ev.COUNTER_RESUMED, now, counter_id=c.id)
            return Result(out, {"counter": self.counter_view(c)})
        if action == "call-next":
            return self._call_next(c, now)
        current = self.tickets[c.current] if c.current else None
        if current is None:
            raise Rejected("conflict", f"{self.counter_cfg[c.id].name}现在没有已叫号的办事群众")
        if action == "recall":
            if current.state != CALLED:
                raise Rejected("conflict", f"{current.number} 已在办理中")
            if current.recalls >= self.config.recall_limit:
                self._emit(out, ev.TICKET_NO_SHOW, now, ticket_id=current.id, counter_id=c.id, after_recalls=True)
                self._settle_counter(out, c, now)
            else:
                self._emit(
                    out, ev.TICKET_CALLED, now, ticket_id=current.id, counter_id=c.id, recall=current.recalls + 1
                )
            return Result(out, {"ticket": self.ticket_view(current, now)})
        if action == "start":
            if current.state == CALLED:
                self._emit(out, ev.TICKET_STARTED, now, ticket_id=current.id, counter_id=c.id)
            return Result(out, {"ticket": self.ticket_view(current, now)})
        if action == "no-show":
            if current.state != CALLED:
                raise Rejected("conflict", f"{current.number} 已在办理中，不能记为过号，请办结")
            self._emit(out, ev.TICKET_NO_SHOW, now, ticket_id=current.id, counter_id=c.id, after_recalls=False)
            self._settle_counter(out, c, now)
            return Result(out, {"ticket": self.ticket_view(current, now)})
        raise Rejected("invalid_request", f"未知的窗口操作 {action!r}")

    def _call_next(self, c: CounterRec, now: datetime) -> Result:
        if c.status == "paused":
            raise Rejected("conflict", f"{self.counter_cfg[c.id].name}已暂停，请先恢复")
        out: list[Event] = []
        if c.current:
            # one key to call the next: the citizen at the counter is finished as done first
            self._finish(out, c, now, "done", implicit=True)
            self._settle_counter(out, c, now)
            if c.status == "closed":  # a released reserve window closed with that citizen
                return Result(out, {"ticket": None})
        candidates = (self.tickets[tid] for q in c.queue_ids for tid in self.waiting.get(q, []))
        why: list[dict[str, Any]] = []
        ticket = choose_next(
            candidates,
            now,
            self.stats,
            self.config.priorities.walk_in_share,
            self.config.priorities.queue_weights,
            self._tidal_loads(c),
            why,
        )
        if ticket is None:
            return Result(out, {"ticket": None})
        extra = {"why": why[0]} if why else {}  # a tidal counter's choice between its queues
        self._emit(out, ev.TICKET_CALLED, now, ticket_id=ticket.id, counter_id=c.id, recall=0, **extra)
        return Result(out, {"ticket": self.ticket_view(ticket, now)})

    def _tidal_loads(self, c: CounterRec) -> dict[str, QueueLoad] | None:
        """For a tidal counter serving several queues: who else serves each (calling rule 4)."""
        if c.mode != "tidal" or len(c.queue_ids) < 2:
            return None
        others = dict.fromkeys(c.queue_ids, 0.0)
        for o in self.counters.values():
            if o is c or o.status != "open":
                continue
            for q in o.queue_ids:
                if q in others:
                    others[q] += 1.0 / len(o.queue_ids)
        return {q: QueueLoad(n, self.stats[q].mean_service_s, self.queues[q].sla_min * 60.0) for q, n in others.items()}

    def _settle_counter(self, out: list[Event], c: CounterRec, now: datetime) -> None:
        """The counter is free again: a rebalance that waited for its citizen takes effect now."""
        if c.pending_queue_ids is not None and c.current is None:
            self._rebalance(out, c, c.pending_queue_ids, c.pending_reason, now)
        self._reserve_after_settle(out, c, now)  # a released reserve window closes when free

    def _rebalance(
        self, out: list[Event], c: CounterRec, to_queue_ids: Iterable[str], reason: str, now: datetime
    ) -> None:
        """The free counter `c` serves `to_queue_ids` from now on."""
        self._emit(
            out,
            ev.COUNTER_REBALANCED,
            now,
            counter_id=c.id,
            from_queue_ids=list(c.queue_ids),
            to_queue_ids=list(to_queue_ids),
            reason=reason,
        )

    def _finish(
        self,
        out: list[Event],
        c: CounterRec,
        now: datetime,
        outcome: str,
        missing_materials: Iterable[str] = (),
        note: str | None = None,
        implicit: bool = False,
    ) -> None:
        """The citizen at counter `c` is finished; `implicit`: by the counter calling the next one."""
        self._emit(
            out,
            ev.TICKET_FINISHED,
            now,
            ticket_id=c.current,
            counter_id=c.id,
            outcome=outcome,
            missing_materials=list(missing_materials),
            **({"note": note} if note is not None else {}),
            implicit=implicit,
        )

    @handles(FinishTicket)
    def _do_FinishTicket(self, cmd: FinishTicket, now: datetime) -> Result:
        c = self._counter(cmd.counter_id)
        if not c.current:
            raise Rejected("conflict", f"{self.counter_cfg[c.id].name}没有可办结的办事群众")
        if cmd.outcome not in ("done", "incomplete"):
            raise Rejected("invalid_request", "办结结果只能是 done（办结）或 incomplete（一次性告知）")
        ticket = self.tickets[c.current]
        if cmd.outcome == "incomplete" and not cmd.missing_materials:
            raise Rejected("invalid_request", "一次性告知须列出所缺材料")
        out: list[Event] = []
        self._finish(out, c, now, cmd.outcome, cmd.missing_materials, note=cmd.note)
        reply: dict[str, Any] = {"ticket": self.ticket_view(ticket, now)}
        if cmd.outcome == "incomplete":
            # the one-time notification case (seed art. 17): a return ticket with priority, same day
            priority = RETURN if self.config.priorities.on(RETURN) else NORMAL
            again = NewTicket(ticket.service_id, "walk_in", priority, "counter:" + c.id, return_of=ticket.id)
            ret = self._issue(out, now, ticket.queue_id, again)
            reply["return_ticket"] = self.ticket_view(ret, now)
        self._settle_counter(out, c, now)
        return Result(out, reply)

    @handles(TransferTicket)
    def _do_TransferTicket(self, cmd: TransferTicket, now: datetime) -> Result:
        c = self._counter(cmd.counter_id)
        if not c.current:
            raise Rejected("conflict", f"{self.counter_cfg[c.id].name}没有可转出的办事群众")
        if cmd.to_queue_id not in self.queues:
            raise Rejected("not_found", f"本大厅没有队列 {cmd.to_queue_id!r}")
        ticket = self.tickets[c.current]
        if cmd.to_queue_id == ticket.queue_id:
            raise Rejected("conflict", f"{ticket.number} 已在{self.queues[cmd.to_queue_id].name}队列")
        out: list[Event] = []
        self._emit(
            out,
            ev.TICKET_TRANSFERRED,
            now,
            ticket_id=ticket.id,
            counter_id=c.id,
            from_queue_id=ticket.queue_id,
            to_queue_id=cmd.to_queue_id,
        )
        self._settle_counter(out, c, now)
        return Result(out, {"ticket": self.ticket_view(ticket, now)})

    @handles(AssignCounter)
    def _do_AssignCounter(self, cmd: AssignCounter, now: datetime) -> Result:
        c = self._counter(cmd.counter_id)
        for q in cmd.queue_ids:
            if q not in self.queues:
                raise Rejected("not_found", f"本大厅没有队列 {q!r}")
        if cmd.mode not in ("fixed", "tidal"):
            raise Rejected("invalid_request", "窗口方式只能是 fixed（固定）或 tidal（潮汐）")
        out: list[Event] = []
        self._emit(
            out,
            ev.COUNTER_ASSIGNED,
            now,
            counter_id=c.id,
            from_queue_ids=list(c.queue_ids),
            queue_ids=list(dict.fromkeys(cmd.queue_ids)),
            mode=cmd.mode,
            locked=cmd.locked,
            by=cmd.by,
        )
        return Result(out, {"counter": self.counter_view(c)})

    @handles(RebalanceCounter)
    def _do_RebalanceCounter(self, cmd: RebalanceCounter, now: datetime) -> Result:
        c = self._counter(cmd.counter_id)
        if c.locked or c.mode != "tidal":
            raise Rejected("conflict", f"{self.counter_cfg[c.id].name}已锁定或为固定窗口，不能自动调配")
        eligible = self.counter_cfg[c.id].eligible
        if not cmd.queue_ids or any(q not in eligible for q in cmd.queue_ids):
            raise Rejected("conflict", f"{self.counter_cfg[c.id].name}只能办理 {'、'.join(eligible)}")
        out: list[Event] = []
        if list(cmd.queue_ids) == c.queue_ids:
            return Result(out, {"counter": self.counter_view(c)})
        if c.current:
            # never interrupt a citizen: the move waits until this ticket ends
            self._emit(
                out,
                ev.COUNTER_REBALANCE_PLANNED,
                now,
                counter_id=c.id,
                to_queue_ids=list(cmd.queue_ids),
                reason=cmd.reason,
            )
        else:
            self._rebalance(out, c, cmd.queue_ids, cmd.reason, now)
        return Result(out, {"counter": self.counter_view(c)})

    # ================================================================ apply (also replay)
    def apply(self, e: Event) -> None:
        name = self.event_appliers.get(e.type)
        if name is None:
            raise ValueError(f"unknown event type {e.type!r}")
        getattr(self, name)(e.at, e.data)
        self.last_event_at = e.at
        self.events_applied += 1  # a version of the state: derived views are cached against it

    def replay(self, events: Iterable[Event]) -> int:
        n = 0
        for e in events:
            self.apply(e)
            n += 1
        return n

    @applies("ticket_issued")
    def _on_ticket_issued(self, at: datetime, d: dict[str, Any]) -> None:
        day = date.fromisoformat(d["day"])
        prefix = self.queues[d["queue_id"]].prefix if d["queue_id"] in self.queues else d["number"][0]
        self.sequence[(day, prefix)] = max(self.sequence[(day, prefix)], d["seq"])
        t = TicketRec(
            id=d["id"],
            number=d["number"],
            day=day,
            queue_id=d["queue_id"],
            service_id=d["service_id"],
            channel=d["channel"],
            priority=d["priority"],
            issued_at=at,
            kiosk_id=d.get("kiosk_id", ""),
            holder_hash=d.get("holder_hash"),
            holder_masked=d.get("holder_masked"),
            estimate_s=d.get("estimate_s", 0),
            estimate_range_s=tuple(d.get("estimate_range_s", (0, 0))),
            appointment_code=d.get("appointment_code"),
            return_of=d.get("return_of"),
            needs=tuple(d.get("needs", ())),
        )
        self.tickets[t.id] = t
        self.waiting.setdefault(t.queue_id, []).append(t.id)
        self.per_queue_day[(day, t.queue_id)] += 1
        if t.holder_hash:
            self.per_person[(day, t.holder_hash)] += 1
            self.per_person_queue[(day, t.holder_hash, t.queue_id)] += 1
        if t.appointment_code and t.appointment_code in self.appointments:
            appt = self.appointments[t.appointment_code]
            appt.state, appt.ticket_id = "checked_in", t.id
        if d.get("remote"):
            self.note_remote(t.id, day, t.queue_id)
        self._count_arrival(t)  # the hall's arrival history (engine/planning.py)

    @applies("ticket_called")
    def _on_ticket_called(self, at: datetime, d: dict[str, Any]) -> None:
        t = self.tickets[d["ticket_id"]]
        c = self.counters[d["counter_id"]]
        if d.get("recall", 0) == 0:
            self.waiting[t.queue_id].remove(t.id)
            t.state, t.counter_id, t.called_at = CALLED, c.id, at
            c.current, c.idle_since = t.id, None
            c.call_why = d.get("why")
            c.calls += 1
            st = self.stats[t.queue_id]
            st.recent_calls.append(t.priority)
            st.called += 1
        else:
            t.recalls = d["recall"]

    @applies("ticket_started")
    def _on_ticket_started(self, at: datetime, d: dict[str, Any]) -> None:
        t = self.tickets[d["ticket_id"]]
        t.state, t.started_at = SERVING, at

    def _release(self, c: CounterRec, at: datetime) -> None:
        c.current = None
        c.idle_since = at

    @applies("ticket_finished")
    def _on_ticket_finished(self, at: datetime, d: dict[str, Any]) -> None:
        t = self.tickets[d["ticket_id"]]
        c = self.counters[d["counter_id"]]
        t.state, t.finished_at, t.outcome = DONE, at, d["outcome"]
        t.missing_materials = list(d.get("missing_materials", []))
        st = self.stats[t.queue_id]
        st.mean_service_s = smooth(st.mean_service_s, counter_seconds(t, at))  # time on hold left out
        st.served += 1
        c.no_shows_in_row = 0
        self._release(c, at)

    @applies("ticket_no_show")
    def _on_ticket_no_show(self, at: datetime, d: dict[str, Any]) -> None:
        t = self.tickets[d["ticket_id"]]
        c = self.counters[d["counter_id"]]
        t.state, t.finished_at = NO_SHOW, at
        st = self.stats[t.queue_id]
        st.mean_service_s = smooth(st.mean_service_s, counter_seconds(t, at))
        st.no_shows += 1
        c.no_shows_in_row += 1
        self._release(c, at)

    @applies("ticket_transferred")
    def _on_ticket_transferred(self, at: datetime, d: dict[str, Any]) -> None:
        t = self.tickets[d["ticket_id"]]
        self.clear_hold(t, at)
        if d.get("counter_id") and self.counters[d["counter_id"]].current == t.id:
            self._release(self.counters[d["counter_id"]], at)
        elif t.id in self.waiting.get(t.queue_id, []):
            self.waiting[t.queue_id].remove(t.id)
        t.queue_id, t.state, t.counter_id = d["to_queue_id"], WAITING, None
        t.called_at, t.started_at, t.recalls, t.held_s = None, None, 0, 0.0
        t.transfers += 1
        self.waiting[t.queue_id].append(t.id)  # issued_at unchanged: it keeps its place in time

    @applies("ticket_cancelled")
    def _on_ticket_cancelled(self, at: datetime, d: dict[str, Any]) -> None:
        t = self.tickets[d["ticket_id"]]
        self.clear_hold(t, at)
        if t.id in self.waiting.get(t.queue_id, []):
            self.waiting[t.queue_id].remove(t.id)
        if t.counter_id and self.counters[t.counter_id].current == t.id:
            self._release(self.counters[t.counter_id], at)
        t.state = "cancelled"
        if d.get("reason") == "citizen":
            self.cancelled_by_citizen.add(t.id)

    @applies("counter_opened")
    def _on_counter_opened(self, at: datetime, d: dict[str, Any]) -> None:
        c = self.counters[d["counter_id"]]
        c.status, c.operator_id, c.idle_since = "open", d["operator_id"], at
        if c.queue_since is None:
            c.queue_since = at

    @applies("counter_closed")
    def _on_counter_closed(self, at: datetime, d: dict[str, Any]) -> None:
        c = self.counters[d["counter_id"]]
        c.status, c.operator_id, c.idle_since = "closed", None, None

    @applies("counter_paused")
    def _on_counter_paused(self, at: datetime, d: dict[str, Any]) -> None:
        self.counters[d["counter_id"]].status = "paused"

    @applies("counter_resumed")
    def _on_counter_resumed(self, at: datetime, d: dict[str, Any]) -> None:
        c = self.counters[d["counter_id"]]
        c.status, c.idle_since = "open", at

    @applies("counter_assigned")
    def _on_counter_assigned(self, at: datetime, d: dict[str, Any]) -> None:
        c = self.counters[d["counter_id"]]
        if c.queue_ids != d["queue_ids"]:
            c.queue_since = at
        c.queue_ids, c.mode, c.locked = list(d["queue_ids"]), d["mode"], d["locked"]
        c.pending_queue_ids, c.pending_reason = None, ""  # the supervisor's word wins

    @applies("counter_rebalance_planned")
    def _on_counter_rebalance_planned(self, at: datetime, d: dict[str, Any]) -> None:
        c = self.counters[d["counter_id"]]
        c.pending_queue_ids, c.pending_reason = list(d["to_queue_ids"]), d["reason"]

    @applies("counter_rebalanced")
    def _on_counter_rebalanced(self, at: datetime, d: dict[str, Any]) -> None:
        c = self.counters[d["counter_id"]]
        c.queue_ids, c.queue_since = list(d["to_queue_ids"]), at
        c.pending_queue_ids, c.pending_reason = None, ""


HallEngine.command_handlers, HallEngine.event_appliers = collect(HallEngine)
