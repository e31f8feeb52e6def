"""What the blind mode says, in Mandarin and English. Numbers are given to the model as numbers and turned
into words here (三人, 五到十二分钟), so the speech engine never guesses how to read digits; ticket numbers
are read one character at a time by `ticket_chars`."""

from __future__ import annotations

import cn2an

from ..normalise import DIGITS_ZH, Normaliser

DIGITS_EN = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

TEXTS: dict[str, dict[str, str]] = {
    "zh": {
        "welcome": "您已进入语音导航。按2键和8键上下选择，按5键或井号键确认，按星号键返回，按1键重听，按0键呼叫工作人员。",
        "welcome_jack": "已检测到耳机。",
        "home": "首页",
        "frequent": "常办事项",
        "departments": "按部门选择事项",
        "code": "输入事项编号",
        "lookup": "查询我的号",
        "help": "呼叫工作人员引导",
        "exit": "退出语音导航",
        "menu_intro": "{title}，共{n}项。",
        "item_at": "第{i}项，{label}。",
        "first": "已经是第一项。",
        "last": "已经是最后一项。",
        "menu_keys": "按2键或8键选择，按5键确认。",
        "department_label": "{name}，{n}个事项",
        "service_label": "{name}，编号{code}",
        "service_detail": "{name}。{queue}，现在等候{waiting}人，{wait}。需要材料{materials}项。",
        "wait_range": "预计等候{a}到{b}分钟",
        "wait_none": "现在等候时间很短",
        "wait_unknown": "窗口暂未开放，等候时间无法估计",
        "take": "取号",
        "materials": "听材料清单",
        "back_item": "返回上一级",
        "materials_list": "需要的材料：{items}。",
        "materials_none": "这个事项不需要另外准备材料。",
        "enter_code": "请输入事项编号，输完按井号键确认，按星号键删除。",
        "enter_number": "请输入号码中的数字，输完按井号键确认，按星号键删除。",
        "typed": "{digits}",
        "deleted": "已删除，现在是{digits}",
        "empty": "还没有输入",
        "no_code": "没有编号{code}的事项，请重新输入。",
        "prefix_title": "请选择号码的字母",
        "prefix_label": "{letter}，{queue}",
        "issuing": "正在取号，请稍候。",
        "issued": "取号成功。",
        "your_number": "您的号码是：",
        "number_again": "再说一遍：",
        "ahead": "前面还有{n}人，{wait}。",
        "seat": "请到等候区就座，叫到您的号码时会有语音广播。需要引导请按0键。",
        "ticket_menu": "取号完成",
        "repeat_number": "重听号码",
        "ask_guide": "请工作人员引导",
        "to_home": "返回首页",
        "issue_failed": "取号没有成功：{reason}。按5键重试，按0键呼叫工作人员。",
        "retry": "重试",
        "looking_up": "正在查询，请稍候。",
        "status_waiting": "{number}号正在等候，前面还有{n}人，{wait}。",
        "status_called": "{number}号已经叫号，请到{counter}号窗口。",
        "status_serving": "{number}号正在{counter}号窗口办理。",
        "status_done": "{number}号已经办理完毕。",
        "status_other": "{number}号现在不在等候中。",
        "status_missing": "今天没有{number}号，请核对号码。",
        "help_sent": "已通知工作人员，请在原地稍候，工作人员会来帮您。",
        "help_menu": "等候工作人员",
        "cancel_help": "取消求助",
        "help_cancelled": "已取消求助。",
        "help_failed": "求助没有发出：{reason}。请按0键再试，或向附近的人求助。",
        "bye": "已退出语音导航。",
        "hint_menu": "请按2键或8键选择，按5键确认，按星号键返回。",
        "hint_entry": "请按数字键输入，按井号键确认，按星号键删除。",
        "too_long": "号码最多{n}位。",
        "idle": "您还在吗？请按任意键继续。",
        "key_help_menu": "按0键呼叫工作人员。",
    },
    "en": {
        "welcome": "Voice guidance is on. Press 2 and 8 to move, 5 or the hash key to choose, the star key to go back, 1 to hear again, 0 to call staff.",
        "welcome_jack": "Headphones detected.",
        "home": "Home",
        "frequent": "Frequent services",
        "departments": "Services by department",
        "code": "Enter a service number",
        "lookup": "Where is my ticket",
        "help": "Call staff to guide me",
        "exit": "Leave voice guidance",
        "menu_intro": "{title}, {n} choices.",
        "item_at": "{i}: {label}.",
        "first": "This is the first choice.",
        "last": "This is the last choice.",
        "menu_keys": "Press 2 or 8 to move, 5 to choose.",
        "department_label": "{name}, {n} services",
        "service_label": "{name}, number {code}",
        "service_detail": "{name}. {queue}: {waiting} people waiting, {wait}. {materials} documents needed.",
        "wait_range": "about {a} to {b} minutes",
        "wait_none": "a short wait",
        "wait_unknown": "no counter is open, so the wait cannot be estimated",
        "take": "Take a ticket",
        "materials": "Hear the documents needed",
        "back_item": "Go back",
        "materials_list": "Documents needed: {items}.",
        "materials_none": "No documents are needed for this service.",
        "enter_code": "Enter the service number, then press hash. Star deletes.",
        "enter_number": "Enter the digits of your ticket number, then press hash. Star deletes.",
        "typed": "{digits}",
        "deleted": "Deleted, now {digits}",
        "empty": "Nothing entered yet",
        "no_code": "There is no service number {code}. Please try again.",
        "prefix_title": "Choose the letter of your ticket",
        "prefix_label": "{letter}, {queue}",
        "issuing": "Taking your ticket, please wait.",
        "issued": "Your ticket is ready.",
        "your_number": "Your number is:",
        "number_again": "Once more:",
        "ahead": "{n} people before you, {wait}.",
        "seat": "Please take a seat in the waiting area; your number will be called aloud. Press 0 for a guide.",
        "ticket_menu": "Ticket taken",
        "repeat_number": "Hear my number again",
        "ask_guide": "Ask staff to guide me",
        "to_home": "Back to home",
        "issue_failed": "The ticket could not be taken: {reason}. Press 5 to try again, 0 to call staff.",
        "retry": "Try again",
        "looking_up": "Looking it up, please wait.",
        "status_waiting": "Ticket {number} is waiting, {n} people before it, {wait}.",
        "status_called": "Ticket {number} has been called: please go to counter {counter}.",
        "status_serving": "Ticket {number} is being served at counter {counter}.",
        "status_done": "Ticket {number} has been served.",
        "status_other": "Ticket {number} is not waiting now.",
        "status_missing": "There is no ticket {number} today. Please check the number.",
        "help_sent": "Staff have been called. Please stay here; someone will come to help you.",
        "help_menu": "Waiting for staff",
        "cancel_help": "Cancel the call",
        "help_cancelled": "The call is cancelled.",
        "help_failed": "The call did not go through: {reason}. Press 0 to try again, or ask someone nearby.",
        "bye": "Voice guidance is off.",
        "hint_menu": "Press 2 or 8 to move, 5 to choose, star to go back.",
        "hint_entry": "Press the digit keys, then hash. Star deletes.",
        "too_long": "At most {n} digits.",
        "idle": "Are you still there? Press any key to go on.",
        "key_help_menu": "Press 0 to call staff.",
    },
}


