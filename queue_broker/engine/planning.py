"""Planning ahead in the engine: the hall's arrival history, the day's forecast, and reserve windows.

- **Arrival history.** Every issued ticket (not a counter's return ticket) is counted per local day,
  queue and half-hour, kept for `HISTORY_DAYS`: what the forecaster (plan/forecast.py) learns from.
  Replaying the log rebuilds it, so the broker has a year of history at every start.
- **The day's forecast** (`SetDayForecast` → `day_forecast_set`): expected tickets per queue and
  half-hour with an 80 % interval, set by the planner task (plan/planner.py) at the start of a
  working day; the estimate and the reserve planner read it, the reports compare it with the day.
- **Reserve windows** (site `reserves`, seed art. 14 必要时启动潮汐窗口): a back-office clerk asked to
  open a window (`AskReserve`, by the planner or a supervisor), who logs in at a free counter and takes
  the ask there (`TakeReserve`: the counter then serves the reserve's queues, locked against the
  rebalancer, calling by need); `ReleaseReserve` when its queues are served closes the window after
  its current citizen; an ask no counter has taken yet can be withdrawn (`CancelReserve`). Every ask
  ends in `reserve_closed` or `reserve_cancelled` with the counter-minutes it held (asked to closed).

A mixin of HallEngine: its state is made on first use (cached properties), like the other mixins'.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from . import events as ev
from .commands import AskReserve, CancelReserve, ReleaseReserve, RequestPlan, SetDayForecast, TakeReserve
from .dispatch import applies, handles
from .events import Event
from .records import CounterRec, TicketRec
from .rejected import Rejected, Result
from .state import EngineState, OwnState
from .words import COUNTER_STATUS_NAMES, RESERVE_STATE_NAMES, counter_name, queue_name, reserve_name

CELL_MIN = 30  # half-hours of the local day, as plan/forecast.py counts them
CELLS = 24 * 60 // CELL_MIN
HISTORY_DAYS = 400  # a year of the same weekdays and holidays, and a little more
LOG_KEEP = 2000  # ended asks kept in memory (the event log keeps every one)
FORECASTS_KEEP = 14


@dataclass
class ReserveRec:
    """A reserve clerk's present ask, if any: idle → asked → open → closing → idle."""

    id: str
    state: str = "idle"
    ask_id: str | None = None
    asked_at: datetime | None = None
    ready_by: datetime | None = None
    taken_at: datetime | None = None
    released_at: datetime | None = None
    counter_id: str | None = None
    queue_ids: list[str] = field(default_factory=list)  # the queues the ask was for
    reason: str = ""
    by: str = ""

    @property
    def active(self) -> bool:
        return self.state != "idle"


@dataclass
class DayForecastRec:
    day: date
    first_cell: int
    queues: dict[str, list[float]]
    low: dict[str, list[int]]
    high: dict[str, list[int]]
    set_at: datetime
    history_days: int

    def expected(self, queue_id: str, cell: int) -> float:
        row = self.queues.get(queue_id)
        i = cell - self.first_cell
        if row is None or not 0 <= i < len(row):
            return 0.0
        return float(row[i])


