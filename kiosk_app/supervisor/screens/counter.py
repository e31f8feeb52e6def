"""Adjust one counter: the queues it serves, fixed or tidal, locked or not (a locked counter is never
moved by the rebalancer), sent as cmd/supervisor/assign."""

from __future__ import annotations

from kivy.clock import Clock

from ...common.hall_text import short_name
from ...common.staff_widgets import TickButton
from .base import SupervisorScreen, load_kv

load_kv(__file__)


class CounterScreen(SupervisorScreen):
    def on_kv_post(self, _base) -> None:
        Clock.schedule_once(lambda _dt: self.state.bind(edit=self._rebuild), 0)

    def _rebuild(self, _st, edit) -> None:
        grid = self.ids.queues
        grid.clear_widgets()
        if not edit:
            return
        for q in self.app.site_config.queues:
            on = q.id in edit["queue_ids"]
            eligible = q.id in edit.get("eligible", [])
            text = ("√  " if on else "○  ") + short_name(q.name) + ("" if eligible else "（非本窗口常办）")
            button = TickButton(tid=f"counter.queue.{q.id}", text=text, ticked=on)
            button.bind(on_release=lambda _b, qid=q.id: self.ctl.toggle_queue(qid))
            grid.add_widget(button)


SCREEN = CounterScreen
