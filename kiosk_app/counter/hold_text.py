"""The counter's words for hold and resume (挂起/恢复) and for what a citizen asked for at issue (`needs`).
Pure functions: no Kivy, no I/O.

The broker refuses in English for the log (`engine/holds.py`); the operator reads the refusal here in
plain Chinese, built from its code and the facts its sentence carries (numbers, counters, times).
"""

from __future__ import annotations

import re

from ..common.hall_text import NEEDS, refusal_text, speaks_chinese


def needs_text(ticket: dict) -> str:
    """The banner for the citizen at the counter ("" when nothing was asked for); an unknown need is
    shown as it came, never dropped."""
    seen: list[str] = []
    for need in ticket.get("needs") or []:
        label = NEEDS.get(need, str(need))
        if label not in seen:
            seen.append(label)
    return "　".join(seen)


def limit_text(rules) -> str:
    """The site's hold rules (`hold:` of the site file) in one line for the operator."""
    where = "本队列任一窗口" if rules.resume_at == "queue" else "原窗口"
    return (
        f"每窗口最多挂起{rules.max_per_counter}位，每个号最多{rules.max_per_ticket}次，"
        f"{rules.max_minutes}分钟内可在{where}恢复"
    )


def _numbers(message: str) -> list[str]:
    return re.findall(r"\b[A-Z]{1,2}[0-9]{3,6}\b", message)


def hold_refusal(reply: dict, doing: str, counter_names: dict[str, str], rules) -> str:
    """A refused hold, resume or release in plain Chinese: the broker's own sentence where it speaks Chinese
    (it does since its refusals were translated); an older broker's English read for its facts; what
    neither covers falls back to the code's words (`refusal_text`)."""
    err = reply.get("error") or {}
    code, msg = err.get("code", ""), err.get("message", "")
    if speaks_chinese(msg):  # the broker's own sentence
        return refusal_text(reply, doing)
    numbers = _numbers(msg)
    number = numbers[0] if numbers else "该号"
    counter = re.search(r"at counter (\S+?)[;:,]? ", msg + " ")
    there = counter_names.get(counter.group(1), counter.group(1)) if counter else "原窗口"
    if code == "full":
        return f"{doing}失败：本窗口已有 {len(numbers)} 位群众挂起（{'、'.join(numbers)}），上限 {rules.max_per_counter} 位：请先恢复或结束一位"
    if code == "forbidden":
        return f"{doing}失败：{number} 在{there}挂起，本厅只能在原窗口恢复"
    if code == "not_found":
        return f"{doing}失败：今日没有 {number} 这个号"
    if "has no citizen" in msg:
        return f"{doing}失败：当前没有正在办理的群众"
    if "is closed" in msg or re.search(r"is (closed|paused);", msg):
        return f"{doing}失败：窗口未开放或已暂停，请先恢复叫号"
    if "times already" in msg:
        return f"{doing}失败：{number} 已挂起 {rules.max_per_ticket} 次，不能再挂起"
    ended = re.search(r"hold ended at (\d\d:\d\d)", msg)
    if ended:
        return f"{doing}失败：{number} 的挂起已于 {ended.group(1)} 结束，不能再恢复，请群众重新取号"
    if "is serving" in msg:
        return f"{doing}失败：本窗口正在办理 {number}，请先办结或挂起"
    if "does not serve" in msg:
        return f"{doing}失败：本窗口不办理 {number} 的队列，请到{there}或该队列的窗口恢复"
    if "is not on hold" in msg:
        return f"{doing}失败：{number} 现在不在挂起中"
    return refusal_text(reply, doing)
