"""Ratings (好差评), notices, alerts and recommendations, supervisor login. A mixin of HallEngine."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..security.pins import check_pin
from . import events as ev
from .commands import AckAlert, CheckSupervisor, DecideRecommendation, PostNotice, RaiseAlert, SubmitRating
from .dispatch import applies, handles
from .events import Event
from .records import DONE, AlertRec, served_where
from .rejected import Rejected, Result
from .state import EngineState


class SupervisionMixin(EngineState):
    """Uses HallEngine's state (config, tickets, counters, ...); mixed into HallEngine only."""

    @handles(CheckSupervisor)
    def _do_CheckSupervisor(self, cmd: CheckSupervisor, now: datetime) -> Result:
        sup = next((s for s in self.config.supervisors if s.id == cmd.supervisor_id), None)
        if sup is None or not check_pin(cmd.pin, sup.pin_hash):
            raise Rejected("forbidden", "值班长工号或密码错误")
        return Result([], {"supervisor": {"id": sup.id, "name": sup.name}})

    @handles(SubmitRating)
    def _do_SubmitRating(self, cmd: SubmitRating, now: datetime) -> Result:
        t = self._ticket(cmd.ticket_id)
        if t.state != DONE:
            raise Rejected("conflict", f"{t.number} 尚未办结，还不能评价")
        if t.rating is not None:
            raise Rejected("conflict", f"{t.number} 已经评价过")
        if not 1 <= cmd.level <= 5:
            raise Rejected("invalid_request", "评价等级为 1 到 5")
        if cmd.level <= 2 and not cmd.reasons:
            raise Rejected("invalid_request", "差评（1 或 2）须选择理由")
        out: list[Event] = []
        self._emit(
            out,
            ev.RATING_SUBMITTED,
            now,
            **served_where(t),
            level=cmd.level,
            reasons=list(cmd.reasons),
            comment=cmd.comment,
            by=cmd.by,
            operator_id=self.counters[t.counter_id].operator_id if t.counter_id in self.counters else None,
            **({"channel": cmd.channel} if cmd.channel else {}),  # added: rating_pad, qr_code, kiosk
        )
        return Result(out, {"rating": {"ticket_id": t.id, "level": cmd.level}})

    @handles(PostNotice)
    def _do_PostNotice(self, cmd: PostNotice, now: datetime) -> Result:
        out: list[Event] = []
        self._emit(out, ev.NOTICE_POSTED, now, **ev.command_data(cmd))
        return Result(out, {})

    @handles(RaiseAlert)
    def _do_RaiseAlert(self, cmd: RaiseAlert, now: datetime) -> Result:
        out: list[Event] = []
        self._emit(
            out,
            ev.ALERT_RAISED,
            now,
            id=cmd.alert_id,
            kind=cmd.kind,
            severity=cmd.severity,
            message=cmd.message,
            **{"extra": cmd.data},
        )
        return Result(out, {"alert_id": cmd.alert_id})

    @handles(AckAlert)
    def _do_AckAlert(self, cmd: AckAlert, now: datetime) -> Result:
        alert = self._alert(cmd.alert_id)
        out: list[Event] = []
        if alert.acked_at is None:
            self._emit(out, ev.ALERT_ACKED, now, id=alert.id, note=cmd.note, by=cmd.by)
        return Result(out, {"alert_id": alert.id})

    @handles(DecideRecommendation)
    def _do_DecideRecommendation(self, cmd: DecideRecommendation, now: datetime) -> Result:
        if cmd.decision not in ("accept", "reject"):
            raise Rejected("invalid_request", "决定只能是 accept（采纳）或 reject（不采纳）")
        alert = next(
            (a for a in self.alerts.values() if a.data.get("recommendation_id") == cmd.recommendation_id), None
        )
        if alert is None:
            raise Rejected("not_found", "没有这条建议")
        out: list[Event] = []
        self._emit(out, ev.RECOMMENDATION_DECIDED, now, **ev.command_data(cmd), alert_id=alert.id)
        return Result(out, {"recommendation_id": cmd.recommendation_id, "decision": cmd.decision})

    @applies("rating_submitted")
    def _on_rating_submitted(self, at: datetime, d: dict[str, Any]) -> None:
        self.tickets[d["ticket_id"]].rating = d["level"]
        self.ratings[d["ticket_id"]] = {**d, "at": at}

    @applies("notice_posted")
    def _on_notice_posted(self, at: datetime, d: dict[str, Any]) -> None:
        self.notices.append({**d, "at": at})
        del self.notices[:-20]

    @applies("alert_raised")
    def _on_alert_raised(self, at: datetime, d: dict[str, Any]) -> None:
        self.alerts[d["id"]] = AlertRec(
            id=d["id"], kind=d["kind"], severity=d["severity"], message=d["message"], at=at, data=d.get("extra", {})
        )

    @applies("alert_acked")
    def _on_alert_acked(self, at: datetime, d: dict[str, Any]) -> None:
        a = self.alerts[d["id"]]
        a.acked_at, a.ack_note = at, d.get("note", "")

    @applies("recommendation_decided")
    def _on_recommendation_decided(self, at: datetime, d: dict[str, Any]) -> None:
        alert = self.alerts.get(d["alert_id"])
        if alert is not None:
            alert.data = {**alert.data, "decision": d["decision"], "decided_by": d["by"]}
            if alert.acked_at is None:
                alert.acked_at, alert.ack_note = at, d["decision"]
