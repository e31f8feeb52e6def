"""Widgets of the staff screens (counter terminal, supervisor tablet), on top of widgets.py:
`HallInput` (a text field), `Fact` (a caption and a value), `TickButton` (a tick box as a large
button) and the two ways a screen lists them: `fill_ticks` (a list of tick boxes, √ / ○) and
`fill_choices` (buttons side by side, √ before the chosen one). Load with `load_staff_widgets()` after
`load_widgets()`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty

from .widgets import KButton

KV = Path(__file__).with_name("staff_widgets.kv")


class TickButton(KButton):
    ticked = BooleanProperty(False)


def tick_text(words: str, ticked: bool) -> str:
    """A tick box's words: √ when ticked, ○ when not."""
    return ("√  " if ticked else "○  ") + words


def choice_text(words: str, ticked: bool) -> str:
    """A choice among buttons side by side: √ when chosen, no mark when not."""
    return ("√ " if ticked else "") + words


def fill_ticks(
    box, rows: Iterable[tuple[str, str, bool]], on_tap: Callable[[int], object], mark=tick_text, **style
) -> None:
    """The box's buttons anew: a TickButton a row (tid, words, ticked), its text `mark(words, ticked)`; a tap
    calls on_tap(the row's index)."""
    box.clear_widgets()
    for i, (tid, words, ticked) in enumerate(rows):
        button = TickButton(tid=tid, text=mark(words, ticked), ticked=ticked, **style)
        button.bind(on_release=lambda _b, index=i: on_tap(index))
        box.add_widget(button)


def fill_choices(
    box, rows: Iterable[tuple[str, str, bool]], on_tap: Callable[[int], object], font_role: str = "body"
) -> None:
    """`fill_ticks` for choices side by side: centred, the chosen one marked √, the others unmarked."""
    fill_ticks(box, rows, on_tap, mark=choice_text, font_role=font_role, halign="center")


def load_staff_widgets() -> None:
    if str(KV) not in Builder.files:
        Builder.load_file(str(KV))
