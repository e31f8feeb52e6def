"""Priority issued by people (seed art. 16 and 27: 绿色通道, care for the disabled), and a kiosk's call
for a member of staff. A mixin of HallEngine.

A priority class that needs a person's judgement — the green channel (绿色通道), the disability
priority (残疾人优先) — is issued only by staff: a counter terminal (`cmd/counter/{counter}/issue-priority`,
its logged-in operator is the issuer) or the supervisor tablet (`cmd/supervisor/issue-priority`, with the
supervisor's id). The MQTT ACL lets only those roles publish there; the site file says which of the two
may issue each class, the reasons they pick from, and can switch a class off
(`priorities.classes`). The reason and the issuer go into the `ticket_issued` event, so the audit log and
the reports show who gave whom priority and why. A kiosk gets only what it can verify (the elderly
priority from the ID card's birth date); a citizen who needs more asks at the kiosk, which calls staff
(`cmd/ticket/help`): an alert on the floor at once, not a priority ticket.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from ..config.models import PriorityName
from . import events as ev
from .commands import IssuePriorityTicket, RequestHelp
from .dispatch import handles
from .events import Event
from .records import DISABILITY, GREEN, NewTicket
from .rejected import Rejected, Result
from .state import EngineState

STAFF_ISSUED = (GREEN, DISABILITY)  # config.models.STAFF_PRIORITIES
PRIORITY_NAMES = {
    "green": "绿色通道",
    "appointment": "预约优先",
    "return": "补正返回",
    "disability": "残疾人优先",
    "elderly": "老年人优先",
    "normal": "普通",
}
ROLE_NAMES = {"counter": "窗口", "supervisor": "值班主管"}
# what a kiosk's call for staff is about: the alert's words for the floor
# A kiosk's call for staff (cmd/ticket/help): need -> (label, what the floor reads, severity)
HELP_NEEDS: dict[str, tuple[str, str, str]] = {
    "general": ("帮办", "市民请求帮办代办，请工作人员到场协助", "yellow"),
    "priority": ("优先办理", "市民请求优先办理（绿色通道、残疾人优先等），请工作人员到场核实", "yellow"),
    "visually_impaired": ("视障", "视障市民需要引导取号，请工作人员到场", "red"),
    "hearing_impaired": ("听障", "听障市民需要手语或文字沟通，请工作人员到场", "red"),
    "mobility": ("行动不便", "行动不便的市民需要协助，请工作人员到场", "red"),
}
HELP_RULE = "help"  # alerts of kiosks' calls: rule "help", subject the kiosk's node id


class PriorityMixin(EngineState):
    """Uses HallEngine's state (config, counters, services, bundles, alerts, _issue, _emit, ...)."""

    @handles(IssuePriorityTicket)
    def _do_IssuePriorityTicket(self, cmd: IssuePriorityTicket, now: datetime) -> Result:
        if cmd.priority not in STAFF_ISSUED:
            raise Rejected(
                "invalid_request", f"优先类别只能是：{'、'.join(f'{p}（{PRIORITY_NAMES[p]}）' for p in STAFF_ISSUED)}"
            )
        name = PRIORITY_NAMES[cmd.priority]
        rules = self.config.priorities
        cls = rules.classes[cast(PriorityName, cmd.priority)]  # one of STAFF_ISSUED, checked above
        if not cls.enabled:
            raise Rejected("forbidden", f"本大厅未启用{name}（站点配置 priorities.classes.{cmd.priority}）")
        if cmd.role not in cls.issued_by:
            who = "、".join(ROLE_NAMES[r] for r in cls.issued_by)
            raise Rejected("forbidden", f"本大厅{name}号只能由{who}核发")
        reason, note = cmd.reason.strip(), cmd.note.strip()
        if not reason:
            raise Rejected("invalid_request", f"{name}号须填写理由")
        if cls.reasons and reason not in cls.reasons:
            raise Rejected("invalid_request", f"{name}的理由须为：{'、'.join(cls.reasons)}")
        if reason == "其他" and not note:
            raise Rejected("invalid_request", "理由为“其他”时须写明具体情况")
        queue_id = self.queue_of(cmd.service_id)
        issued_by: dict[str, Any] = {"role": cmd.role, "node": cmd.by}
        if cmd.role == "counter":
            c = self._counter(cmd.counter_id or "")
            if c.status == "closed" or not c.operator_id:
                raise Rejected("conflict", f"请先在{self.counter_cfg[c.id].name}登录：优先号须记录核发的工作人员")
            issued_by.update(counter_id=c.id, operator_id=c.operator_id)
        else:
            sup = next((s for s in self.config.supervisors if s.id == cmd.supervisor_id), None)
            if sup is None:
                raise Rejected("forbidden", f"本大厅没有值班主管 {cmd.supervisor_id!r}")
            issued_by.update(supervisor_id=sup.id)
        # Staff decide on the spot: no caps and no ticketing hours (a counter open is someone serving);
        # the day's close still expires a ticket left waiting.
        out: list[Event] = []
        new = NewTicket(
            cmd.service_id,
            "green" if cmd.priority == GREEN else "walk_in",
            cmd.priority,
            cmd.by or f"{cmd.role}:{issued_by.get('counter_id') or issued_by.get('supervisor_id')}",
            extra={"priority_reason": reason, "priority_note": note, "issued_by": issued_by},
        )
        ticket = self._issue(out, now, queue_id, new)
        return Result(
            out, {"ticket": self.ticket_view(ticket, now), "priority": {"reason": reason, "note": note, **issued_by}}
        )

    @handles(RequestHelp)
    def _do_RequestHelp(self, cmd: RequestHelp, now: datetime) -> Result:
        """One call per kiosk (rule `help`, subject the kiosk): asked twice, the floor already knows (unless the
        need became clearer: the same alert, escalated to it); answered (acknowledged) and asked again, a new
        call; `cancel` clears it."""
        if cmd.need not in HELP_NEEDS:
            raise Rejected(
                "invalid_request", f"求助类别只能是：{'、'.join(f'{k}（{v[0]}）' for k, v in HELP_NEEDS.items())}"
            )
        out: list[Event] = []
        open_id = self.monitor_alerts.get((HELP_RULE, cmd.kiosk_id))
        current = self.alerts.get(open_id) if open_id else None
        if cmd.cancel:
            if current is not None:
                self._emit(out, ev.ALERT_CLEARED, now, id=current.id, reason="withdrawn at the kiosk")
            return Result(out, {"alert": None})
        label, text, severity = HELP_NEEDS[cmd.need]
        node = next((n for n in self.config.nodes if n.id == cmd.kiosk_id), None)
        name = str((node.screen.get("display_name") if node and node.screen else None) or cmd.kiosk_id)
        zone = node.zone if node else None
        message = f"{name}：{text}"
        extra = {
            "rule": HELP_RULE,
            "subject": cmd.kiosk_id,
            "state": "raised",
            "node_id": cmd.kiosk_id,
            "need": cmd.need,
            "need_label": label,
            **({"zone": zone} if zone else {}),
        }
        if current is not None and current.acked_at is None:
            if current.data.get("need") != cmd.need:  # the need became clearer: the same alert, its new need
                escalated = {**extra, "state": "escalated"}
                self._emit(
                    out, ev.ALERT_ESCALATED, now, id=current.id, severity=severity, message=message, extra=escalated
                )
            return Result(out, {"alert": {"id": current.id, "state": "raised", "already": True}})
        if current is not None:  # staff came (acknowledged) and the kiosk asks again: a new call
            self._emit(out, ev.ALERT_CLEARED, now, id=current.id, reason="answered")
        stamp = now.astimezone(self.tz).strftime("%Y%m%d%H%M%S")
        alert_id, n = f"help:{cmd.kiosk_id}:{stamp}"[:60], 1
        while alert_id in self.alerts:
            n += 1
            alert_id = f"help:{cmd.kiosk_id}:{stamp}"[:56] + f"-{n}"
        self._emit(
            out, ev.ALERT_RAISED, now, id=alert_id, kind=HELP_RULE, severity=severity, message=message, extra=extra
        )
        return Result(out, {"alert": {"id": alert_id, "state": "raised", "already": False}})
