"""办件 on the supervisor tablet (electronic monitoring after the counter): the open applications, most
urgent first, with the hall's counts (open, near the promised date, overdue, results waiting); the
application_due alerts, each acknowledged with an explanation; the application opened, with its steps
(common/application_panel.py)."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import DictProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from ...common.application_panel import load_application_panel
from ...common.case_screen import CaseLine
from ...common.screen import FaceScreen, load_kv

load_application_panel()
load_kv(__file__)


class DueAlertLine(BoxLayout):
    row = DictProperty({})
    key = StringProperty("")


class ApplicationsScreen(FaceScreen):
    def on_kv_post(self, _base) -> None:
        Clock.schedule_once(self._setup, 0)

    def _setup(self, _dt) -> None:
        st = self.state
        st.bind(app_rows=self._rows, app_alerts=self._alerts, application=self._marked)
        self._rows(st, st.app_rows)
        self._alerts(st, st.app_alerts)

    def _rows(self, _st, rows) -> None:
        box = self.ids.rows
        box.clear_widgets()
        chosen = self.state.application.get("case_no")
        for row in rows:
            line = CaseLine(
                tid=f"applications.row.{row['case_no']}",
                case_id=row["case_no"],
                level=row["level"],
                role="primary" if row["case_no"] == chosen else "plain",
                text=f"{row['title']}\n{row['subject']}\n{row['deadline']}",
            )
            line.bind(on_release=lambda b: self.ctl.view_application(b.case_id))
            box.add_widget(line)

    def _marked(self, _st, app) -> None:
        for line in self.ids.rows.children:
            line.role = "primary" if line.case_id == app.get("case_no") else "plain"

    def _alerts(self, _st, rows) -> None:
        box = self.ids.alerts
        box.clear_widgets()
        for row in rows:
            box.add_widget(DueAlertLine(row=row, key=row["key"]))


SCREEN = ApplicationsScreen
