"""Appointments (预约): slots, capacity kept for walk-ins, check-in windows. A mixin of HallEngine."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from . import events as ev
from .commands import BookAppointment, CancelAppointment, IssueTicket
from .dispatch import applies, handles
from .events import Event
from .records import AppointmentRec
from .rejected import Rejected, Result
from .state import EngineState


class AppointmentsMixin(EngineState):
    """Uses HallEngine's state (config, tickets, counters, ...); mixed into HallEngine only."""

    def _find_appointment(self, cmd: IssueTicket, now: datetime) -> tuple[AppointmentRec | None, str]:
        appt = None
        if cmd.appointment_code:
            appt = self.appointments.get(cmd.appointment_code.strip().upper())
        elif cmd.holder is not None:
            today = self.local_day(now)
            mine = [
                a
                for a in self.appointments.values()
                if a.holder_hash == cmd.holder.hash and a.state == "booked" and self.local_day(a.slot_start) == today
            ]
            appt = min(mine, key=lambda a: abs((a.slot_start - now).total_seconds()), default=None)
        if appt is None or appt.state == "cancelled":
            return None, "not_found"  # art. 19: still a walk-in ticket, never a refusal
        if appt.state == "checked_in":
            return None, "already_checked_in"
        a = self.config.appointments
        if now < appt.slot_start - timedelta(minutes=a.grace_before_min):
            return appt, "early"
        if now > appt.slot_start + timedelta(minutes=a.grace_after_min):
            return appt, "late"
        return appt, "on_time"

    def slot_capacity(self, service_id: str) -> int:
        a = self.config.appointments
        total = a.capacity_overrides.get(service_id, a.capacity_per_slot)
        return int(total * (1 - a.walk_in_share))  # the rest of the hour is kept for walk-ins

    @handles(BookAppointment)
    def _do_BookAppointment(self, cmd: BookAppointment, now: datetime) -> Result:
        svc = self.services.get(cmd.service_id)
        if svc is None:
            raise Rejected("not_found", f"本大厅没有事项 {cmd.service_id!r}")
        if not svc.appointment:
            raise Rejected("conflict", f"{svc.name}不能预约，请到大厅取号办理")
        a = self.config.appointments
        start = cmd.slot_start.astimezone(self.tz)
        if start.minute % a.slot_minutes or start.second or start.microsecond:
            raise Rejected("invalid_request", f"预约时段每 {a.slot_minutes} 分钟一个，请从整时段开始")
        if start <= now:
            raise Rejected("conflict", "该时段已经开始，请选择以后的时段")
        if start.date() > self.local_day(now) + timedelta(days=a.book_days_ahead):
            raise Rejected("conflict", f"只能预约 {a.book_days_ahead} 天以内的时段")
        if not self.is_ticketing_open(start):
            raise Rejected("closed", "该时段大厅不办公，请选择办公时间内的时段")
        self._check_in_force(svc.id, start.date())  # not offered yet, or withdrawn, on the slot's day
        key = (svc.id, start)
        if self.slot_bookings[key] >= self.slot_capacity(svc.id):
            raise Rejected("full", "该时段已约满，请选择其他时段")
        if cmd.code in self.appointments:
            raise Rejected("conflict", "预约码重复，请重试")
        out: list[Event] = []
        end = start + timedelta(minutes=a.slot_minutes)
        self._emit(
            out,
            ev.APPOINTMENT_BOOKED,
            now,
            code=cmd.code,
            service_id=svc.id,
            slot_start=start.isoformat(),
            slot_end=end.isoformat(),
            holder_hash=cmd.holder.hash if cmd.holder else None,
            **({"partner": cmd.partner} if cmd.partner else {}),
        )
        return Result(
            out,
            {
                "appointment": {
                    "code": cmd.code,
                    "service_id": svc.id,
                    "slot_start": start.isoformat(),
                    "slot_end": end.isoformat(),
                }
            },
        )

    @handles(CancelAppointment)
    def _do_CancelAppointment(self, cmd: CancelAppointment, now: datetime) -> Result:
        appt = self.appointments.get(cmd.code.strip().upper())
        if appt is None or (cmd.partner is not None and appt.partner != cmd.partner):
            raise Rejected("not_found", "没有这个预约码的预约")
        if appt.state != "booked":
            state = {"cancelled": "已取消", "checked_in": "已签到"}.get(appt.state, appt.state)
            raise Rejected("conflict", f"该预约{state}")
        out: list[Event] = []
        self._emit(out, ev.APPOINTMENT_CANCELLED, now, code=appt.code)
        return Result(out, {"appointment": {"code": appt.code, "state": "cancelled"}})

    @applies("appointment_booked")
    def _on_appointment_booked(self, at: datetime, d: dict[str, Any]) -> None:
        start, end = datetime.fromisoformat(d["slot_start"]), datetime.fromisoformat(d["slot_end"])
        self.appointments[d["code"]] = AppointmentRec(
            code=d["code"],
            service_id=d["service_id"],
            slot_start=start,
            slot_end=end,
            holder_hash=d.get("holder_hash"),
            partner=d.get("partner", ""),
        )
        self.slot_bookings[(d["service_id"], start)] += 1

    @applies("appointment_cancelled")
    def _on_appointment_cancelled(self, at: datetime, d: dict[str, Any]) -> None:
        appt = self.appointments[d["code"]]
        appt.state = "cancelled"
        self.slot_bookings[(appt.service_id, appt.slot_start)] -= 1
