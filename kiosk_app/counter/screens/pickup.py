"""办件查询·出件 at a counter (the 综合出件 window above all): an application found by its number or the
citizen's pickup code, shown with its next steps (common/application_panel.py): 出件 (a posted result with
its tracking number), 补正材料已收, and the department's own steps where this counter may take them."""

from __future__ import annotations

from ...common.application_panel import load_application_panel
from ...common.screen import FaceScreen, load_kv

load_application_panel()
load_kv(__file__)


class PickupScreen(FaceScreen):
    def on_pre_enter(self, *_args) -> None:
        self.ids.code.text = ""

    def lookup(self) -> None:
        self.ctl.view_application(self.ids.code.text)


SCREEN = PickupScreen
