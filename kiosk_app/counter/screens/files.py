"""Materials on file for the citizen at the counter (电子材料, issue 23 item 5): take a page with the
document camera or from the scanner, see the board's check (sharp? page edges?) and the hall server's
verdict, the ticket's pages on file, each to view (from memory) or to remove (files_control.py)."""

from __future__ import annotations

from kivy.uix.boxlayout import BoxLayout

from ...common.screen import FaceScreen, load_kv
from ...common.widgets import KButton, KLabel

load_kv(__file__)


class FilesScreen(FaceScreen):
    redraw_on = {"files_rows": "rebuild", "busy": "rebuild"}

    def rebuild(self, *_args) -> None:
        box, theme = self.ids.rows, self.app.theme
        box.clear_widgets()
        for i, r in enumerate(self.state.files_rows):
            line = BoxLayout(size_hint_y=None, height=theme.target, spacing=theme.gap)
            line.add_widget(KLabel(tid=f"files.row.{i}", text=r["text"], size_hint_x=0.7))
            for action, text, role, method in (
                ("view", "查看", "plain", self.ctl.view_file),
                ("remove", "删除", "danger", self.ctl.remove_file),
            ):
                button = KButton(
                    tid=f"files.{action}.{i}", text=text, role=role, size_hint_x=0.15, disabled=self.state.busy
                )
                button.bind(on_release=lambda _b, mid=r["id"], m=method: m(mid))
                line.add_widget(button)
            box.add_widget(line)


SCREEN = FilesScreen
