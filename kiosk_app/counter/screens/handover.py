"""Hand the citizen over to another hall (同城通办, docs/county.md): pick the hall (and queue) the counter's
settings offer, confirm, and the broker commits the hand-over and frees the counter."""

from __future__ import annotations

from ...common.screen import FaceScreen, load_kv
from ...common.staff_widgets import fill_ticks

load_kv(__file__)


class HandoverScreen(FaceScreen):
    redraw_on = {"handover_targets": "rebuild", "handover_choice": "rebuild"}

    def rebuild(self, *_args) -> None:
        choice = self.state.handover_choice
        rows = [(f"handover.target.{i}", t["text"], i == choice) for i, t in enumerate(self.state.handover_targets)]
        fill_ticks(self.ids.targets, rows, self.ctl.choose_handover)

    @staticmethod
    def confirm_text(targets: list, choice: int) -> str:
        if not 0 <= choice < len(targets):
            return "请先选择转交的办事大厅"
        return f"确认转交至 {targets[choice]['name']}"


SCREEN = HandoverScreen
