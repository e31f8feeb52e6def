"""Answer a kiosk's call for staff (`event/alert` rule `help`: a citizen asks for priority handling, for
帮办代办, ...): one tap on a usual answer or a typed one, sent as `cmd/supervisor/alert-ack` with the note.
If the kiosk withdraws the call meanwhile (the citizen left), the screen says so and sends nothing."""

from __future__ import annotations

from kivy.clock import Clock

from ...common.screen import FaceScreen, load_kv
from ...common.staff_widgets import TickButton

load_kv(__file__)


class AnswerScreen(FaceScreen):
    def on_kv_post(self, _base) -> None:
        Clock.schedule_once(self._setup, 0)

    def _setup(self, _dt) -> None:
        self.state.bind(answer_choices=self.rebuild, answer_note=self.rebuild)
        self.rebuild()

    def rebuild(self, *_args) -> None:
        box = self.ids.choices
        box.clear_widgets()
        for i, text in enumerate(self.state.answer_choices):
            ticked = text == self.state.answer_note
            button = TickButton(
                tid=f"answer.choice.{i}",
                text=("√ " if ticked else "") + text,
                ticked=ticked,
                font_role="small",
                halign="center",
            )
            button.bind(on_release=lambda _b, index=i: self.ctl.answer_with(index))
            box.add_widget(button)


SCREEN = AnswerScreen
