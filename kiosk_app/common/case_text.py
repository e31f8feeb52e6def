"""What the case screens say (issue 21 item 4): the rows of the 差评整改 / 有诉即办 list and of the 办件 list,
their working-day deadlines marked overdue or near, the steps a person may take, the uplink's pending
count. Pure functions of the broker's replies (`cmd/.../case`, `cmd/.../application`, `state/platform`):
no Kivy, no I/O. Deadlines are judged by the broker (`overdue`, `due_soon`, `working_days_left` on its
clock and its working-day calendar), never by the screen's own clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from queue_broker.engine.applications import APP_ACTION_NAMES

# the steps of a case (queue_broker/engine/cases.py), as a button says them
CASE_STEPS = {
    "verify": "核实属实",
    "appeal": "申诉",
    "appeal-accept": "申诉成立（撤销差评）",
    "appeal-reject": "驳回申诉",
    "rectify": "记录整改",
    "reply": "反馈群众",
    "revisit": "回访",
    "close": "办结",
    "handover": "转办",
    "supervise": "督办",
    "feedback": "记录办理结果",
    "answer": "已告知答复",
}
# what each step records, for the hint under the note field
CASE_STEP_HINTS = {
    "verify": "核实情况",
    "rectify": "整改措施",
    "reply": "向群众反馈的内容",
    "revisit": "回访情况",
    "close": "办结说明",
    "handover": "转办说明，并填写承办部门",
    "supervise": "督办要求",
    "feedback": "承办部门的办理结果",
    "appeal": "申诉理由",
    "appeal-accept": "申诉审核意见",
    "appeal-reject": "驳回理由",
    "answer": "告知内容",
}
COUNTER_OWN_STEPS = frozenset({"answer", "appeal", "rectify"})  # a counter on the cases about itself
LEVEL_NAMES = {1: "非常不满意", 2: "不满意", 3: "基本满意", 4: "满意", 5: "非常满意"}

# the steps of a 办件, named as the engine names them in its history (queue_broker/engine/applications.py)
APPLICATION_STEPS = {**{a: n for a, n in APP_ACTION_NAMES.items() if a != "accept"}, "process": "转入办理"}
DELIVERY_NAMES = {"pickup": "窗口领取", "post": "邮寄"}
OUTCOME_NAMES = {"approved": "准予", "not_approved": "不予"}


def _local(iso: str | datetime | None, tz) -> datetime | None:
    """A time from a reply (ISO text) or from parsed state (a datetime), in the hall's time zone."""
    if not iso:
        return None
    if isinstance(iso, datetime):
        return iso.astimezone(tz)
    try:
        return datetime.fromisoformat(iso).astimezone(tz)
    except ValueError:
        return None


def day_text(iso: str | None, tz) -> str:
    """`12月04日`; a deadline at local midnight is the end of the day before (`…的24:00`)."""
    at = _local(iso, tz)
    if at is None:
        return ""
    if (at.hour, at.minute, at.second) == (0, 0, 0):
        at -= timedelta(seconds=1)
    return f"{at.month}月{at.day:02d}日"


def time_text(iso: str | None, tz) -> str:
    """`11月27日 09:05`."""
    at = _local(iso, tz)
    return f"{at.month}月{at.day:02d}日 {at:%H:%M}" if at else ""


def hour_text(iso: str | datetime | None, tz) -> str:
    """`09:05`, the day left out (a ticket of today)."""
    at = _local(iso, tz)
    return f"{at:%H:%M}" if at else ""


def urgency(item: dict) -> str:
    """red: overdue; yellow: near its deadline (the broker's `due_soon`, or a 办件's 80 % mark); ok."""
    if item.get("overdue"):
        return "red"
    if item.get("due_soon") or item.get("warned"):
        return "yellow"
    return "ok"


def left_text(case: dict) -> str:
    """`剩3个工作日`, `今日到期`, `已逾期`, `已办结`."""
    if case.get("closed_at"):
        return "已逾期办结" if case.get("overdue") else "已办结"
    if case.get("overdue"):
        return "已逾期"
    left = case.get("working_days_left")
    if left is None:
        return ""
    return "今日到期" if left == 0 else f"剩{left}个工作日"


