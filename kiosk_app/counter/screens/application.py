"""受理 of a 承诺件 for the citizen at the counter: the ticket's item (a bundle: pick one), whether it is a
承诺件; 受理 opens its 办件 with the number and the promised date, or 不予受理 with the reason; after 受理, a
补正: tick what is missing (from the item's catalog list, or write it in), the 一次性告知单 is printed and
the list kept in the 办件."""

from __future__ import annotations

from ...common.screen import FaceScreen, load_kv
from ...common.staff_widgets import fill_ticks
from .materials import material_words

load_kv(__file__)


class ApplicationScreen(FaceScreen):
    redraw_on = {"app_items": "_items", "app_item": "_items", "app_materials": "_materials"}

    def on_pre_enter(self, *_args) -> None:
        for name in ("note", "reason", "more"):
            self.ids[name].text = ""

    def _items(self, *_args) -> None:
        items, chosen = list(self.state.app_items), self.state.app_item
        rows = [
            (f"application.item.{item['id']}", f"{item['name']}　{item['promise_text']}", item["id"] == chosen)
            for item in items
        ]
        fill_ticks(self.ids.item_list, rows, lambda i: self.ctl.choose_app_item(items[i]["id"]), font_role="small")

    def _materials(self, *_args) -> None:
        rows = [
            (f"application.material.{i}", material_words(m), m["ticked"])
            for i, m in enumerate(self.state.app_materials)
        ]
        fill_ticks(self.ids.materials, rows, self.ctl.toggle_app_material, font_role="small")


SCREEN = ApplicationScreen
