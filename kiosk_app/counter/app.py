"""The counter terminal's Kivy App: header, message line, and the screens of a ScreenManager."""

from __future__ import annotations

import importlib
from datetime import datetime
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import ObjectProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition

from ..common.hall_client import kivy_ui_call
from ..common.screen_base import HallScreenApp
from ..common.staff_theme import StaffTheme
from .controller import CounterController
from .state import SCREENS, CounterState

HERE = Path(__file__).resolve().parent
STATUS = {"open": "服务中", "paused": "暂停叫号", "closed": "未开窗"}


class CounterRoot(BoxLayout):
    sm = ObjectProperty(None)


class CounterApp(HallScreenApp):
    role = "counter"

    def make_theme(self):
        return StaffTheme(px_per_mm=self.settings.px_per_mm)

    def make_state(self):
        return CounterState()

    def make_controller(self, client):
        from zoneinfo import ZoneInfo

        tz = ZoneInfo(self.site_config.site.timezone)
        return CounterController(
            self.site_config, self.node, self.settings, self.state, client, lambda: datetime.now(tz), kivy_ui_call
        )

    def status_text(self, status: str) -> str:
        return STATUS.get(status, status)

    def build_root(self):
        Builder.load_file(str(HERE / "root.kv"))
        root = CounterRoot()
        sm = root.sm
        sm.transition = NoTransition()
        for name in SCREENS:
            module = importlib.import_module(f"kiosk_app.counter.screens.{name}")
            sm.add_widget(module.SCREEN(name=name))
        sm.current = self.state.screen
        self.state.bind(screen=lambda _s, name: setattr(sm, "current", name))
        return root
