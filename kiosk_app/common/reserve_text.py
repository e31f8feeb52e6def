"""Reserve windows (back-office clerks called in as tidal windows, docs/planning.md) in words, for the
supervisor tablet and the counter terminal: a reserve's line from retained `state/reserves`, a step of
`event/reserve`, and the broker's refusals of a reserve command in plain Chinese."""

from __future__ import annotations

from .case_text import hour_text
from .hall_text import ERRORS, short_name

STATE_TEXT = {"idle": "待命", "asked": "已调用，等待接单", "open": "已开窗", "closing": "办完当前群众后关闭"}
STEP_TEXT = {"asked": "调用", "cancelled": "撤回", "taken": "接单开窗", "released": "释放", "closed": "关闭窗口"}

# what a refusal of take-reserve means for the clerk at the counter (the broker's own sentence stays in the log)
TAKE_REFUSALS = {
    "forbidden": "该后台人员不能在本窗口开窗，请到指定窗口接单",
    "not_found": "找不到该调用，可能已被撤回",
    "conflict": "现在不能接单：该调用已被撤回或已在其他窗口接单，或本窗口未登录、正在办理群众",
}
RESERVE_REFUSALS = {
    "ask": "不能调用：该后台人员已被调用或已开窗",
    "cancel": "不能撤回：该调用已接单开窗或已结束（已开窗的请用“释放”）",
    "release": "不能释放：该后台人员没有开着的窗口",
}


def queues_text(queue_ids: list[str], queue_names: dict[str, str]) -> str:
    return "、".join(short_name(queue_names.get(q, q)) for q in queue_ids)


def reserve_line(r: dict, queue_names: dict[str, str], tz) -> str:
    """`后台综合组（综合受理、社保）：已调用，等待接单，10:10 前到岗；主管调用：综合受理排长队`."""
    head = f"{r['name']}（{queues_text(r.get('queue_ids') or r['eligible_queue_ids'], queue_names)}）"
    state = r["state"]
    parts = [STATE_TEXT.get(state, state)]
    if state == "asked" and r.get("ready_by"):
        parts.append(f"{hour_text(r['ready_by'], tz)} 前到岗")
    if state in ("open", "closing") and r.get("counter_number"):
        parts.append(f"{r['counter_number']}号窗口")
    if state != "idle":
        who = "系统预测调用" if r.get("by") == "planner" else "主管调用"
        parts.append(who + (f"：{r['reason']}" if r.get("reason") else ""))
    return head + "：" + "，".join(parts)


def step_line(ev: dict, names: dict[str, str], queue_names: dict[str, str], tz) -> str:
    """One step of `event/reserve`: `10:02 后台综合组 接单开窗 9号窗口（综合受理、社保）`."""
    parts = [hour_text(ev["at"], tz), names.get(ev["reserve_id"], ev["reserve_id"]), STEP_TEXT.get(ev["state"], "")]
    if ev.get("counter_number"):
        parts.append(f"{ev['counter_number']}号窗口")
    line = " ".join(p for p in parts if p)
    if ev.get("queue_ids"):
        line += f"（{queues_text(ev['queue_ids'], queue_names)}）"
    if ev.get("minutes") is not None:
        line += f"，共 {ev['minutes']:.0f} 窗口分钟"
    return line


def refusal(reply: dict, table: dict[str, str], doing: str) -> str:
    code = (reply.get("error") or {}).get("code", "internal")
    return f"{doing}失败：{table.get(code) or ERRORS.get(code, code)}"
