"""The counter terminal's Kivy App: header, message line, and the screens of a ScreenManager."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from kivy.lang import Builder
from kivy.properties import ObjectProperty
from kivy.uix.boxlayout import BoxLayout

from ..common.app import HallScreenApp
from ..common.hall_client import kivy_ui_call
from ..common.staff_theme import StaffTheme
from .controller import CounterController
from .screens import SCREENS
from .state import CounterState

HERE = Path(__file__).resolve().parent
STATUS = {"open": "服务中", "paused": "暂停叫号", "closed": "未开窗"}


class CounterRoot(BoxLayout):
    sm = ObjectProperty(None)


class CounterApp(HallScreenApp):
    role = "counter"
    screens_package = "kiosk_app.counter.screens"
    kept_screens = SCREENS

    def make_theme(self):
        return StaffTheme(px_per_mm=self.settings.px_per_mm)

    def make_state(self):
        return CounterState()

    def make_controller(self, client):
        tz = ZoneInfo(self.site_config.site.timezone)
        return CounterController(
            self.site_config, self.node, self.settings, self.state, client, lambda: datetime.now(tz), kivy_ui_call
        )

    def status_text(self, status: str) -> str:
        return STATUS.get(status, status)

    def build_root(self):
        Builder.load_file(str(HERE / "root.kv"))
        return self.manage_screens(CounterRoot())