def say(language: str, key: str, **values: object) -> str:
    return TEXTS[language][key].format(**values)


def count(language: str, n: int) -> str:
    """A count as words: 3 → 三, 2 → 两 (as a count is said), "3" in English (espeak-ng reads it well)."""
    if language != "zh":
        return str(n)
    return "两" if n == 2 else cn2an.an2cn(str(n))


def ordinal(language: str, n: int) -> str:
    """A place in a list: 第二项 (not 两), "2" in English."""
    return cn2an.an2cn(str(n)) if language == "zh" else str(n)


def wait_text(language: str, range_s: tuple[int, int] | list[int] | None, counters_open: bool = True) -> str:
    if not counters_open:
        return say(language, "wait_unknown")
    if not range_s or range_s[1] < 60:
        return say(language, "wait_none")
    a, b = max(1, round(range_s[0] / 60)), max(1, round(range_s[1] / 60))
    return say(language, "wait_range", a=count(language, a), b=count(language, max(a, b)))


def ticket_chars(language: str, number: str, normaliser: Normaliser | None = None) -> list[str]:
    """The ticket number one character at a time, as it is read out: A001 → 诶 零 零 一 / A zero zero one."""
    n = normaliser or Normaliser()
    out = []
    for ch in number.strip().upper():
        if ch.isdigit():
            out.append(DIGITS_ZH[int(ch)] if language == "zh" else DIGITS_EN[int(ch)])
        elif ch.isalpha():
            out.append(n.ticket_zh(ch) if language == "zh" else ch)
    return out


def digits_text(language: str, digits: str) -> str:
    return (
        "".join(DIGITS_ZH[int(d)] for d in digits) if language == "zh" else " ".join(DIGITS_EN[int(d)] for d in digits)
    )
