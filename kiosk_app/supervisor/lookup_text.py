"""What the supervisor's 查找 screen says about a ticket, and the broker's refusals of find-ticket, transfer,
hand-over and annul in the screen's own Chinese (shorter than the broker's sentences, which go to the log).
Pure functions, no Kivy. A found ticket never carries its holder (docs/protocol.md, find-ticket)."""

from __future__ import annotations

import re

from queue_broker.engine.lookup import MOVABLE  # what the broker transfers or annuls
from queue_broker.engine.words import TICKET_STATE_NAMES

from ..common.case_text import hour_text
from ..common.hall_text import CHANNELS, NEEDS, PRIORITIES, short_name

NUMBER = re.compile(r"^[A-Za-z]{1,2}[0-9]{3,6}$")  # the protocol's ticket number

# the broker's own words for a ticket's state (engine/words.py); a cancelled ticket may also be one the
# citizen cancelled on the phone, which the tablet says
STATES = {**TICKET_STATE_NAMES, "cancelled": "已作废/取消"}
# the states a supervisor searches by, most asked first
SEARCH_STATES = ("waiting", "called", "serving", "held", "no_show", "done", "cancelled", "handed_over")
HANDABLE = ("waiting", "called", "serving", "done")  # what it hands over to another hall
STEPS = {
    "issued": "取号",
    "transferred": "转队列",
    "called": "呼叫",
    "started": "开始办理",
    "held": "挂起",
    "done": "办结",
    "no_show": "过号",
    "hold_expired": "挂起超时",
    "cancelled": "作废/取消",
    "handed_over": "转交他厅",
}


def allowed_actions(state: str, has_targets: bool) -> list[str]:
    """What the broker would accept on a ticket in `state`: the others are greyed out, not refused."""
    may = ["transfer"] if state in MOVABLE else []
    if state in HANDABLE and has_targets:
        may.append("handover")
    if state in MOVABLE:
        may.append("annul")
    return may


def number_problem(text: str) -> str:
    """'' for a number the broker accepts (A001, BD0123), else what is wrong, for the message line."""
    if not text.strip():
        return "请输入号码，如 A001"
    if not NUMBER.match(text.strip()):
        return f"“{text.strip()[:12]}”不是号码：号码是1～2个字母加3～6位数字，如 A001"
    return ""


def ticket_row(t: dict, counter_numbers: dict[str, int], tz) -> dict:
    """One line of the result list: {"id", "number", "state", "text"}."""
    where = f"{counter_numbers[t['counter_id']]}号窗口" if t.get("counter_id") in counter_numbers else ""
    parts = [
        t["number"],
        short_name(t.get("queue_name") or t.get("queue_id") or ""),
        STATES.get(t.get("state", ""), t.get("state", "")),
        f"{hour_text(t.get('issued_at'), tz)} 取号",
        where,
    ]
    return {"id": t["id"], "number": t["number"], "state": t.get("state", ""), "text": "　".join(p for p in parts if p)}


def ticket_facts(t: dict, counter_names: dict[str, str], tz) -> list[tuple[str, str]]:
    """(caption, value) of the ticket opened. The holder is not among them: find-ticket never sends it."""
    facts = [
        ("号码", t["number"]),
        ("状态", STATES.get(t.get("state", ""), t.get("state", ""))),
        ("事项", t.get("service_name") or t.get("service_id") or ""),
        ("队列", short_name(t.get("queue_name") or t.get("queue_id") or "")),
        ("取号", f"{hour_text(t.get('issued_at'), tz)}　{CHANNELS.get(t.get('channel', ''), t.get('channel', ''))}"),
    ]
    if t.get("counter_id"):
        facts.append(("窗口", counter_names.get(t["counter_id"], t["counter_id"])))
    if PRIORITIES.get(t.get("priority") or ""):
        facts.append(("优先", PRIORITIES[t["priority"]]))
    if t.get("recalls"):
        facts.append(("重呼", f"{t['recalls']} 次"))
    if t.get("hold"):
        facts.append(("挂起至", hour_text(t["hold"].get("until"), tz)))
    if t.get("needs"):
        facts.append(("需要", "、".join(NEEDS.get(n, n) for n in t["needs"])))
    return facts


def step_lines(history: list[dict], counter_names: dict[str, str], tz) -> list[str]:
    """`09:05 呼叫　1号窗口 综合受理`, one per step the broker keeps."""
    lines = []
    for h in history:
        words = [hour_text(h.get("at"), tz), STEPS.get(h.get("step", ""), h.get("step", ""))]
        if h.get("counter_id"):
            words.append(counter_names.get(h["counter_id"], h["counter_id"]))
        if h.get("times"):
            words.append(f"{h['times']} 次")
        lines.append("　".join(w for w in words if w))
    return lines


def refusal(action: str, code: str, number: str = "") -> str:
    """The broker's refusal of `action` (find, transfer, handover, annul) in words for the supervisor."""
    words = {
        ("find", "not_found"): "没有这个窗口或队列",
        ("find", "invalid_request"): "查找条件有误：号码是1～2个字母加3～6位数字，如 A001",
        ("transfer", "not_found"): f"找不到 {number} 或目标队列，请重新查找",
        (
            "transfer",
            "conflict",
        ): f"{number} 不能转队列：只有等候、已呼叫、办理中或挂起的号可以转，且不能转到原队列",
        ("handover", "not_found"): "本厅没有到该大厅的转交通道，请联系系统管理员",
        ("handover", "conflict"): f"{number} 不能转交他厅：已转交、过号、已作废或挂起中的号不能转交",
        ("annul", "not_found"): f"找不到 {number}，请重新查找",
        ("annul", "conflict"): f"{number} 已结束，不能作废",
        ("annul", "invalid_request"): "作废原因须从列表中选择；选“其他”须写明原因",
    }
    doing = {"find": "查找", "transfer": "转队列", "handover": "转交他厅", "annul": "作废"}.get(action, action)
    if code == "forbidden":
        return f"{doing}失败：无权操作，请重新登录"
    if code == "unavailable":
        return f"{doing}失败：服务器暂时无法保存，请稍后重试"
    return f"{doing}失败：" + words.get((action, code), "服务器拒绝了该操作，请重新查找后再试")
