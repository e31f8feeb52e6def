"""Sizes for screens that are not the citizens' kiosk, in millimetres of the real screen.

- `StaffTheme`: the counter terminal and the supervisor tablet, read at arm's length by trained
  staff: denser than the kiosk (whose sizes serve the elderly, seed art. 27), touch targets still
  at least 11 mm.
- `DisplayTheme`: the hall's call screen, read from across the hall. Rule of thumb for signs: a
  character is readable from about 250 times its height, so 10 m needs about 40 mm. The call
  screen's smallest text that matters (queue waits, recent calls) is 40 mm; the called number is
  far larger. On a 55-inch 1080p panel (1.59 px/mm) 40 mm is 64 px.

Same colours and the same kv rules as the kiosk (`kiosk_app/common/theme.py`): only sizes change.
"""

from __future__ import annotations

from kivy.properties import NumericProperty

from .theme import Theme

STAFF_SIZES_MM = {
    "font_small": 3.6,
    "font_body": 4.4,
    "font_title": 5.6,
    "font_big": 8.0,
    "font_huge": 20.0,
    "target": 11.0,
    "tile": 20.0,
    "key": 13.0,
    "gap": 1.5,
    "pad": 2.5,
    "header": 13.0,
    "qr": 30.0,
}

DISPLAY_SIZES_MM = {
    "font_small": 30.0,
    "font_body": 40.0,
    "font_title": 48.0,
    "font_big": 60.0,
    "font_huge": 150.0,  # the number being called
    "target": 40.0,
    "tile": 80.0,
    "key": 40.0,
    "gap": 5.0,
    "pad": 10.0,
    "header": 70.0,
    "qr": 60.0,
}


class SizedTheme(Theme):
    """A Theme whose sizes come from `SIZES` (mm) instead of the kiosk's table."""

    SIZES: dict[str, float] = {}

    def _apply(self, *_args) -> None:
        super()._apply()
        for name, mm in self.SIZES.items():
            setattr(self, name, round(self.mm(mm)))
        self.border = max(1, round(self.mm(0.4)))


class StaffTheme(SizedTheme):
    SIZES = STAFF_SIZES_MM


class DisplayTheme(SizedTheme):
    """The call screen. `font_window` is the window line under the called number."""

    SIZES = {**DISPLAY_SIZES_MM, "font_window": 68.0, "font_recent": 40.0}
    font_window = NumericProperty(0)
    font_recent = NumericProperty(0)
