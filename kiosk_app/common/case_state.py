"""What the case screens show (issue 21 item 4), as Kivy properties mixed into a face's state (an object
that does no I/O): the 差评整改 / 有诉即办 list and the case opened (`CaseDeskState`), the 办件 list and the
application opened (`ApplicationDeskState`). The supervisor tablet has both; the counter terminal has
both too (the complaint desk works every case, any counter its own; 受理 and 出件 at any counter).

The controllers (common/case_control.py) feed them the broker's replies; the rows and wording come from
common/case_text.py."""

from __future__ import annotations

from kivy.properties import BooleanProperty, DictProperty, ListProperty, StringProperty

from .case_text import (
    APPLICATION_STEPS,
    CASE_STEPS,
    allowed_case_steps,
    application_facts,
    application_row,
    case_counts,
    case_row,
    case_subject,
    day_text,
    history_lines,
    left_text,
    sort_cases,
    time_text,
    urgency,
)


class CaseDeskState:
    """Mixed into a StaffState (Kivy collects the properties of mixins, as ButtonBehavior's)."""

    case_rows = ListProperty([])  # case_text.case_row dicts, most urgent first
    case_counts = DictProperty({})  # open, overdue, due_soon, complaints, bad_ratings
    case_include_closed = BooleanProperty(False)
    case_whole_desk = BooleanProperty(True)  # every step (supervisor, complaint desk), else a counter's own
    case = DictProperty({})  # the case opened: its view plus "subject", "deadline_text", "level"
    case_history = ListProperty([])  # its history, one line each
    case_steps = ListProperty([])  # [{"action", "text", "hint"}]: what may be done now
    complaint_categories = ListProperty([])
    complaint_category = StringProperty("")
    complaint_done = DictProperty({})  # the complaint just taken in (its case)

    def set_cases(self, cases: list[dict], counter_names: dict[str, str], tz) -> None:
        ordered = sort_cases(cases)
        self.case_rows = [case_row(c, counter_names, tz) for c in ordered]
        self.case_counts = case_counts(cases)

    def show_case(self, case: dict, counter_names: dict[str, str], tz) -> None:
        if not case:
            self.case, self.case_history, self.case_steps = {}, [], []
            return
        self.case = {
            **case,
            "subject": case_subject(case, counter_names),
            "deadline_text": f"{day_text(case.get('deadline'), tz)}（{left_text(case)}）",
            "opened_text": time_text(case.get("opened_at"), tz),
            "level": urgency(case),
        }
        self.case_history = history_lines(case.get("history") or [], tz)
        self.case_steps = [
            {"action": a, "text": CASE_STEPS.get(a, a)} for a in allowed_case_steps(case, self.case_whole_desk)
        ]


class ApplicationDeskState:
    """The 办件 list (a supervisor's, or what a counter looked up) and the application opened."""

    app_rows = ListProperty([])  # case_text.application_row dicts, most urgent first
    app_counts = DictProperty({})  # open, warned, overdue, result_ready
    app_include_closed = BooleanProperty(False)
    application = DictProperty({})  # the 办件 opened: its view
    app_facts = ListProperty([])  # [[caption, value]]
    app_history = ListProperty([])
    app_steps = ListProperty([])  # [{"action", "text"}]
    app_alerts = ListProperty([])  # the application_due alerts (AlertBook rows), unacknowledged first
    app_lookup_error = StringProperty("")

    def set_applications(self, apps: list[dict], counts: dict, tz, warned: set[str] | None = None) -> None:
        warned = warned or set()
        rows = []
        for a in apps:
            row = application_row({**a, "warned": a["case_no"] in warned}, tz)
            rows.append(row)
        self.app_rows = rows
        self.app_counts = dict(counts or {})

    def show_application(self, app: dict, counter_names: dict[str, str], tz) -> None:
        self.application = dict(app or {})
        self.app_facts = [list(f) for f in application_facts(app or {}, counter_names, tz)]
        self.app_history = history_lines((app or {}).get("history") or [], tz)
        self.app_steps = [{"action": a, "text": APPLICATION_STEPS.get(a, a)} for a in (app or {}).get("next_steps", [])]
