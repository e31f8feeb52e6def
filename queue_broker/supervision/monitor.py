"""Electronic monitoring (电子监察, seed art. 37–38): the rules, as a tick task of the broker.

Every second the broker calls `Monitor(engine, now)`. It evaluates each rule on the engine's state,
compares the findings with the monitoring alerts the engine holds, and returns commands:

- a finding with no alert yet for its (rule, subject) → `RaiseAlert` (yellow or red),
- a yellow alert whose finding is now red → `EscalateAlert`,
- an alert whose finding is gone → `ClearAlert`.

So an alert is raised once per (rule, subject), never repeated every tick, and every change is an
event in the store (counted in reports, published on `event/alert`). The rules read only engine state
and `now`: the same task runs in the broker, in the simulated week and in tests with an injected clock.

| rule | subject | yellow | red |
|---|---|---|---|
| `wait_over_sla` | queue | longest wait ≥ `wait_yellow_pct_of_sla` % of the queue's SLA | ≥ `wait_red_pct_of_sla` % |
| `service_overrun` | ticket | at the counter ≥ usual time × `service_over_usual_factor` | × `service_over_usual_red_factor` |
| `counter_idle` | counter | open or paused, free, citizens of its queues waiting, ≥ `counter_idle_min` | ≥ `counter_idle_red_min` |
| `no_show_streak` | counter | ≥ `no_shows_in_row` no-shows in a row | ≥ `no_shows_in_row_red` |
| `complex_question_due` | case | last `case_warn_working_days` before the deadline (2 working days) | deadline passed, no answer |
| `case_due` | case | bad-rating or complaint case in its last `case_warn_working_days` | deadline passed, not closed |
| `device_fault` | node/device | in fault (or silent: `unknown`) ≥ `device_fault_min` | ≥ `device_fault_red_min` |
| `application_due` | 办件 case_no | `application_warn_pct` % of the promised time spent | the due date passed, not concluded |
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..engine.applications import APP_STATE_NAMES, CLOCK_RUNS
from ..engine.cases import COMPLEX_QUESTION, KIND_NAMES, STATE_NAMES
from ..engine.commands import ClearAlert, EscalateAlert, RaiseAlert

RULES = (
    "wait_over_sla",
    "service_overrun",
    "counter_idle",
    "no_show_streak",
    "complex_question_due",
    "case_due",
    "device_fault",
    "application_due",  # 办件 (engine/applications.py, docs/platform.md)
)
# the devices a node reports (devices/health.py), as staff call them in a monitoring alert
DEVICE_KIND_NAMES = {
    "printer": "打印机",
    "idcard": "身份证读卡器",
    "scanner": "扫码器",
    "camera": "摄像头",
    "keypad": "叫号键盘",
    "rating_pad": "评价器",
    "led": "窗口屏",
    "speaker": "扬声器",
    "help": "帮办呼叫",
}

RULE_NAMES = {
    "wait_over_sla": "等候超时",
    "service_overrun": "办理超时",
    "counter_idle": "窗口空闲或暂停而有人等候",
    "no_show_streak": "连续过号",
    "complex_question_due": "复杂问题逾期未告知",
    "case_due": "差评或诉求办理临期逾期",
    "device_fault": "设备故障未处理",
    "application_due": "办件临近或超过承诺时限",
}


@dataclass(frozen=True)
class Finding:
    rule: str
    subject: str
    severity: str  # yellow | red
    message: str
    data: dict[str, Any] = field(default_factory=dict)


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} 分钟"


def _level(value: float, yellow: float, red: float) -> str | None:
    if value >= max(red, yellow):
        return "red"
    if value >= yellow:
        return "yellow"
    return None


def usual_service_s(engine: Any, service_id: str, queue_id: str) -> float:
    """The item's usual time at the counter (catalog `usual_service_min`), else the queue's mean."""
    svc = engine.services.get(service_id)
    if svc is not None and svc.usual_service_min:
        return svc.usual_service_min * 60
    bundle = engine.bundles.get(service_id)
    if bundle is not None:
        parts = [engine.services[s].usual_service_min for s in bundle.service_ids if s in engine.services]
        if parts and all(parts):
            return sum(parts) * 60
    return engine.queues[queue_id].mean_service_min * 60


def evaluate(engine: Any, now: datetime) -> list[Finding]:
    """Every rule's findings now."""
    th = engine.config.alerts
    out: list[Finding] = []

    # waiting beyond the queue's SLA: the longest-waiting citizen of each queue
    for qid, q in engine.queues.items():
        ids = engine.waiting.get(qid) or ()
        if not ids:
            continue
        oldest = min((engine.tickets[t] for t in ids), key=lambda t: (t.issued_at, t.number))
        waited = (now - oldest.issued_at).total_seconds()
        sla = q.sla_min * 60
        sev = _level(waited, sla * th.wait_yellow_pct_of_sla / 100, sla * th.wait_red_pct_of_sla / 100)
        if sev:
            out.append(
                Finding(
                    "wait_over_sla",
                    qid,
                    sev,
                    f"{q.name}：{oldest.number} 已等候 {_minutes(waited)}，目标 {q.sla_min} 分钟，{len(ids)} 人等候",
                    {
                        "queue_id": qid,
                        "ticket_id": oldest.id,
                        "number": oldest.number,
                        "waited_s": int(waited),
                        "sla_s": sla,
                        "waiting": len(ids),
                    },
                )
            )

    for c in engine.counters.values():
        name = engine.counter_cfg[c.id].name
        # a service running beyond the item's usual time
        if c.current:
            t = engine.tickets[c.current]
            began = t.started_at or t.called_at
            if began is not None:
                usual = usual_service_s(engine, t.service_id, t.queue_id)
                elapsed = (now - began).total_seconds() - t.held_s  # time on hold (挂起) is no service
                sev = _level(elapsed, usual * th.service_over_usual_factor, usual * th.service_over_usual_red_factor)
                if sev:
                    out.append(
                        Finding(
                            "service_overrun",
                            t.id,
                            sev,
                            f"{name}：{t.number} 已办理 {_minutes(elapsed)}，该事项通常 {_minutes(usual)}",
                            {
                                "counter_id": c.id,
                                "ticket_id": t.id,
                                "number": t.number,
                                "service_id": t.service_id,
                                "elapsed_s": int(elapsed),
                                "usual_s": int(usual),
                            },
                        )
                    )
        if c.status == "closed":
            continue
        # a counter idle or paused while its queues have citizens waiting
        if c.current is None:
            waiting = [engine.tickets[t] for q in c.queue_ids for t in engine.waiting.get(q, ())]
            if waiting:
                oldest_at = min(t.issued_at for t in waiting)
                since = max(c.idle_since or oldest_at, oldest_at)
                idle = (now - since).total_seconds()
                sev = _level(idle, th.counter_idle_min * 60, th.counter_idle_red_min * 60)
                if sev:
                    how = "暂停" if c.status == "paused" else "空闲未叫号"
                    out.append(
                        Finding(
                            "counter_idle",
                            c.id,
                            sev,
                            f"{name}{how} {_minutes(idle)}，其队列有 {len(waiting)} 人等候",
                            {"counter_id": c.id, "idle_s": int(idle), "waiting": len(waiting), "status": c.status},
                        )
                    )
        # repeated no-shows at one counter
        sev = _level(c.no_shows_in_row, th.no_shows_in_row, th.no_shows_in_row_red)
        if sev:
            out.append(
                Finding(
                    "no_show_streak",
                    c.id,
                    sev,
                    f"{name}连续 {c.no_shows_in_row} 个过号",
                    {"counter_id": c.id, "no_shows": c.no_shows_in_row},
                )
            )

    # case deadlines: complex questions (art. 17), bad-rating and complaint cases
    for case in engine.cases.values():
        if not case.open or now < case.warn_at:
            continue
        sev = "red" if now >= case.deadline else "yellow"
        rule = "complex_question_due" if case.kind == COMPLEX_QUESTION else "case_due"
        when = "已逾期" if sev == "red" else "临近期限"
        deadline = case.deadline.astimezone(engine.tz).strftime("%m月%d日 %H:%M")
        out.append(
            Finding(
                rule,
                case.id,
                sev,
                f"{KIND_NAMES[case.kind]} {case.id} {when}（期限 {deadline}），当前：{STATE_NAMES[case.state]}",
                {
                    "case_id": case.id,
                    "case_kind": case.kind,
                    "counter_id": case.counter_id or "",
                    "deadline": case.deadline.isoformat(),
                },
            )
        )

    # 办件: yellow when the share of the promised time is spent, red at the due date (the clock runs only
    # while accepted or in processing: a correction stops it, concluding ends it)
    for app in engine.applications.values():
        if app.state not in CLOCK_RUNS or app.warn_at is None or app.due_at is None or now < app.warn_at:
            continue
        sev = "red" if now >= app.due_at else "yellow"
        when = "已超过承诺时限" if sev == "red" else f"承诺时限已用 {engine.config.alerts.application_warn_pct}%"
        due = app.due_at.astimezone(engine.tz).strftime("%m月%d日 %H:%M")
        out.append(
            Finding(
                "application_due",
                app.case_no,
                sev,
                f"办件 {app.case_no}（{app.task_name}）{when}（{due} 前办结），当前：{APP_STATE_NAMES[app.state]}",
                {
                    "case_no": app.case_no,
                    "service_id": app.service_id,
                    "counter_id": app.counter_id or "",
                    "department": app.department,
                    "due_at": app.due_at.isoformat(),
                },
            )
        )

    # a device fault left unresolved
    for d in engine.devices.values():
        if not d.faulty:
            continue
        dur = (now - d.since).total_seconds()
        sev = _level(dur, th.device_fault_min * 60, th.device_fault_red_min * 60)
        if sev:
            out.append(
                Finding(
                    "device_fault",
                    f"{d.node_id}/{d.device_id}",
                    sev,
                    f"{d.node_id} 的{DEVICE_KIND_NAMES.get(d.kind, d.kind)}（{d.device_id}）故障 {_minutes(dur)}：{d.message}",
                    {"node_id": d.node_id, "device_id": d.device_id, "device_kind": d.kind, "fault_s": int(dur)},
                )
            )
    return out


