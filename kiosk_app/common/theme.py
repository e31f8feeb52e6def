"""Sizes and colours of every hall screen, in millimetres of the real screen, with a large mode.

A touch target must be at least 15 mm on the configured screen (seed art. 27), whatever its pixel
density, so sizes are given in mm and turned into pixels from the screen's size and diagonal.
`large` (the kiosk's elderly mode) makes type and targets larger and the contrast higher. Kv rules
bind to these properties (`app.theme.font_body`), so a switch re-lays out every screen at once.
"""

from __future__ import annotations

import math

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ListProperty, NumericProperty

MIN_TARGET_MM = 15.0


def px_per_mm(width_px: int, height_px: int, diagonal_in: float) -> float:
    """Pixel density of a screen from its resolution and its diagonal in inches."""
    return math.hypot(width_px, height_px) / (diagonal_in * 25.4)


def rgba(hex_colour: str, alpha: float = 1.0) -> list[float]:
    h = hex_colour.lstrip("#")
    return [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)] + [alpha]


# mm: (standard, large)
SIZES_MM = {
    "font_small": (6.0, 8.5),
    "font_body": (7.5, 10.5),
    "font_title": (10.0, 13.0),
    "font_big": (14.0, 17.0),
    "font_huge": (42.0, 48.0),
    "target": (18.0, 24.0),  # height of an ordinary button; never below MIN_TARGET_MM
    "tile": (38.0, 40.0),  # height of an item tile on the home screen
    "key": (22.0, 26.0),  # on-screen keyboard keys
    "gap": (3.0, 4.0),
    "pad": (5.0, 6.0),
    "header": (26.0, 30.0),
    "qr": (70.0, 70.0),
}

# (standard, large): the large palette is plain black on white with darker buttons (higher contrast)
COLOURS = {
    "bg": ("#EEF2F7", "#FFFFFF"),
    "panel": ("#FFFFFF", "#FFFFFF"),
    "fg": ("#1B1F24", "#000000"),
    "muted": ("#4A5562", "#1B1F24"),
    "header_bg": ("#0B4F9C", "#002D72"),
    "header_fg": ("#FFFFFF", "#FFFFFF"),
    "primary": ("#1565C0", "#002D72"),
    "primary_fg": ("#FFFFFF", "#FFFFFF"),
    "accent": ("#D9480F", "#A61E00"),  # take a ticket
    "accent_fg": ("#FFFFFF", "#FFFFFF"),
    "plain": ("#DCE4EE", "#D0D7E2"),
    "plain_fg": ("#0B2545", "#000000"),
    "danger": ("#B00020", "#8A0000"),
    "danger_fg": ("#FFFFFF", "#FFFFFF"),
    "warn_bg": ("#FFF3BF", "#FFE066"),
    "warn_fg": ("#5C3D00", "#000000"),
    "alert_bg": ("#C92A2A", "#A00000"),
    "alert_fg": ("#FFFFFF", "#FFFFFF"),
    "ok": ("#2B8A3E", "#1B5E20"),
    "disabled": ("#B8C0CC", "#9AA3AF"),
    "disabled_fg": ("#404850", "#202020"),
}


class Theme(EventDispatcher):
    px_per_mm = NumericProperty(4.0)
    large = BooleanProperty(False)

    font_small = NumericProperty(0)
    font_body = NumericProperty(0)
    font_title = NumericProperty(0)
    font_big = NumericProperty(0)
    font_huge = NumericProperty(0)
    target = NumericProperty(0)
    tile = NumericProperty(0)
    key = NumericProperty(0)
    gap = NumericProperty(0)
    pad = NumericProperty(0)
    header = NumericProperty(0)
    qr = NumericProperty(0)
    border = NumericProperty(0)

    bg = ListProperty([1, 1, 1, 1])
    panel = ListProperty([1, 1, 1, 1])
    fg = ListProperty([0, 0, 0, 1])
    muted = ListProperty([0, 0, 0, 1])
    header_bg = ListProperty([0, 0, 0, 1])
    header_fg = ListProperty([1, 1, 1, 1])
    primary = ListProperty([0, 0, 1, 1])
    primary_fg = ListProperty([1, 1, 1, 1])
    accent = ListProperty([1, 0, 0, 1])
    accent_fg = ListProperty([1, 1, 1, 1])
    plain = ListProperty([0.9, 0.9, 0.9, 1])
    plain_fg = ListProperty([0, 0, 0, 1])
    danger = ListProperty([1, 0, 0, 1])
    danger_fg = ListProperty([1, 1, 1, 1])
    warn_bg = ListProperty([1, 1, 0, 1])
    warn_fg = ListProperty([0, 0, 0, 1])
    alert_bg = ListProperty([1, 0, 0, 1])
    alert_fg = ListProperty([1, 1, 1, 1])
    ok = ListProperty([0, 1, 0, 1])
    disabled = ListProperty([0.7, 0.7, 0.7, 1])
    disabled_fg = ListProperty([0.2, 0.2, 0.2, 1])

    def __init__(self, px_per_mm: float = 4.0, large: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.px_per_mm = px_per_mm
        self.large = large
        self.bind(px_per_mm=self._apply, large=self._apply)
        self._apply()

    def mm(self, value: float) -> float:
        return value * self.px_per_mm

    def to_mm(self, pixels: float) -> float:
        return pixels / self.px_per_mm

    def _apply(self, *_args) -> None:
        k = 1 if self.large else 0
        for name, pair in SIZES_MM.items():
            setattr(self, name, round(self.mm(pair[k])))
        self.target = max(self.target, math.ceil(self.mm(MIN_TARGET_MM)))
        self.border = max(1, round(self.mm(0.8 if self.large else 0.4)))
        for name, colours in COLOURS.items():
            setattr(self, name, rgba(colours[k]))

    # --- colours of a button by role, for kv: `app.theme.role_bg(self.role, self.state, self.disabled, app.theme.large)`
    def role_bg(self, role: str, state: str = "normal", disabled: bool = False, _large: bool = False) -> list[float]:
        if disabled:
            return list(self.disabled)
        base = {
            "primary": self.primary,
            "accent": self.accent,
            "plain": self.plain,
            "danger": self.danger,
            "header": self.header_bg,
            "ghost": self.panel,
        }.get(role, self.primary)
        if state == "down":
            return [c * 0.75 for c in base[:3]] + [1]
        return list(base)

    def role_fg(self, role: str, disabled: bool = False, _large: bool = False) -> list[float]:
        if disabled:
            return list(self.disabled_fg)
        return list(
            {
                "primary": self.primary_fg,
                "accent": self.accent_fg,
                "plain": self.plain_fg,
                "danger": self.danger_fg,
                "header": self.header_fg,
                "ghost": self.fg,
            }.get(role, self.primary_fg)
        )

    def font_for(self, role: str, _large: bool = False) -> float:
        return {
            "small": self.font_small,
            "body": self.font_body,
            "title": self.font_title,
            "big": self.font_big,
            "huge": self.font_huge,
        }.get(role, self.font_body)
