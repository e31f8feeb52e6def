"""The 差评整改 / 有诉即办 screen (issue 21 item 4), the same on the supervisor tablet and at a counter: the
open cases, most urgent first, each with its working-day deadline (overdue red, near yellow, as the
broker judges them); the case opened with its history; a note and the steps this face may take (the
supervisor and the complaint desk every step, another counter its own). A face's `screens/cases.py`
names this class."""

from __future__ import annotations

from kivy.properties import StringProperty

from .screen import FaceScreen, load_kv
from .widgets import KButton

load_kv(__file__)


class CaseLine(KButton):
    case_id = StringProperty("")
    level = StringProperty("ok")


def fill_rows(box, rows: list[dict], key: str, chosen: str | None, on_tap, prefix: str) -> None:
    """One CaseLine per row (a case, or a 办件 with key `case_no`), the chosen one marked; a tap opens it."""
    box.clear_widgets()
    for row in rows:
        line = CaseLine(
            tid=f"{prefix}.row.{row[key]}",
            case_id=row[key],
            level=row["level"],
            role="primary" if row[key] == chosen else "plain",
            text=f"{row['title']}\n{row['subject']}\n{row['deadline']}",
        )
        line.bind(on_release=lambda b: on_tap(b.case_id))
        box.add_widget(line)


def mark_rows(box, chosen: str | None) -> None:
    for line in box.children:
        line.role = "primary" if line.case_id == chosen else "plain"


class CasesScreen(FaceScreen):
    redraw_on = {"case_rows": "_rows", "case_steps": "_steps", "case": "_rows_marked"}

    def on_pre_enter(self, *_args) -> None:
        if "note" in self.ids:
            self.ids.note.text = ""

    def _rows(self, _st, rows) -> None:
        fill_rows(self.ids.rows, rows, "id", self.state.case.get("id"), self.ctl.view_case, "cases")

    def _rows_marked(self, _st, case) -> None:
        mark_rows(self.ids.rows, case.get("id"))
        self.ids.note.text = ""

    def _steps(self, _st, steps) -> None:
        box = self.ids.steps
        box.clear_widgets()
        for step in steps:
            action = step["action"]
            if action == "revisit":  # the call-back records whether the citizen is satisfied
                for satisfied, word in ((True, "满意"), (False, "不满意")):
                    self._button(
                        box, f"cases.step.revisit.{'yes' if satisfied else 'no'}", f"回访：{word}", action, satisfied
                    )
                continue
            self._button(box, f"cases.step.{action}", step["text"], action, None)

    def _button(self, box, tid: str, text: str, action: str, satisfied: bool | None) -> None:
        role = "accent" if action in ("close", "verify", "handover") else "primary"
        button = KButton(tid=tid, text=text, role=role, font_role="small")
        button.bind(on_release=lambda _b: self.step(action, satisfied))
        box.add_widget(button)

    def step(self, action: str, satisfied: bool | None = None) -> None:
        self.ctl.case_step(action, self.ids.note.text, self.ids.to.text, satisfied)


SCREEN = CasesScreen