def case_subject(case: dict, counter_names: dict[str, str]) -> str:
    """What the case is about, in one line: the rating or the complaint, the counter and the ticket."""
    parts = []
    if case.get("kind") == "bad_rating":
        level = LEVEL_NAMES.get(case.get("level") or 0, "")
        reasons = "、".join(case.get("reasons") or [])
        parts.append(f"{level}：{reasons}" if reasons else level)
        if case.get("summary"):
            parts.append(f"“{case['summary']}”")
    else:
        cat = case.get("category") or ""
        parts.append(f"{cat}：{case.get('summary', '')}" if cat else case.get("summary", ""))
    where = counter_names.get(case.get("counter_id") or "", case.get("counter_id") or "")
    number = case.get("ticket_number") or ""
    if where or number:
        parts.append(" ".join(p for p in (where, number) if p))
    return " · ".join(p for p in parts if p)


def case_row(case: dict, counter_names: dict[str, str], tz) -> dict[str, Any]:
    return {
        "id": case["id"],
        "kind": case.get("kind", ""),
        "title": f"{case['id']}  {case.get('kind_name', '')} · {case.get('state_name', '')}",
        "subject": case_subject(case, counter_names),
        "deadline": f"期限 {day_text(case.get('deadline'), tz)}　{left_text(case)}",
        "level": urgency(case),
        "open": not case.get("closed_at"),
    }


def sort_cases(cases: list[dict]) -> list[dict]:
    """Overdue first, then near their deadline, then by deadline; finished ones last."""
    rank = {"red": 0, "yellow": 1, "ok": 2}
    return sorted(
        cases, key=lambda c: (bool(c.get("closed_at")), rank[urgency(c)], c.get("deadline") or "", c.get("id", ""))
    )


def case_counts(cases: list[dict]) -> dict[str, int]:
    open_ = [c for c in cases if not c.get("closed_at")]
    return {
        "open": len(open_),
        "overdue": sum(1 for c in open_ if c.get("overdue")),
        "due_soon": sum(1 for c in open_ if c.get("due_soon")),
        "complaints": sum(1 for c in open_ if c.get("kind") == "complaint"),
        "bad_ratings": sum(1 for c in open_ if c.get("kind") == "bad_rating"),
    }


def allowed_case_steps(case: dict, whole_desk: bool) -> list[str]:
    """The case's next steps this screen offers: all of them to a supervisor and to the complaint desk,
    a counter's own steps on the cases about it otherwise."""
    steps = list(case.get("next_steps") or [])
    return steps if whole_desk else [s for s in steps if s in COUNTER_OWN_STEPS]


def history_lines(history: list[dict], tz) -> list[str]:
    out = []
    for h in history:
        line = f"{time_text(h.get('at'), tz)}　{h.get('action_name') or h.get('action', '')}"
        if h.get("handover_to"):
            line += f"（转{h['handover_to']}）"
        if "satisfied" in h:
            line += "（满意）" if h["satisfied"] else "（不满意）"
        note = h.get("note") or ""
        if note:
            line += f"：{note}"
        by = h.get("by") or ""
        if by:
            line += f"　— {by}"
        out.append(line)
    return out


# ---------------------------------------------------------------------------------------------- 办件
def application_row(app: dict, tz) -> dict[str, Any]:
    state = app.get("state_name", "")
    due = app.get("due_at")
    if app.get("state") == "result_ready":
        when = f"{DELIVERY_NAMES.get(app.get('delivery') or '', '')}待出件" + (
            f"　取件码 {app['pickup_code']}" if app.get("pickup_code") else ""
        )
    elif app.get("state") == "correction":
        when = "待补正（时限暂停）"
    elif due:
        when = f"承诺 {day_text(due, tz)} 前办结" + ("　已超期" if app.get("overdue") else "")
    else:
        when = ""
    who = " ".join(p for p in (app.get("ticket_number") or "", (app.get("holder_masked") or {}).get("name", "")) if p)
    return {
        "case_no": app["case_no"],
        "title": f"{app['case_no']}　{state}",
        "subject": f"{app.get('task_name', '')}" + (f" · {who}" if who else ""),
        "deadline": when,
        "level": "red" if app.get("overdue") else ("yellow" if _warned(app) else "ok"),
    }


