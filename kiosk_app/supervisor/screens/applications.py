"""办件 on the supervisor tablet (electronic monitoring after the counter): the open applications, most
urgent first, with the hall's counts (open, near the promised date, overdue, results waiting); the
application_due alerts, each acknowledged with an explanation; the application opened, with its steps
(common/application_panel.py)."""

from __future__ import annotations

from kivy.properties import DictProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from ...common.application_panel import load_application_panel
from ...common.case_screen import fill_rows, mark_rows
from ...common.screen import FaceScreen, load_kv

load_application_panel()
load_kv(__file__)


class DueAlertLine(BoxLayout):
    row = DictProperty({})
    key = StringProperty("")


class ApplicationsScreen(FaceScreen):
    redraw_on = {"app_rows": "_rows", "app_alerts": "_alerts", "application": "_marked"}

    def _rows(self, _st, rows) -> None:
        chosen = self.state.application.get("case_no")
        fill_rows(self.ids.rows, rows, "case_no", chosen, self.ctl.view_application, "applications")

    def _marked(self, _st, app) -> None:
        mark_rows(self.ids.rows, app.get("case_no"))

    def _alerts(self, _st, rows) -> None:
        box = self.ids.alerts
        box.clear_widgets()
        for row in rows:
            box.add_widget(DueAlertLine(row=row, key=row["key"]))


SCREEN = ApplicationsScreen