def alert_id(rule: str, subject: str, now: datetime, taken: Any = ()) -> str:
    """`rule:subject:YYYYmmddHHMMSS` (at most 64 characters, the protocol's limit for alert ids)."""
    stamp = now.strftime("%Y%m%d%H%M%S")
    base = f"{rule}:{subject}:{stamp}"
    if len(base) > 60:
        base = f"{rule}:{hashlib.sha1(subject.encode()).hexdigest()[:12]}:{stamp}"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


class Monitor:
    """The tick task: `(engine, now) -> commands`. Holds no state of its own: everything it knows
    about raised alerts is in the engine (so a restart or a rebuilt engine changes nothing)."""

    __name__ = "monitor"

    def __call__(self, engine: Any, now: datetime) -> list[Any]:
        findings = {(f.rule, f.subject): f for f in evaluate(engine, now)}
        commands: list[Any] = []
        for key, f in findings.items():
            aid = engine.monitor_alerts.get(key)
            if aid is None:
                data = {"rule": f.rule, "subject": f.subject, "state": "raised", **f.data}
                commands.append(
                    RaiseAlert(
                        alert_id(f.rule, f.subject, now.astimezone(engine.tz), engine.alerts),
                        f.rule,
                        f.severity,
                        f.message,
                        data,
                    )
                )
            elif f.severity == "red" and engine.alerts[aid].severity != "red":
                commands.append(EscalateAlert(aid, "red", f.message, {**f.data, "state": "escalated"}))
        for key, aid in list(engine.monitor_alerts.items()):
            if key[0] in RULES and key not in findings:
                commands.append(ClearAlert(aid, "condition ended"))
        return commands
