"""受理 of a 承诺件 for the citizen at the counter: the ticket's item (a bundle: pick one), whether it is a
承诺件; 受理 opens its 办件 with the number and the promised date, or 不予受理 with the reason; after 受理, a
补正: tick what is missing (from the item's catalog list, or write it in), the 一次性告知单 is printed and
the list kept in the 办件."""

from __future__ import annotations

from kivy.clock import Clock

from ...common.screen import FaceScreen, load_kv
from ...common.staff_widgets import TickButton

load_kv(__file__)


class ApplicationScreen(FaceScreen):
    def on_kv_post(self, _base) -> None:
        Clock.schedule_once(self._setup, 0)

    def _setup(self, _dt) -> None:
        self.state.bind(app_items=self._items, app_item=self._items, app_materials=self._materials)
        self._items()
        self._materials()

    def on_pre_enter(self, *_args) -> None:
        for name in ("note", "reason", "more"):
            self.ids[name].text = ""

    def _items(self, *_args) -> None:
        box = self.ids.item_list
        box.clear_widgets()
        for item in self.state.app_items:
            on = item["id"] == self.state.app_item
            text = ("√  " if on else "○  ") + f"{item['name']}　{item['promise_text']}"
            button = TickButton(tid=f"application.item.{item['id']}", text=text, ticked=on, font_role="small")
            button.bind(on_release=lambda _b, sid=item["id"]: self.ctl.choose_app_item(sid))
            box.add_widget(button)

    def _materials(self, *_args) -> None:
        grid = self.ids.materials
        grid.clear_widgets()
        for i, m in enumerate(self.state.app_materials):
            text = ("√  " if m["ticked"] else "○  ") + m["name"] + (f"（{m['detail']}）" if m["detail"] else "")
            button = TickButton(tid=f"application.material.{i}", text=text, ticked=m["ticked"], font_role="small")
            button.bind(on_release=lambda _b, index=i: self.ctl.toggle_app_material(index))
            grid.add_widget(button)


SCREEN = ApplicationScreen
