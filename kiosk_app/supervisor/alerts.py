"""The supervisor tablet's list of alerts, from every source, merged. Pure: no Kivy, no I/O.

Sources (protocol v1 and its additions, docs/protocol.md):
- `event/alert` from the broker's electronic monitoring (waits over SLA, service overruns, idle
  counters, no-show streaks, case deadlines, device faults left unresolved) and the rebalancer's
  window recommendations (`recommendation_id`): raised, escalated, acked, cleared;
- `event/case` kind `bad_rating` (a 差评 opens a case that must be investigated and answered);
- a kiosk's call for staff (`cmd/ticket/help` → `event/alert` kind `help`, with its `need`: priority,
  help, blind, deaf): raised, answered by the supervisor (`alert-ack` with a note: `acked`), withdrawn by
  the kiosk when the citizen leaves (`cleared`);
- retained device health `node/{node}/device/{device}`: a device in fault at once (the broker's
  `device_fault` alert follows after `device_fault_min`), and an older kiosk's help request (kind `help`,
  state `degraded`; `ready` again when the citizen no longer needs help);
- `node/{node}/status`: a node seen online that drops offline.

Broker alerts are acknowledged on the broker (`cmd/supervisor/alert-ack`); the others only on this
tablet (they end by themselves when the condition ends).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

SEVERITY_RANK = {"red": 0, "yellow": 1, "info": 2}
KIND_NAMES = {
    "wait_over_sla": "等候超时",
    "service_overrun": "办理超时",
    "counter_idle": "窗口空闲",
    "no_show_streak": "连续过号",
    "complex_question_due": "复杂问题逾期",
    "case_due": "整改临期",
    "device_fault": "设备故障",
    "application_due": "办件时限",
    "recommendation": "开窗建议",
    "help": "帮办请求",
    "help_priority": "优先办理请求",
    "help_visually_impaired": "视障求助",
    "help_hearing_impaired": "听障求助",
    "help_mobility": "行动不便求助",
    "bad_rating": "差评",
    "node_offline": "终端离线",
    "device": "设备异常",
}
# what a kiosk's call is about (the broker's `need`), as the floor staff read it
HELP_NEEDS = {
    "priority": "群众请求优先办理（绿色通道、残疾人优先等），请到场核实",
    "general": "群众需要帮办代办，请到场协助",
    "visually_impaired": "视障群众需要引导取号，请到场",
    "hearing_impaired": "听障群众需要手语或文字沟通，请到场",
    "mobility": "行动不便的群众需要协助，请到场",
}
DEVICE_NAMES = {
    "printer": "打印机",
    "idcard": "身份证阅读器",
    "scanner": "扫码器",
    "camera": "摄像头",
    "keypad": "呼叫器",
    "rating_pad": "评价器",
    "led": "窗口屏",
}


@dataclass
class Alert:
    key: str
    source: str  # broker | device | help | case | node
    kind: str
    severity: str
    message: str
    at: datetime
    acked: bool = False
    broker_id: str | None = None  # acknowledged on the broker
    recommendation_id: str | None = None
    decision: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)


class AlertBook:
    def __init__(self, node_names: dict[str, str] | None = None, counter_names: dict[str, str] | None = None):
        self.alerts: dict[str, Alert] = {}
        self.node_names = node_names or {}
        self.counter_names = counter_names or {}
        self._seen_online: set[str] = set()

    # ------------------------------------------------------------------ sources
    def broker_alert(self, ev: dict, at: datetime) -> None:
        aid = ev.get("id") or f"{ev.get('kind')}:{ev.get('at')}"
        key = f"broker:{aid}"
        state = ev.get("state") or "raised"
        if state == "cleared":
            self.alerts.pop(key, None)
            return
        alert = self.alerts.get(key)
        message = ev.get("message", "")
        if ev.get("rule") == "help":  # a kiosk's call for staff: its name as staff call it, the need in words
            # (not the zone: an id such as `ground`, no word for staff; the kiosk's name says where it is)
            node = ev.get("node_id") or ev.get("subject") or ""
            message = f"{self.node_names.get(node, node)}：{HELP_NEEDS.get(ev.get('need') or '', message)}"
        if alert is None:
            kind = "recommendation" if ev.get("recommendation_id") else ev.get("kind", "alert")
            if ev.get("rule") == "help" and ev.get("need") in (
                "priority",
                "visually_impaired",
                "hearing_impaired",
                "mobility",
            ):
                kind = f"help_{ev['need']}"
            alert = Alert(
                key,
                "broker",
                kind,
                ev.get("severity", "yellow"),
                message,
                at,
                broker_id=ev.get("id"),
                recommendation_id=ev.get("recommendation_id"),
                extra={"rule": ev.get("rule"), "subject": ev.get("subject"), "need": ev.get("need")},
            )
            self.alerts[key] = alert
        alert.severity = ev.get("severity", alert.severity) if state != "acked" else alert.severity
        if ev.get("rule") != "help" or state == "raised":
            alert.message = message or alert.message
        if state == "acked":
            alert.acked = True
        elif state == "escalated":  # yellow turned red: the broker wants a new acknowledgement
            alert.acked = False
        if ev.get("rule") == "device_fault" and ev.get("subject"):
            self.alerts.pop(f"device:{ev['subject']}", None)  # the broker's alert supersedes ours

    def device_health(self, node: str, device: str, health: dict, at: datetime) -> None:
        name = self.node_names.get(node, node)
        if health.get("kind") == "help":
            key = f"help:{node}"
            if health.get("state") == "degraded":
                if key not in self.alerts:
                    self.alerts[key] = Alert(
                        key, "help", "help", "red", health.get("message") or f"{name} 有群众需要帮办", at
                    )
            else:
                self.alerts.pop(key, None)
            return
        key = f"device:{node}/{device}"
        state = health.get("state")
        if health.get("ok") or state in ("ready", "unknown"):
            self.alerts.pop(key, None)
            return
        if any(a.source == "broker" and a.extra.get("subject") == f"{node}/{device}" for a in self.alerts.values()):
            return
        severity = "red" if state == "fault" else "yellow"
        kind = health.get("kind", "")
        message = f"{name} {DEVICE_NAMES.get(kind, kind)}：{health.get('message', '')}"
        old = self.alerts.get(key)
        if old is None or old.message != message or old.severity != severity:
            self.alerts[key] = Alert(
                key,
                "device",
                "device",
                severity,
                message,
                at,
                acked=bool(old and old.acked and old.severity == severity),
            )

    def node_status(self, node: str, online: bool, role: str, at: datetime) -> None:
        key = f"node:{node}"
        if online:
            self._seen_online.add(node)
            self.alerts.pop(key, None)
        elif node in self._seen_online and role not in ("supervisor",):
            name = self.node_names.get(node, node)
            self.alerts[key] = Alert(key, "node", "node_offline", "yellow", f"{name}（{role}）离线", at)

    def case(self, ev: dict, at: datetime) -> None:
        if ev.get("kind") != "bad_rating":
            return
        key = f"case:{ev['case_id']}"
        if ev.get("state") in ("closed", "annulled"):
            self.alerts.pop(key, None)
            return
        if key in self.alerts:
            return
        counter = self.counter_names.get(ev.get("counter_id") or "", ev.get("counter_id") or "")
        deadline = ev.get("deadline_text", "")
        self.alerts[key] = Alert(
            key,
            "case",
            "bad_rating",
            "red",
            f"{counter} 收到差评，整改案件 {ev['case_id']}" + (f"，期限 {deadline}" if deadline else ""),
            at,
        )

    # ------------------------------------------------------------------ actions
    def ack_local(self, key: str) -> None:
        if key in self.alerts:
            self.alerts[key].acked = True

    def answered(self, key: str, note: str) -> None:
        """A kiosk's call answered from this tablet (`alert-ack` with this note)."""
        a = self.alerts.get(key)
        if a is not None:
            a.acked = True
            a.extra["answer_note"] = note

    def decided(self, key: str, decision: str) -> None:
        a = self.alerts.get(key)
        if a is not None:
            a.decision = decision
            a.acked = True

    # ------------------------------------------------------------------ view
    def rows(self, tz) -> list[dict]:
        ordered = sorted(
            self.alerts.values(), key=lambda a: (a.acked, SEVERITY_RANK.get(a.severity, 3), -a.at.timestamp())
        )
        return [
            {
                "key": a.key,
                "kind": a.kind,
                "kind_name": a.kind_name,
                "severity": a.severity,
                "message": a.message,
                "time": a.at.astimezone(tz).strftime("%H:%M"),
                "acked": a.acked,
                "recommendation": bool(a.recommendation_id),
                "decision": a.decision,
                "source": a.source,
                "answer": a.source == "broker" and a.extra.get("rule") == "help",  # answered with a note
                "answer_note": a.extra.get("answer_note", ""),
            }
            for a in ordered
        ]

    def open_count(self) -> int:
        return sum(1 for a in self.alerts.values() if not a.acked)
