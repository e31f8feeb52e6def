"""Taking a complaint in (有诉即办, seed art. 25) on the supervisor tablet or at the complaint window: its
category (the site's `complaints.categories`), what the citizen could not get done, and optionally the
citizen's ticket (its number, of the broker's day), which links the counter and the item. No name, phone
or ID number is asked for: the case travels without them. A face's `screens/complaint.py` names it."""

from __future__ import annotations

from kivy.clock import Clock

from .screen import FaceScreen, load_kv
from .staff_widgets import TickButton

load_kv(__file__)


class ComplaintScreen(FaceScreen):
    def on_kv_post(self, _base) -> None:
        Clock.schedule_once(self._setup, 0)

    def _setup(self, _dt) -> None:
        self.state.bind(complaint_categories=self._categories, complaint_category=self._categories)
        self._categories()

    def on_pre_enter(self, *_args) -> None:
        self.ids.summary.text = ""
        self.ids.ticket.text = ""

    def _categories(self, *_args) -> None:
        grid = self.ids.categories
        grid.clear_widgets()
        for i, name in enumerate(self.state.complaint_categories):
            on = name == self.state.complaint_category
            button = TickButton(tid=f"complaint.category.{i}", text=("√  " if on else "○  ") + name, ticked=on)
            button.bind(on_release=lambda _b, n=name: self.ctl.choose_complaint_category(n))
            grid.add_widget(button)

    def submit(self) -> None:
        self.ctl.take_complaint(self.ids.summary.text, self.ids.ticket.text)


SCREEN = ComplaintScreen
