"""The supervisor tablet's Kivy App: header with navigation, message line, the screens."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import ObjectProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition

from ..common.screen_base import HallScreenApp
from ..common.staff_theme import StaffTheme
from .controller import SupervisorController
from .state import SCREENS, SupervisorState

HERE = Path(__file__).resolve().parent


class SupervisorRoot(BoxLayout):
    sm = ObjectProperty(None)


class SupervisorApp(HallScreenApp):
    role = "supervisor"

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
        root = SupervisorRoot()
        sm = root.sm
        sm.transition = NoTransition()
        for name in SCREENS:
            module = importlib.import_module(f"kiosk_app.supervisor.screens.{name}")
            sm.add_widget(module.SCREEN(name=name))
        sm.current = self.state.screen
        self.state.bind(screen=lambda _s, name: setattr(sm, "current", name))
        return root
