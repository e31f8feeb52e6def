"""A queue's wait and the hall's opening in words: one source for every face (kiosk, call screen, counter,
supervisor tablet, a third party's LED sign) and for `state/queues` itself.

The queue broker decides the facts (`engine/views.py`); each queue of `state/queues` carries them:

- `wait_status` — why the wait is what it is:
  `estimate`   windows serve the queue: `estimated_wait_s` (median) and its range stand;
  `no_wait`    windows serve the queue and a newcomer waits for nobody: 无需等候;
  `no_counter` tickets are issued but no window serves the queue now: the wait cannot be estimated;
  `closed`     the hall issues no tickets now (its opening hours); `next_opening` says when it will;
  `full`       the queue's tickets for today have all been issued (`daily_cap`);
- `wait_text` — those facts in Chinese words, made by `wait_words` below;
- `next_opening` — with `closed`, when ticketing opens again.

At the top level, `hall` says whether tickets are issued now, when they will be, whether the 24-hour
self-service zone is open, and `demo` (`open_now`: every queue opened for a demonstration by
`python -m provisioning up --open-now`; every face shows 演示 while it is set).

A face that shows another language calls `wait_words(..., lang="en")` with the same fields; a face that
shows Chinese may show `wait_text` as it is. Pure functions, no I/O.
"""

from __future__ import annotations

from datetime import datetime

WAIT_STATUSES = ("estimate", "no_wait", "no_counter", "closed", "full")
DEMO_OPEN_NOW = "open_now"
DEMO_MARK = {"zh": "演示", "en": "Demo"}

_WEEKDAYS = {
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


_COMPACT = {
    "no_counter": ("暂无窗口", "no counter"),
    "full": ("号已取完", "all taken"),
    "closed": ("暂停取号", "closed"),
}


def opening_words(when: datetime | None, now: datetime, lang: str = "zh") -> str:
    """When ticketing opens, as a person says it: 今天 14:00, 明天 08:30, 11月30日（周一）08:30."""
    if when is None:
        return "请咨询工作人员" if lang == "zh" else "please ask the staff"
    days = (when.date() - now.astimezone(when.tzinfo).date()).days
    hm = when.strftime("%H:%M")
    if lang == "zh":
        if days == 0:
            return f"今天 {hm}"
        if days == 1:
            return f"明天 {hm}"
        return f"{when.month}月{when.day}日（{_WEEKDAYS['zh'][when.weekday()]}）{hm}"
    if days == 0:
        return f"today at {hm}"
    if days == 1:
        return f"tomorrow at {hm}"
    return f"{_WEEKDAYS['en'][when.weekday()]} {when.day}/{when.month} at {hm}"


def minutes_words(seconds: float, lang: str = "zh", compact: bool = False) -> str:
    """约 12 分钟 (compact: 12分钟), 1 分钟内, 约 2 小时."""
    m = max(0, round(seconds / 60))
    if lang != "zh":
        if m < 1:
            return "under a minute"
        return f"about {m // 60} h" if m >= 120 else f"about {m} min"
    if m < 1:
        return "1分钟内" if compact else "1 分钟内"
    if m >= 120:
        return f"{m // 60}小时" if compact else f"约 {m // 60} 小时"
    return f"{m}分钟" if compact else f"约 {m} 分钟"


def wait_words(
    status: str,
    estimate_s: float | None,
    next_opening: datetime | None,
    now: datetime,
    lang: str = "zh",
    compact: bool = False,
) -> str:
    """A queue's wait for a newcomer, from its `wait_status` and the broker's figures. `compact`: the
    fewest words a sign's narrow column holds (four characters: 12分钟, 暂无窗口, 暂停取号 — a screen that
    shows it says when ticketing opens once, in a line of its own: `hall_words`)."""
    zh = lang == "zh"
    if status == "estimate" and estimate_s is not None:
        return minutes_words(estimate_s, lang, compact)
    if compact and status in _COMPACT:
        return _COMPACT[status][0 if zh else 1]
    if status == "no_wait" or status == "estimate":
        return "无需等候" if zh else "no wait"
    if status == "no_counter":
        return "窗口暂未开放" if zh else "no counter open now"
    if status == "full":
        return "今日号已取完" if zh else "all of today's tickets are taken"
    if status == "closed":
        if next_opening is None:
            return "暂停取号" if zh else "closed"
        when = opening_words(next_opening, now, lang)
        return f"暂停取号，{when}开始" if zh else f"closed, opens {when}"
    return ""


def hall_words(
    ticketing_open: bool, next_opening: datetime | None, demo: str | None, now: datetime, lang: str = "zh"
) -> str:
    """The hall's state in one line: 正在取号 / 暂停取号，明天 08:30 开始 / 演示：全部队列开放."""
    zh = lang == "zh"
    if demo == DEMO_OPEN_NOW:
        return (
            "演示：全部队列开放（非大厅真实办公时间）" if zh else "Demo: every queue open (not the hall's real hours)"
        )
    if ticketing_open:
        return "正在取号" if zh else "issuing tickets"
    return wait_words("closed", None, next_opening, now, lang)
