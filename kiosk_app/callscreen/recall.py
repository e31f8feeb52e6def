"""A number called again, seen without hearing it (issue 23 item 2): the words of the call screen's
highlight, the same three kinds of call as the counter's LED strip tells (再次呼叫, 最后一次呼叫 where the
strip's narrow line says 最后呼叫, 续办 · 请回窗口), and which call a screen
(re)started in the middle of a call should show from `state/counters` (`serving.recalls`, `called_at`).
Pure functions, no Kivy."""

from __future__ import annotations


def again_text(recall: int, last_call: bool = False, resumed: bool = False) -> str:
    """'' for a first call; else the highlight's words, largest on the screen after the number."""
    if resumed:
        return "续办 · 请回窗口"
    if recall <= 0:
        return ""
    return "最后一次呼叫" if last_call else "再次呼叫"  # how many times: the line above the number


def call_in_progress(counters: list[dict]) -> dict | None:
    """The latest call still waiting for its citizen, as `state/counters` tells it: {"number",
    "counter_number", "recalls", "zone"}; None when no counter is calling anyone."""
    calling = [
        c
        for c in counters
        if (c.get("serving") or {}).get("state") == "called" and (c["serving"].get("called_at") is not None)
    ]
    if not calling:
        return None
    c = max(calling, key=lambda c: c["serving"]["called_at"])
    return {
        "number": c["serving"]["number"],
        "counter_number": c["number"],
        "recalls": c["serving"].get("recalls") or 0,
        "zone": c.get("zone"),
    }