class PlanningMixin(EngineState):
    """Uses HallEngine's state (config, counters, queues, tickets, tz, _emit); mixed into HallEngine."""

    # ------------------------------------------------------------ state of its own (built by replay)
    @cached_property
    def reserves(self) -> dict[str, ReserveRec]:
        return {r.id: ReserveRec(r.id) for r in self.config.reserves}

    @cached_property
    def reserve_cfg(self) -> dict[str, Any]:
        return {r.id: r for r in self.config.reserves}

    # Ended asks, oldest first: {ask_id, reserve_id, asked_at, taken_at, ended_at, counter_id,
    # queue_ids, outcome (closed | cancelled), minutes, reason}.
    reserve_log = OwnState(list[dict[str, Any]])
    # Tickets issued per local day, queue and half-hour (return tickets left out).
    arrival_counts = OwnState(dict[date, dict[str, list[int]]])
    day_forecasts = OwnState(dict[date, DayForecastRec])
    # Plans asked for (RequestPlan), oldest first, numbered: the planning worker makes each once.
    plan_requests = OwnState(list[dict[str, Any]])

    def forecast_for(self, day: date) -> DayForecastRec | None:
        return self.day_forecasts.get(day)

    def reserve_at_counter(self, counter_id: str) -> ReserveRec | None:
        for r in self.reserves.values():
            if r.counter_id == counter_id and r.state in ("open", "closing"):
                return r
        return None

    # ------------------------------------------------------------ the arrival history
    def _count_arrival(self, t: TicketRec) -> None:
        if t.return_of:
            return
        local = t.issued_at.astimezone(self.tz)
        day = local.date()
        counts = self.arrival_counts
        per_queue = counts.get(day)
        if per_queue is None:
            per_queue = counts[day] = {}
            if len(counts) > HISTORY_DAYS:
                for old in sorted(counts)[: len(counts) - HISTORY_DAYS]:
                    del counts[old]
        row = per_queue.get(t.queue_id)
        if row is None:
            row = per_queue[t.queue_id] = [0] * CELLS
        row[(local.hour * 60 + local.minute) // CELL_MIN] += 1

    # ------------------------------------------------------------ the day's forecast
    @handles(SetDayForecast)
    def _do_SetDayForecast(self, cmd: SetDayForecast, now: datetime) -> Result:
        try:
            day = date.fromisoformat(cmd.day)
        except ValueError:
            raise Rejected("invalid_request", f"{cmd.day!r} 不是日期（格式为 YYYY-MM-DD）") from None
        unknown = [q for q in cmd.queues if q not in self.queues]
        if unknown:
            raise Rejected("not_found", f"本大厅没有队列 {unknown[0]!r}")
        if not 0 <= cmd.first_cell < CELLS:
            raise Rejected("invalid_request", "first_cell 须为当天的半小时时段序号（0-47）")
        out: list[Event] = []
        self._emit(
            out,
            ev.DAY_FORECAST_SET,
            now,
            day=day.isoformat(),
            first_cell=cmd.first_cell,
            queues={q: [round(float(x), 3) for x in row] for q, row in cmd.queues.items()},
            low={q: [int(x) for x in row] for q, row in cmd.low.items()},
            high={q: [int(x) for x in row] for q, row in cmd.high.items()},
            history_days=cmd.history_days,
        )
        return Result(out, {"day": day.isoformat()})

    @applies("day_forecast_set")
    def _on_day_forecast_set(self, at: datetime, d: dict[str, Any]) -> None:
        day = date.fromisoformat(d["day"])
        self.day_forecasts[day] = DayForecastRec(
            day, d["first_cell"], d["queues"], d.get("low", {}), d.get("high", {}), at, d.get("history_days", 0)
        )
        if len(self.day_forecasts) > FORECASTS_KEEP:
            for old in sorted(self.day_forecasts)[: len(self.day_forecasts) - FORECASTS_KEEP]:
                del self.day_forecasts[old]

    @handles(RequestPlan)
    def _do_RequestPlan(self, cmd: RequestPlan, now: datetime) -> Result:
        if cmd.what not in ("forecast", "day-plan", "cross-train"):
            raise Rejected(
                "invalid_request", "what 只能是 forecast（预测）、day-plan（日计划）或 cross-train（交叉培训）"
            )
        if cmd.day is not None:
            try:
                date.fromisoformat(cmd.day)
            except ValueError:
                raise Rejected("invalid_request", f"{cmd.day!r} 不是日期（格式为 YYYY-MM-DD）") from None
        number = (self.plan_requests[-1]["number"] + 1) if self.plan_requests else 1
        out: list[Event] = []
        self._emit(out, ev.PLAN_REQUESTED, now, number=number, **ev.command_data(cmd))
        return Result(out, {"job": {"number": number, "what": cmd.what, "day": cmd.day, "state": "queued"}})

    @applies("plan_requested")
    def _on_plan_requested(self, at: datetime, d: dict[str, Any]) -> None:
        self.plan_requests.append({**d, "at": at})
        del self.plan_requests[:-50]

    # ------------------------------------------------------------ reserve windows
    def _reserve(self, reserve_id: str) -> ReserveRec:
        rec = self.reserves.get(reserve_id)
        if rec is None:
            raise Rejected("not_found", f"本大厅没有后台人员 {reserve_id!r}")
        return rec

    @handles(AskReserve)
    def _do_AskReserve(self, cmd: AskReserve, now: datetime) -> Result:
        rec = self._reserve(cmd.reserve_id)
        cfg = self.reserve_cfg[rec.id]
        if rec.active:
            raise Rejected(
                "conflict",
                f"后台人员{reserve_name(self.reserve_cfg, rec.id)}{RESERVE_STATE_NAMES.get(rec.state, rec.state)}（请求 {rec.ask_id}）",
            )
        wrong = [q for q in cmd.queue_ids if q not in cfg.eligible]
        if wrong:
            raise Rejected(
                "conflict",
                f"后台人员{reserve_name(self.reserve_cfg, rec.id)}只能办理{'、'.join(queue_name(self.queues, q) for q in cfg.eligible)}，"
                f"不能办理{queue_name(self.queues, wrong[0])}",
            )
        out: list[Event] = []
        self._emit(
            out,
            ev.RESERVE_ASKED,
            now,
            reserve_id=rec.id,
            ask_id=f"{rec.id}-{now.astimezone(self.tz):%Y%m%d-%H%M%S}",
            queue_ids=list(cmd.queue_ids or cfg.eligible),
            reason=cmd.reason,
            by=cmd.by,
            ready_by=(now + timedelta(minutes=cfg.ready_min)).isoformat(),
        )
        return Result(out, {"reserve": self.reserve_view(rec)})

    @handles(CancelReserve)
    def _do_CancelReserve(self, cmd: CancelReserve, now: datetime) -> Result:
        rec = self._reserve(cmd.reserve_id)
        if rec.state != "asked":
            raise Rejected(
                "conflict",
                f"后台人员{reserve_name(self.reserve_cfg, rec.id)}没有待开窗的请求（现为{RESERVE_STATE_NAMES.get(rec.state, rec.state)}）",
            )
        out: list[Event] = []
        self._end_ask(out, rec, now, ev.RESERVE_CANCELLED, reason=cmd.reason, by=cmd.by)
        return Result(out, {"reserve": self.reserve_view(rec)})

    @handles(TakeReserve)
    def _do_TakeReserve(self, cmd: TakeReserve, now: datetime) -> Result:
        rec = self._reserve(cmd.reserve_id)
        cfg = self.reserve_cfg[rec.id]
        if cmd.counter_id not in self.counters:
            raise Rejected("not_found", f"本大厅没有窗口 {cmd.counter_id!r}")
        c = self.counters[cmd.counter_id]
        if rec.state != "asked":
            raise Rejected(
                "conflict",
                f"后台人员{reserve_name(self.reserve_cfg, rec.id)}未被请求开窗（现为{RESERVE_STATE_NAMES.get(rec.state, rec.state)}）",
            )
        if cfg.counters != "*" and c.id not in cfg.counters:
            raise Rejected(
                "forbidden",
                f"后台人员{reserve_name(self.reserve_cfg, rec.id)}只能在{'、'.join(counter_name(self.counter_cfg, x) for x in cfg.counters)}开窗",
            )
        if c.status != "open":
            raise Rejected(
                "conflict",
                f"{self.counter_cfg[c.id].name}{COUNTER_STATUS_NAMES.get(c.status, c.status)}，请先在该窗口登录开窗",
            )
        if c.current:
            raise Rejected("conflict", f"{self.counter_cfg[c.id].name}正在办理业务，请先办结")
        other = self.reserve_at_counter(c.id)
        if other is not None:
            raise Rejected(
                "conflict", f"{self.counter_cfg[c.id].name}已是后台人员{reserve_name(self.reserve_cfg, other.id)}的窗口"
            )
        if cmd.mode not in ("fixed", "tidal"):
            raise Rejected("invalid_request", "窗口方式只能是 fixed（固定）或 tidal（潮汐）")
        out: list[Event] = []
        self._emit(
            out,
            ev.RESERVE_TAKEN,
            now,
            reserve_id=rec.id,
            ask_id=rec.ask_id,
            counter_id=c.id,
            from_queue_ids=list(c.queue_ids),
            queue_ids=list(cfg.eligible),
            mode=cmd.mode,
        )
        return Result(out, {"reserve": self.reserve_view(rec), "counter": self.counter_view(c)})

    @handles(ReleaseReserve)
    def _do_ReleaseReserve(self, cmd: ReleaseReserve, now: datetime) -> Result:
        rec = self._reserve(cmd.reserve_id)
        out: list[Event] = []
        if rec.state == "asked":  # not taken yet: the ask is simply withdrawn
            self._end_ask(out, rec, now, ev.RESERVE_CANCELLED, reason=cmd.reason, by=cmd.by)
            return Result(out, {"reserve": self.reserve_view(rec)})
        if rec.state != "open":
            raise Rejected(
                "conflict",
                f"后台人员{reserve_name(self.reserve_cfg, rec.id)}没有可释放的窗口（现为{RESERVE_STATE_NAMES.get(rec.state, rec.state)}）",
            )
        self._emit(
            out,
            ev.RESERVE_RELEASED,
            now,
            reserve_id=rec.id,
            ask_id=rec.ask_id,
            counter_id=rec.counter_id,
            reason=cmd.reason,
            by=cmd.by,
        )
        c = self.counters.get(rec.counter_id or "")
        if c is None or c.current is None:
            self._close_reserve_window(out, rec, now)
        return Result(out, {"reserve": self.reserve_view(rec)})

    def _close_reserve_window(self, out: list[Event], rec: ReserveRec, now: datetime) -> None:
        c = self.counters.get(rec.counter_id or "")
        if c is not None and c.status != "closed":
            self._emit(out, ev.COUNTER_CLOSED, now, counter_id=c.id)
        self._end_ask(out, rec, now, ev.RESERVE_CLOSED)

    def _end_ask(self, out: list[Event], rec: ReserveRec, now: datetime, kind: str, **extra: Any) -> None:
        asked = rec.asked_at or now
        self._emit(
            out,
            kind,
            now,
            reserve_id=rec.id,
            ask_id=rec.ask_id,
            counter_id=rec.counter_id,
            minutes=round((now - asked).total_seconds() / 60.0, 3),
            **extra,
        )

    # hooks called by HallEngine
    def _reserve_after_settle(self, out: list[Event], c: CounterRec, now: datetime) -> None:
        """The counter is free again: a released reserve window closes now."""
        rec = self.reserve_at_counter(c.id)
        if rec is not None and rec.state == "closing" and c.current is None:
            self._close_reserve_window(out, rec, now)

    def _reserve_counter_closed(self, out: list[Event], c: CounterRec, now: datetime) -> None:
        """The clerk closed the reserve window at the counter: the ask is over."""
        rec = self.reserve_at_counter(c.id)
        if rec is not None:
            self._end_ask(out, rec, now, ev.RESERVE_CLOSED, reason="closed at the counter")

    # ------------------------------------------------------------ appliers
    @applies("reserve_asked")
    def _on_reserve_asked(self, at: datetime, d: dict[str, Any]) -> None:
        rec = self.reserves.get(d["reserve_id"])
        if rec is None:  # a reserve since removed from the site file: its history stays in the log
            return
        rec.state, rec.ask_id, rec.asked_at = "asked", d["ask_id"], at
        rec.ready_by = datetime.fromisoformat(d["ready_by"]) if d.get("ready_by") else None
        rec.queue_ids, rec.reason, rec.by = list(d.get("queue_ids", [])), d.get("reason", ""), d.get("by", "")
        rec.taken_at = rec.released_at = None
        rec.counter_id = None

    @applies("reserve_taken")
    def _on_reserve_taken(self, at: datetime, d: dict[str, Any]) -> None:
        c = self.counters.get(d["counter_id"])
        rec = self.reserves.get(d["reserve_id"])
        if rec is not None:
            rec.state, rec.taken_at, rec.counter_id = "open", at, d["counter_id"]
        if c is not None:
            c.queue_ids, c.mode, c.locked = list(d["queue_ids"]), d.get("mode", "tidal"), True
            c.pending_queue_ids, c.pending_reason = None, ""
            c.queue_since = at

    @applies("reserve_released")
    def _on_reserve_released(self, at: datetime, d: dict[str, Any]) -> None:
        rec = self.reserves.get(d["reserve_id"])
        if rec is not None:
            rec.state, rec.released_at = "closing", at

    @applies("reserve_closed")
    def _on_reserve_closed(self, at: datetime, d: dict[str, Any]) -> None:
        self._ask_ended(at, d, "closed")

    @applies("reserve_cancelled")
    def _on_reserve_cancelled(self, at: datetime, d: dict[str, Any]) -> None:
        self._ask_ended(at, d, "cancelled")

    def _ask_ended(self, at: datetime, d: dict[str, Any], outcome: str) -> None:
        rec = self.reserves.get(d["reserve_id"])
        if rec is None:
            return
        self.reserve_log.append(
            {
                "ask_id": rec.ask_id,
                "reserve_id": rec.id,
                "asked_at": rec.asked_at,
                "taken_at": rec.taken_at,
                "ended_at": at,
                "counter_id": rec.counter_id,
                "queue_ids": list(rec.queue_ids),
                "outcome": outcome,
                "minutes": d.get("minutes", 0.0),
                "reason": rec.reason,
            }
        )
        del self.reserve_log[:-LOG_KEEP]
        c = self.counters.get(rec.counter_id or "")
        if c is not None and c.status == "closed":  # the window goes back to its own configuration
            cfg = self.counter_cfg[c.id]
            c.queue_ids, c.mode, c.locked = list(cfg.home), "tidal" if cfg.tidal else "fixed", False
            c.pending_queue_ids, c.pending_reason = None, ""
        rec.state, rec.ask_id, rec.asked_at, rec.ready_by = "idle", None, None, None
        rec.taken_at = rec.released_at = None
        rec.counter_id, rec.queue_ids, rec.reason, rec.by = None, [], "", ""

    # ------------------------------------------------------------ views
    def reserve_view(self, rec: ReserveRec) -> dict[str, Any]:
        cfg = self.reserve_cfg.get(rec.id)
        counter = self.counter_cfg.get(rec.counter_id or "")
        return {
            "id": rec.id,
            "name": cfg.name if cfg is not None else rec.id,
            "eligible_queue_ids": list(cfg.eligible) if cfg is not None else [],
            "ready_min": cfg.ready_min if cfg is not None else None,
            "counters": (list(cfg.counters) if cfg.counters != "*" else "*") if cfg is not None else "*",
            "state": rec.state,
            "ask_id": rec.ask_id,
            "asked_at": rec.asked_at.isoformat() if rec.asked_at else None,
            "ready_by": rec.ready_by.isoformat() if rec.ready_by else None,
            "taken_at": rec.taken_at.isoformat() if rec.taken_at else None,
            "released_at": rec.released_at.isoformat() if rec.released_at else None,
            "counter_id": rec.counter_id,
            "counter_number": counter.number if counter is not None else None,
            "queue_ids": list(rec.queue_ids),
            "reason": rec.reason,
            "by": rec.by,
        }

    def reserves_state(self, now: datetime) -> dict[str, Any]:
        today = now.astimezone(self.tz).date()
        done = [x for x in self.reserve_log if x["asked_at"] and x["asked_at"].astimezone(self.tz).date() == today]
        open_minutes = sum(
            (now - r.asked_at).total_seconds() / 60.0 for r in self.reserves.values() if r.active and r.asked_at
        )
        return {
            "at": now.isoformat(),
            "reserves": [self.reserve_view(r) for r in self.reserves.values()],
            "today": {
                "asks": len(done) + sum(1 for r in self.reserves.values() if r.active),
                "counter_minutes": round(sum(x["minutes"] for x in done) + open_minutes, 1),
            },
        }
