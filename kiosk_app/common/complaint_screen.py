"""Taking a complaint in (有诉即办, seed art. 25) on the supervisor tablet or at the complaint window: its
category (the site's `complaints.categories`), what the citizen could not get done, and optionally the
citizen's ticket (its number, of the broker's day), which links the counter and the item. No name, phone
or ID number is asked for: the case travels without them. A face's `screens/complaint.py` names it."""

from __future__ import annotations

from .screen import FaceScreen, load_kv
from .staff_widgets import fill_ticks

load_kv(__file__)


class ComplaintScreen(FaceScreen):
    redraw_on = {"complaint_categories": "_categories", "complaint_category": "_categories"}

    def on_pre_enter(self, *_args) -> None:
        self.ids.summary.text = ""
        self.ids.ticket.text = ""

    def _categories(self, *_args) -> None:
        names, chosen = list(self.state.complaint_categories), self.state.complaint_category
        rows = [(f"complaint.category.{i}", name, name == chosen) for i, name in enumerate(names)]
        fill_ticks(self.ids.categories, rows, lambda i: self.ctl.choose_complaint_category(names[i]))

    def submit(self) -> None:
        self.ctl.take_complaint(self.ids.summary.text, self.ids.ticket.text)


SCREEN = ComplaintScreen
