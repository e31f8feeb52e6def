"""What the supervisor's 查找 screen shows (issue 23 item 6), mixed into SupervisorState: the search, the
tickets found, the ticket opened with its steps, and the action being prepared on it. Properties only;
no I/O. Nothing here holds a name or an ID number: find-ticket never sends the holder."""

from __future__ import annotations

from kivy.event import EventDispatcher
from kivy.properties import DictProperty, ListProperty, NumericProperty, OptionProperty, StringProperty


class LookupState(EventDispatcher):
    lookup_query = DictProperty({})  # the last search sent: {"number"} | {"counter_id"} | {"state"}
    lookup_title = StringProperty("")  # what was searched, in words: 号码 A001 / 1号窗口 / 等候中
    lookup_rows = ListProperty([])  # [{"id", "number", "state", "text"}] (lookup_text.ticket_row)
    lookup_total = NumericProperty(-1)  # -1: nothing searched yet
    lookup_truncated = NumericProperty(0)  # tickets found beyond the list's limit
    lookup_ticket = DictProperty({})  # the ticket opened (the broker's view, without holder)
    lookup_facts = ListProperty([])  # [(caption, value)]
    lookup_steps = ListProperty([])  # ["09:05　呼叫　1号窗口 综合受理"]
    lookup_may = ListProperty([])  # the actions the broker allows on it in its state: transfer, handover, annul
    # the action prepared on the opened ticket: its buttons show below the facts
    lookup_action = OptionProperty("", options=["", "transfer", "handover", "annul"])
    lookup_reason = StringProperty("")  # the annulment's reason picked from the site's list
    lookup_armed = NumericProperty(-1)  # the hand-over target tapped once: a second tap sends
    annul_reasons = ListProperty([])  # the site's tickets.annul_reasons
    annul_other = StringProperty("其他")  # the reason that needs a note

    def clear_lookup_ticket(self) -> None:
        self.lookup_ticket = {}
        self.lookup_facts = []
        self.lookup_steps = []
        self.lookup_may = []
        self.prepare_action("")

    def prepare_action(self, action: str) -> None:
        self.lookup_action = action
        self.lookup_reason = ""
        self.lookup_armed = -1
