"""What the counter terminal's case screens show (issue 21 item 4), mixed into CounterState: the cases (the
complaint desk: every case; another counter: the cases about itself), the 办件 looked up at the 出件 window
(common/case_state.py), and the 受理 of a 承诺件 for the citizen at the counter: the items of the ticket
(a bundle has several), which are 承诺件, the application accepted or refused, the materials to tick for
a 补正 and whether its 一次性告知单 printed. Properties only; no I/O."""

from __future__ import annotations

from kivy.properties import BooleanProperty, DictProperty, ListProperty, StringProperty

from ..common.case_state import ApplicationDeskState, CaseDeskState


class CounterDeskState(CaseDeskState, ApplicationDeskState):
    is_complaint_desk = BooleanProperty(False)  # a counter of kind complaint: the 好差评/投诉 desk
    app_citizen = DictProperty({})  # {"ticket_id", "number", "service_name"}: whose application
    app_items = ListProperty([])  # [{"id", "name", "promised", "promise_text"}]
    app_item = StringProperty("")  # the item chosen (one application per item)
    app_materials = ListProperty([])  # [{"name", "detail", "ticked"}]: what a 补正 may ask for
    app_print_phase = StringProperty("")  # "" | printing | printed | failed: the 一次性告知单 of a 补正

    def open_acceptance(self, citizen: dict, items: list[dict]) -> None:
        self.app_citizen = citizen
        self.app_items = items
        first = next((i for i in items if i["promised"]), items[0] if items else None)
        self.app_item = first["id"] if first else ""
        self.app_materials = []
        self.app_print_phase = ""
        self.application, self.app_facts, self.app_history, self.app_steps = {}, [], [], []

    def chosen_item(self) -> dict:
        return next((dict(i) for i in self.app_items if i["id"] == self.app_item), {})

    def set_app_materials(self, materials: list[dict]) -> None:
        self.app_materials = [{"name": m["name"], "detail": m.get("detail", ""), "ticked": False} for m in materials]

    def toggle_app_material(self, index: int) -> None:
        rows = [dict(r) for r in self.app_materials]
        if 0 <= index < len(rows):
            rows[index]["ticked"] = not rows[index]["ticked"]
        self.app_materials = rows

    def ticked_app_materials(self) -> list[str]:
        return [r["name"] for r in self.app_materials if r["ticked"]]
