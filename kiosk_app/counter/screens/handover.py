"""Hand the citizen over to another hall (同城通办, docs/county.md): pick the hall (and queue) the counter's
settings offer, confirm, and the broker commits the hand-over and frees the counter."""

from __future__ import annotations

from kivy.clock import Clock

from ...common.screen import FaceScreen, load_kv
from ...common.staff_widgets import TickButton

load_kv(__file__)


class HandoverScreen(FaceScreen):
    def on_kv_post(self, _base) -> None:
        Clock.schedule_once(self._setup, 0)

    def _setup(self, _dt) -> None:
        self.state.bind(handover_targets=self.rebuild, handover_choice=self.rebuild)
        self.rebuild()

    def rebuild(self, *_args) -> None:
        box = self.ids.targets
        box.clear_widgets()
        for i, t in enumerate(self.state.handover_targets):
            ticked = i == self.state.handover_choice
            button = TickButton(
                tid=f"handover.target.{i}", text=("√  " if ticked else "○  ") + t["text"], ticked=ticked
            )
            button.bind(on_release=lambda _b, index=i: self.ctl.choose_handover(index))
            box.add_widget(button)

    @staticmethod
    def confirm_text(targets: list, choice: int) -> str:
        if not 0 <= choice < len(targets):
            return "请先选择转交的办事大厅"
        return f"确认转交至 {targets[choice]['name']}"


SCREEN = HandoverScreen
