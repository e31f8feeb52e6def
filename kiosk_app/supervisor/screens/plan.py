"""计划 (issue 22, docs/planning.md): the day plan of today or tomorrow as a grid queue × half-hour, each
cell the counters that queue needs, red where the hall is short of staff; the reserve clerks with
调用 / 撤回 / 释放 and their latest steps; the cross-training advice from the hall's own history."""

from __future__ import annotations

from kivy.properties import BooleanProperty, DictProperty
from kivy.uix.boxlayout import BoxLayout

from ...common.screen import FaceScreen, load_kv
from ...common.widgets import KLabel

load_kv(__file__)


class PlanCell(KLabel):
    short = BooleanProperty(False)  # the hall is short of staff for this queue in this half-hour
    head = BooleanProperty(False)
    name_col = BooleanProperty(False)


class ReserveLine(BoxLayout):
    row = DictProperty({})


class PlanScreen(FaceScreen):
    redraw_on = {"plan_grid": "_grid", "reserve_rows": "_reserves"}

    def _grid(self, _st, grid: dict) -> None:
        box = self.ids.grid
        box.clear_widgets()
        halves = grid.get("half_hours") or []
        box.cols = len(halves) + 1
        if not halves:
            return
        box.add_widget(PlanCell(text="", head=True, name_col=True))
        for h in halves:
            box.add_widget(PlanCell(text=h, head=True))
        for r, row in enumerate(grid["rows"]):
            box.add_widget(PlanCell(text=row["name"], head=True, name_col=True))
            for c, cell in enumerate(row["cells"]):
                box.add_widget(PlanCell(text=cell["text"], short=cell["short"], tid=f"plan.cell.{r}.{c}"))

    def _reserves(self, _st, rows: list) -> None:
        box = self.ids.reserves
        box.clear_widgets()
        for row in rows:
            box.add_widget(ReserveLine(row=row))

    def ask(self, reserve_id: str) -> None:
        self.ctl.reserve("ask", reserve_id, self.ids.reason.text)
        self.ids.reason.text = ""


SCREEN = PlanScreen
