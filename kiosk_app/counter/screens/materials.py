"""Finish as incomplete: tick what is missing from the item's catalog list; the counter's printer
prints the one-time notification list (一次性告知单) and the broker issues the return ticket."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.factory import Factory

from ...common.screen import FaceScreen, load_kv

load_kv(__file__)


class MaterialsScreen(FaceScreen):
    def on_kv_post(self, _base) -> None:
        Clock.schedule_once(lambda _dt: self.state.bind(materials=self.rebuild), 0)

    def rebuild(self, *_args) -> None:
        box = self.ids.list
        box.clear_widgets()
        for i, m in enumerate(self.state.materials):
            mark = "√" if m["ticked"] else "○"
            text = f"{mark}  {m['name']}" + (f"（{m['detail']}）" if m["detail"] else "")
            button = Factory.TickButton(tid=f"materials.{i}", text=text, ticked=m["ticked"])
            button.bind(on_release=lambda _b, index=i: self.ctl.toggle_material(index))
            box.add_widget(button)


SCREEN = MaterialsScreen
