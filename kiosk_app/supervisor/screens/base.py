"""What every supervisor screen shares: its .kv file beside it, and the app, state and controller."""

from __future__ import annotations

from kivy.app import App
from kivy.uix.screenmanager import Screen

from ...common.screen_app import load_kv

__all__ = ["SupervisorScreen", "load_kv"]


class SupervisorScreen(Screen):
    @property
    def app(self):
        return App.get_running_app()

    @property
    def state(self):
        return self.app.state

    @property
    def ctl(self):
        return self.app.ctl
