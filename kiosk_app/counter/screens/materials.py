"""Finish as incomplete: tick what is missing from the item's catalog list; the counter's printer
prints the one-time notification list (一次性告知单) and the broker issues the return ticket."""

from __future__ import annotations

from ...common.screen import FaceScreen, load_kv
from ...common.staff_widgets import fill_ticks

load_kv(__file__)


def material_words(m: dict) -> str:
    """A material of the item's list as the counter reads it: its name, and its detail in brackets."""
    return m["name"] + (f"（{m['detail']}）" if m["detail"] else "")


class MaterialsScreen(FaceScreen):
    redraw_on = {"materials": "rebuild"}

    def rebuild(self, *_args) -> None:
        rows = [(f"materials.{i}", material_words(m), m["ticked"]) for i, m in enumerate(self.state.materials)]
        fill_ticks(self.ids.list, rows, self.ctl.toggle_material)


SCREEN = MaterialsScreen
