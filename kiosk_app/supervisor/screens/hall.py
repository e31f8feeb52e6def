"""The hall at a glance: every queue (waiting, longest wait, estimate, colour against its SLA), every
counter (status, operator, serving, queues, fixed/tidal, locked; tap to adjust), and the alerts with
their buttons (acknowledge; accept / reject a window recommendation)."""

from __future__ import annotations

from kivy.factory import Factory
from kivy.properties import BooleanProperty, DictProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from ...common.screen import FaceScreen, load_kv
from ...common.widgets import KButton

load_kv(__file__)


class QueueLine(BoxLayout):
    row = DictProperty({})


class AlertLine(BoxLayout):
    row = DictProperty({})
    acked = BooleanProperty(False)
    key = StringProperty("")


class CounterTile(KButton):
    counter_id = StringProperty("")


class HallScreen(FaceScreen):
    # read_only redraws the counter tiles: another hall's are disabled
    redraw_on = {"queue_rows": "_queues", "counter_tiles": "_counters", "alerts": "_alerts", "read_only": "_counters"}

    def _queues(self, _st, rows) -> None:
        box = self.ids.queues
        box.clear_widgets()
        for row in rows:
            box.add_widget(QueueLine(row=row))

    def _counters(self, *_args) -> None:
        grid = self.ids.counters
        grid.clear_widgets()
        for t in self.state.counter_tiles:
            flags = ("潮汐" if t["mode"] == "tidal" else "固定") + ("·锁定" if t["locked"] else "")
            lines = [
                f"{t['number']}号  {t['serving']}".rstrip(),
                f"{t['status_text']} {t['operator']}".rstrip(),
                (("→ " + t["pending_text"]) if t["pending_text"] else t["queues_text"]),
                flags,
            ]
            role = {"open": "primary", "paused": "accent"}.get(t["status"], "plain")
            tile = CounterTile(
                counter_id=t["id"],
                tid=f"hall.counter.{t['id']}",
                text="\n".join(lines),
                role=role,
                font_role="small",
                disabled=self.state.read_only,
            )  # another hall: read only
            tile.bind(on_release=lambda b: self.ctl.open_counter(b.counter_id))
            grid.add_widget(tile)

    def _alerts(self, _st, rows) -> None:
        box = self.ids.alerts
        box.clear_widgets()
        for row in rows:
            box.add_widget(AlertLine(row=row, acked=row["acked"], key=row["key"]))
        if not rows:
            box.add_widget(Factory.KLabel(text="暂无提醒", font_role="small"))


SCREEN = HallScreen