def _warned(app: dict) -> bool:
    """Past the 80 % mark: the broker's counts say so for the hall; per item the monitor's alert does. The
    row is marked when its application_due alert is open (`warned` set by the state from the alerts)."""
    return bool(app.get("warned"))


def application_facts(app: dict, counter_names: dict[str, str], tz) -> list[tuple[str, str]]:
    """(caption, value) lines of one 办件, for its panel. The holder only masked (张*)."""
    if not app:
        return []
    holder = (app.get("holder_masked") or {}).get("name", "")
    promise = f"{app.get('promise_days', '')}个{app.get('promise_day_type', '工作日')}"
    facts = [
        ("事项", app.get("task_name", "")),
        ("部门", app.get("department", "")),
        ("状态", app.get("state_name", "")),
        ("受理", f"{time_text(app.get('accepted_at'), tz)}　{counter_names.get(app.get('counter_id') or '', '')}"),
        ("群众", " ".join(p for p in (app.get("ticket_number") or "", holder) if p) or "—"),
    ]
    if app.get("due_at"):
        mark = "　已超期" if app.get("overdue") else ""
        facts.append(("承诺时限", f"{promise}，{day_text(app['due_at'], tz)}前办结{mark}"))
    if app.get("reject_reason"):
        facts.append(("不予受理", app["reject_reason"]))
    for c in app.get("corrections") or []:
        facts.append(("补正告知", f"{time_text(c.get('at'), tz)}　" + "、".join(c.get("materials") or [])))
    if app.get("outcome"):
        facts.append(("办结结果", OUTCOME_NAMES.get(app["outcome"], app["outcome"])))
    if app.get("delivery"):
        how = DELIVERY_NAMES.get(app["delivery"], app["delivery"])
        code = f"　取件码 {app['pickup_code']}" if app.get("pickup_code") else ""
        facts.append(("出件方式", how + code))
    if app.get("delivered_at"):
        track = f"　{app.get('carrier') or ''}{app.get('tracking_no') or ''}" if app.get("tracking_no") else ""
        facts.append(("已出件", time_text(app["delivered_at"], tz) + track))
    if app.get("task_handle_item"):
        facts.append(("业务办理项编码", app["task_handle_item"]))
    return facts


def application_counts_text(counts: dict | None) -> str:
    if not counts:
        return ""
    return (
        f"在办 {counts.get('open', 0)}　临期 {counts.get('warned', 0)}　"
        f"超期 {counts.get('overdue', 0)}　待出件 {counts.get('result_ready', 0)}"
    )


# ---------------------------------------------------------------------------------------------- 上报
def uplink_lines(block: dict | None, tz, what: str) -> list[str]:
    """The uplink's (or the notices') state from `state/platform`, as a supervisor reads it."""
    if not block:
        return [f"{what}：尚未收到服务器状态"]
    pending = block.get("pending", 0)
    head = f"{what}：待上报 {pending} 条"
    if not block.get("configured"):
        head += "（未配置上报地址，数据在本地保存，配置后自动上报）"
    lines = [head]
    if block.get("oldest_pending_at") and pending:
        lines.append(f"最早一条待上报自 {time_text(block['oldest_pending_at'], tz)}")
    if block.get("last_ack_at"):
        lines.append(f"最近一次上报成功 {time_text(block['last_ack_at'], tz)}")
    if block.get("last_error"):
        lines.append(f"最近错误：{block['last_error']}")
    if block.get("next_try_at") and pending:
        lines.append(f"下次重试 {time_text(block['next_try_at'], tz)}")
    return lines


def reload_lines(reply: dict) -> list[str]:
    """A reload's answer: what changed, what needs a restart, or why the file was refused (every line)."""
    if not reply.get("ok"):
        err = reply.get("error") or {}
        problems = reply.get("problems") or ([err["message"]] if err.get("message") else [])
        return ["站点配置未加载，正在运行的配置保持不变。原因：", *problems]
    cfg = reply.get("config") or {}
    if cfg.get("state") == "unchanged" or reply.get("state") == "unchanged":
        return ["站点配置没有变化"]
    lines = [f"站点配置已加载（版本 {cfg.get('version', '')}）"]
    lines += [f"· {c}" for c in cfg.get("changes") or []]
    if cfg.get("restart_needed"):
        lines.append("以下改动需重启后生效：" + "、".join(cfg["restart_needed"]))
    return lines
