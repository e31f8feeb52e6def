"""The supervisor tablet's case screens' I/O (issue 21 item 4), mixed into SupervisorController: 差评整改 and
有诉即办 (`cmd/supervisor/case`, `cmd/supervisor/complaint`), 办件 (`cmd/supervisor/application`) with
their application_due alerts acknowledged with an explanation (`cmd/supervisor/alert-ack`), the 好差评
uplink (`state/platform`, `cmd/supervisor/uplink`) and the site file (`cmd/supervisor/reload`)."""

from __future__ import annotations

from queue_broker.protocol.platform import PlatformState

from ..common.case_control import ApplicationDeskControl, CaseDeskControl
from ..common.case_text import time_text
from .part import SupervisorPart

DESK_SCREENS = ("cases", "complaint", "applications", "platform")


class SupervisorDeskControl(CaseDeskControl, ApplicationDeskControl, SupervisorPart):
    def start_desk(self) -> None:
        self.start_cases()
        self.start_applications()
        self.client.watch(self.topics.state("platform"), PlatformState, self._platform)

    def _case_cmd(self, action: str) -> str:
        return self.topics.supervisor_cmd(action)

    def _application_cmd(self) -> str:
        return self.topics.supervisor_cmd("application")

    def desk_shown(self, screen: str) -> None:
        """A case screen was opened: what it shows, fresh from the broker."""
        if screen == "cases":
            self.refresh_cases()
        elif screen == "applications":
            self.refresh_applications()
            self._refresh_app_alerts()
        elif screen == "platform":
            self.uplink_status()

    # ------------------------------------------------------------------ 办件 alerts
    def _due_alerts(self):
        return [a for a in self.book.alerts.values() if a.extra.get("rule") == "application_due"]

    def _warned_case_nos(self) -> set[str]:
        return {a.extra.get("subject") for a in self._due_alerts() if a.severity == "yellow"}

    def _refresh_app_alerts(self) -> None:
        rows = [
            {
                "key": a.key,
                "severity": a.severity,
                "message": a.message,
                "time": a.at.astimezone(self.tz).strftime("%H:%M"),
                "acked": a.acked,
                "case_no": a.extra.get("subject") or "",
            }
            for a in sorted(self._due_alerts(), key=lambda a: (a.acked, a.severity != "red", -a.at.timestamp()))
        ]
        if rows != list(self.state.app_alerts):
            self.state.app_alerts = rows

    def ack_explained(self, key: str, note: str) -> None:
        """Acknowledge a monitoring alert with what was done about it (电子监察: acknowledge and explain)."""
        alert = self.book.alerts.get(key)
        note = (note or "").strip()
        if alert is None or alert.broker_id is None:
            return
        if not note:
            self.state.say("确认提醒请填写说明（已督办、原因、预计办结时间……）", "warn")
            return

        def ok(reply: dict) -> None:
            self.book.ack_local(key)
            self._refresh_alerts()
            self.state.say("已确认并记录说明", "info")

        self._send(self.topics.supervisor_cmd("alert-ack"), {"alert_id": alert.broker_id, "note": note}, "确认提醒", ok)

    # ------------------------------------------------------------------ the 好差评 uplink
    def _platform(self, msg: PlatformState, _topic: str) -> None:
        self.state.set_platform(msg.model_dump(mode="json"), self.tz)

    def uplink_status(self) -> None:
        def ok(reply: dict) -> None:
            self.state.uplink_rows = [_pending_row(p, self.tz) for p in reply.get("pending") or []]

        self._read(self.topics.supervisor_cmd("uplink"), {"action": "status"}, ok, "读取上报状态")

    def uplink_retry(self) -> None:
        def ok(reply: dict) -> None:
            n = reply.get("retried")
            self.state.say(f"已立即重试上报（{n} 条）" if isinstance(n, int) else "已立即重试上报", "info")
            self.uplink_status()

        self._send(self.topics.supervisor_cmd("uplink"), {"action": "retry-now"}, "立即重试上报", ok)

    # ------------------------------------------------------------------ the site file
    def reload_site(self, note: str) -> None:
        s = self.state
        payload = {"operator": s.supervisor_name or s.supervisor_id}
        if (note or "").strip():
            payload["note"] = note.strip()

        def ok(reply: dict) -> None:
            s.set_reload(reply)
            s.say(s.reload_lines[0] if s.reload_lines else "", "info")

        self._send(self.topics.supervisor_cmd("reload"), payload, "重新加载站点配置", ok, s.set_reload)


def _pending_row(p: dict, tz) -> str:
    kind = {"rating": "评价", "notice": "出件通知"}.get(p.get("kind", ""), p.get("kind", ""))
    tries = p.get("attempts", 0)
    line = f"{kind} {p.get('key', '')}　已尝试{tries}次"
    if p.get("next_try_at"):
        line += f"　下次 {time_text(p['next_try_at'], tz)}"
    if p.get("last_error"):
        line += f"　{p['last_error']}"
    return line
