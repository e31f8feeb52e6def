"""查找 (issue 23 item 6): any ticket of today by number, by counter or by state; the tickets found; the one
opened with its facts and steps (never its holder); transfer to another queue, hand over to another hall,
annul with one of the site's reasons. The controller's side is lookup_control.py."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.factory import Factory

from ...common.hall_text import short_name
from ...common.screen import FaceScreen, load_kv
from ...common.staff_widgets import fill_ticks
from ...common.widgets import KButton
from ..lookup_text import SEARCH_STATES, STATES

load_kv(__file__)


class LookupScreen(FaceScreen):
    def on_kv_post(self, _base) -> None:
        Clock.schedule_once(self._setup, 0)

    def _setup(self, _dt) -> None:
        st = self.state
        for c in self.app.site_config.counters:
            self._button(self.ids.counters, f"lookup.counter.{c.id}", f"{c.number}号窗口", self.ctl.find_counter, c.id)
        for name in SEARCH_STATES:
            self._button(self.ids.states, f"lookup.state.{name}", STATES[name], self.ctl.find_state, name)
        st.bind(lookup_rows=self._rows, lookup_ticket=self._opened, lookup_facts=self._facts)
        st.bind(lookup_action=self._choices, lookup_reason=self._choices, lookup_armed=self._choices)
        st.bind(handover_targets=self._choices)
        self._rows(st, st.lookup_rows)

    @staticmethod
    def _button(box, tid: str, text: str, on_tap, arg: object, role: str = "plain") -> KButton:
        button = KButton(tid=tid, text=text, role=role, font_role="small")
        button.bind(on_release=lambda _b: on_tap(arg))
        box.add_widget(button)
        return button

    def _rows(self, _st, rows) -> None:
        box = self.ids.rows
        box.clear_widgets()
        opened = self.state.lookup_ticket.get("id")
        for row in rows:
            line = self._button(
                box, f"lookup.row.{row['number']}", row["text"], self.ctl.open_ticket, row["id"], "plain"
            )
            line.role = "primary" if row["id"] == opened else "plain"
            line.halign = "left"
            line.ticket_id = row["id"]

    def _opened(self, _st, ticket) -> None:
        for line in self.ids.rows.children:
            line.role = "primary" if getattr(line, "ticket_id", None) == ticket.get("id") else "plain"

    def _facts(self, _st, facts) -> None:
        box = self.ids.facts
        box.clear_widgets()
        for caption, value in facts:
            box.add_widget(Factory.Fact(caption=caption, value=value, tid=f"lookup.fact.{caption}"))

    def _choices(self, *_args) -> None:
        """The choices of the action prepared: the other queues, the halls, or the annulment's reasons."""
        st, box = self.state, self.ids.choices
        box.clear_widgets()
        self.ids.note.text = "" if st.lookup_action != "annul" else self.ids.note.text
        ticket = st.lookup_ticket
        if st.lookup_action == "transfer":
            for q in self.app.site_config.queues:
                if q.id != ticket.get("queue_id"):
                    self._button(
                        box, f"lookup.transfer.{q.id}", "转到 " + short_name(q.name), self.ctl.transfer_ticket, q.id
                    )
        elif st.lookup_action == "handover":
            for i, target in enumerate(st.handover_targets):
                armed = st.lookup_armed == i
                text = ("确认转交" if armed else "转交") + target["text"]
                self._button(
                    box, f"lookup.handover.{i}", text, self.ctl.hand_over_ticket, i, "accent" if armed else "plain"
                )
        elif st.lookup_action == "annul":
            reasons, chosen = list(st.annul_reasons), st.lookup_reason
            rows = [(f"lookup.reason.{i}", reason, reason == chosen) for i, reason in enumerate(reasons)]
            fill_ticks(box, rows, lambda i: self.ctl.pick_annul_reason(reasons[i]), font_role="small")


SCREEN = LookupScreen
