"""Adjust one counter: the queues it serves, fixed or tidal, locked or not (a locked counter is never
moved by the rebalancer), sent as cmd/supervisor/assign; and, with `handover_sites` in the tablet's
settings, hand the citizen at the counter over to another hall (cmd/supervisor/handover)."""

from __future__ import annotations

from kivy.clock import Clock

from ...common.hall_text import short_name
from ...common.screen import FaceScreen, load_kv
from ...common.staff_widgets import TickButton, tick_text
from ...common.widgets import KButton

load_kv(__file__)


class CounterAdjustScreen(FaceScreen):
    def on_kv_post(self, _base) -> None:
        Clock.schedule_once(lambda _dt: self.state.bind(edit=self._rebuild, handover_armed=self._handover_row), 0)

    def _rebuild(self, _st, edit) -> None:
        grid = self.ids.queues
        grid.clear_widgets()
        if not edit:
            return
        for q in self.app.site_config.queues:
            on = q.id in edit["queue_ids"]
            eligible = q.id in edit.get("eligible", [])
            text = tick_text(short_name(q.name) + ("" if eligible else "（非本窗口常办）"), on)
            button = TickButton(tid=f"counter.queue.{q.id}", text=text, ticked=on)
            button.bind(on_release=lambda _b, qid=q.id: self.ctl.toggle_queue(qid))
            grid.add_widget(button)
        self._handover_row()

    def _handover_row(self, *_args) -> None:
        row = self.ids.handover
        row.clear_widgets()
        if not (self.state.edit or {}).get("serving_ticket_id"):
            return
        for i, target in enumerate(self.state.handover_targets):
            armed = self.state.handover_armed == i
            button = KButton(
                tid=f"counter.handover.{i}",
                role="accent" if armed else "plain",
                text=("确认转交" if armed else "转交") + target["text"],
            )
            button.bind(on_release=lambda _b, index=i: self.ctl.hand_over(index))
            row.add_widget(button)


SCREEN = CounterAdjustScreen
