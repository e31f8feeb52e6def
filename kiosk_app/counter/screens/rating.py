"""好差评 after finishing: five levels (非常满意 … 非常不满意); the bottom two need a reason from the
hall's list (`ratings.bad_reasons` of the site file, as the broker checks them). The rating pad's keys
(rate:5 … rate:1) and the keys 5 … 1 do the same as these buttons."""

from __future__ import annotations

from kivy.clock import Clock

from ...common.screen import FaceScreen, load_kv
from ...common.staff_widgets import TickButton, tick_text
from ..state import RATING_LEVELS

load_kv(__file__)


class RatingScreen(FaceScreen):
    levels = RATING_LEVELS

    def on_kv_post(self, _base) -> None:
        Clock.schedule_once(self._setup, 0)

    def _setup(self, _dt) -> None:
        box = self.ids.reasons
        self._buttons = {}
        for i, reason in enumerate(self.ctl.bad_reasons):
            button = TickButton(tid=f"rating.reason.{i}", text=tick_text(reason, False))
            button.bind(on_release=lambda _b, r=reason: self.ctl.toggle_reason(r))
            box.add_widget(button)
            self._buttons[reason] = button
        self.state.bind(rating_reasons=self._ticks)

    def _ticks(self, _state, chosen) -> None:
        for reason, button in self._buttons.items():
            button.ticked = reason in chosen
            button.text = tick_text(reason, button.ticked)


SCREEN = RatingScreen
