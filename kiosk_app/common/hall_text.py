"""Chinese wording shared by the staff and display screens: names, durations, dates, refusals.
Pure functions, no Kivy."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from queue_broker.protocol.waiting import hall_words, wait_words

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

CHANNELS = {"walk_in": "现场取号", "appointment": "预约", "green": "绿色通道"}
PRIORITIES = {
    "green": "绿色通道",
    "appointment": "预约优先",
    "return": "补正回办",
    "elderly": "老年人优先",
    "disability": "残疾人优先",
    "normal": "",
}

# error codes of protocol v1 → what a member of staff reads
ERRORS = {
    "invalid_request": "请求格式有误",
    "not_found": "找不到对象",
    "conflict": "当前状态下不能这样操作",
    "forbidden": "工号或密码错误，或无权操作",
    "full": "已达上限",
    "closed": "已停止取号",
    "unavailable": "服务器暂时无法保存，请重试",
    "internal": "服务器内部错误",
}


# `needs` of a ticket (`cmd/ticket/issue`, docs/protocol.md) and the kiosk's help needs, on the counter's banner and
# the tablet's 查找
NEEDS = {
    "sign_or_text": "需要手语/文字沟通",
    "hearing_impaired": "需要手语/文字沟通",
    "visually_impaired": "视障：请口头引导，材料读给群众听",
    "mobility": "行动不便：请到窗口外协助",
}


def short_name(name: str) -> str:
    """`工程建设项目审批（发改、住建、自然资源）` → `工程建设项目审批`: what fits a sign."""
    cut = re.sub(r"[（(].*?[）)]", "", name).strip()
    return cut or name


def window_text(number: int | str) -> str:
    return f"{number}号窗口"


def minutes(seconds: float) -> int:
    return max(0, round(seconds / 60))


def wait_text(seconds: float | None, waiting: int | None = None, compact: bool = False) -> str:
    """The estimate as a sign says it: `约 12 分钟` (compact: `12分钟`), `无需等候`."""
    if waiting == 0:
        return "无需等候"
    if seconds is None:
        return "—"
    m = minutes(seconds)
    if m < 1:
        return "1分钟内" if compact else "1 分钟内"
    if m >= 120:
        return f"{m // 60}小时" if compact else f"约 {m // 60} 小时"
    return f"{m}分钟" if compact else f"约 {m} 分钟"


def queue_wait_text(q: Mapping[str, Any], now: datetime | None = None, compact: bool = False) -> str:
    """A queue's wait in the broker's own words (state/queues `wait_status`, protocol/waiting.py), so every
    face says the same thing: 暂停取号，明天 08:30开始 while the hall is closed, 窗口暂未开放 where no window
    serves the queue, the estimate otherwise. A hall older than `wait_status` gets the plain estimate."""
    status = q.get("wait_status")
    if status is None:
        return wait_text(q.get("estimated_wait_s"), q.get("waiting"), compact=compact)
    now = now or datetime.now(UTC)
    return wait_words(status, q.get("estimated_wait_s"), q.get("next_opening"), now, compact=compact)


def hall_note(hall: Mapping[str, Any] | None, now: datetime | None = None) -> str:
    """One line about the hall for a screen's header: empty while tickets are issued as usual; 演示 while
    `up --open-now` opened every queue; when ticketing opens again while it is closed."""
    if not hall or (hall.get("ticketing_open") and not hall.get("demo")):
        return ""
    now = now or datetime.now(UTC)
    return hall_words(bool(hall.get("ticketing_open")), hall.get("next_opening"), hall.get("demo"), now)


def duration_text(seconds: float | None) -> str:
    """`12分05秒`, `1小时02分`, `—`."""
    if seconds is None:
        return "—"
    s = max(0, int(seconds))
    if s >= 3600:
        return f"{s // 3600}小时{(s % 3600) // 60:02d}分"
    if s >= 60:
        return f"{s // 60}分{s % 60:02d}秒"
    return f"{s}秒"


def clock_text(now: datetime) -> str:
    return now.strftime("%H:%M:%S")


def date_text(now: datetime) -> str:
    return f"{now.year}年{now.month}月{now.day}日 {WEEKDAYS[now.weekday()]}"


def speaks_chinese(message: str) -> bool:
    """A server's sentence in Chinese: Chinese characters and no run of English words (an older broker's
    English names Chinese queues: `counter W1 does not serve 不动产登记`)."""
    return bool(re.search(r"[\u4e00-\u9fff]", message)) and not re.search(r"[a-z]{2,} [a-z]{2,}", message)


def refusal_text(reply: dict, doing: str = "") -> str:
    """One line for staff from a refused reply: the server's own sentence where it speaks Chinese (the
    broker's refusals do: it names the counter, queue or ticket), else the code in Chinese and then the
    sentence (a parser's or an older hall's English)."""
    err = reply.get("error") or {}
    code = err.get("code", "internal")
    head = ERRORS.get(code, code)
    msg = err.get("message", "")
    prefix = f"{doing}失败：" if doing else ""
    if speaks_chinese(msg):
        return f"{prefix}{msg}"
    return f"{prefix}{head}（{msg}）" if msg else f"{prefix}{head}"


def link_error_text(exc: Exception, doing: str = "") -> str:
    prefix = f"{doing}失败：" if doing else ""
    return f"{prefix}服务器未应答，请检查网络后重试（同一操作重试不会重复执行）"
