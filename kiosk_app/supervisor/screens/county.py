"""The county overview (全县概览): one line per hall, the worst first — link (online, stale with how
long, offline), waiting, longest wait, open alerts, device faults, the day's bad ratings against
finished tickets. Tapping a hall shows its hall screen (read-only unless it is this tablet's own hall)."""

from __future__ import annotations

from kivy.factory import Factory
from kivy.properties import DictProperty, StringProperty

from ...common.screen import FaceScreen, load_kv
from ...common.widgets import KButton

load_kv(__file__)


class HallLine(KButton):
    row = DictProperty({})
    site = StringProperty("")


class CountyScreen(FaceScreen):
    redraw_on = {"county_rows": "_rows"}

    def _rows(self, _st, rows) -> None:
        box = self.ids.halls
        box.clear_widgets()
        for row in rows:
            line = HallLine(row=row, site=row["site"], tid=f"county.hall.{row['site']}")
            line.bind(on_release=lambda b: self.ctl.show_hall(b.site))
            box.add_widget(line)
        if not rows:
            box.add_widget(Factory.KLabel(text="尚未收到任何大厅的数据", font_role="small"))


SCREEN = CountyScreen
