"""Widgets of the staff screens (counter terminal, supervisor tablet), on top of widgets.py:
`HallInput` (a text field), `Fact` (a caption and a value), `TickButton` (a tick box as a large
button). Load with `load_staff_widgets()` after `load_widgets()`."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty

from .widgets import KButton

KV = Path(__file__).with_name("staff_widgets.kv")


class TickButton(KButton):
    ticked = BooleanProperty(False)


def load_staff_widgets() -> None:
    if str(KV) not in Builder.files:
        Builder.load_file(str(KV))
