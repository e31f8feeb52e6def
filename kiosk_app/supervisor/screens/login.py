"""Supervisor login (supervisor id and PIN, checked by the broker: cmd/supervisor/login)."""

from __future__ import annotations

from ...common.screen import FaceScreen, load_kv

load_kv(__file__)


class LoginScreen(FaceScreen):
    def submit(self) -> None:
        self.ctl.login(self.ids.supervisor.text.strip(), self.ids.pin.text.strip())
        self.ids.pin.text = ""


SCREEN = LoginScreen
