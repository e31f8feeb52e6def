"""Answer a kiosk's call for staff (`event/alert` rule `help`: a citizen asks for priority handling, for
帮办代办, ...): one tap on a usual answer or a typed one, sent as `cmd/supervisor/alert-ack` with the note.
If the kiosk withdraws the call meanwhile (the citizen left), the screen says so and sends nothing."""

from __future__ import annotations

from ...common.screen import FaceScreen, load_kv
from ...common.staff_widgets import fill_choices

load_kv(__file__)


class AnswerScreen(FaceScreen):
    redraw_on = {"answer_choices": "rebuild", "answer_note": "rebuild"}

    def rebuild(self, *_args) -> None:
        note = self.state.answer_note
        rows = [(f"answer.choice.{i}", text, text == note) for i, text in enumerate(self.state.answer_choices)]
        fill_choices(self.ids.choices, rows, self.ctl.answer_with, "small")


SCREEN = AnswerScreen
