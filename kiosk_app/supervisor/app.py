"""The supervisor tablet's Kivy App: header with navigation, message line, the screens."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import ObjectProperty
from kivy.uix.boxlayout import BoxLayout

from ..common.app import HallScreenApp
from ..common.staff_theme import StaffTheme
from .controller import SupervisorController
from .screens import SCREENS
from .state import SupervisorState

HERE = Path(__file__).resolve().parent


class SupervisorRoot(BoxLayout):
    sm = ObjectProperty(None)


class SupervisorApp(HallScreenApp):
    role = "supervisor"
    screens_package = "kiosk_app.supervisor.screens"
    kept_screens = SCREENS

    def make_theme(self):
        return StaffTheme(px_per_mm=self.settings.px_per_mm)

    def make_state(self):
        return SupervisorState()

    def make_controller(self, client):
        return SupervisorController(
            self.site_config, self.node, self.settings, self.state, client, lambda: datetime.now(UTC)
        )

    def build_root(self):
        Builder.load_file(str(HERE / "root.kv"))
        return self.manage_screens(SupervisorRoot())
