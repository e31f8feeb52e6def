"""Blind mode (issue 23 item 1; kiosk/blind.py): the screen a blind citizen does not need and a sighted
helper does. What the voice says now, in large high-contrast letters (also for low vision), the keys, the
ticket number once taken, a plain message when the keypad sends junk, and a way out for a helper."""

from __future__ import annotations

from .base import KioskScreen, load_kv

load_kv(__file__)


class BlindScreen(KioskScreen):
    pass


SCREEN = BlindScreen
