"""Operator login: operator id and PIN (typed, or the PIN on the on-screen keypad)."""

from __future__ import annotations

from ...common.screen import FaceScreen, load_kv

load_kv(__file__)


class LoginScreen(FaceScreen):
    def key(self, digit: str) -> None:
        pin = self.ids.pin
        if digit == "clear":
            pin.text = ""
        elif len(pin.text) < 12:
            pin.text += digit


SCREEN = LoginScreen
