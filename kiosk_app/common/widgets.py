"""Widgets shared by every hall screen: large buttons and labels sized by the theme, a pager
(the only way through a long list: taps on 上一页/下一页, never a swipe), banners and a QR code.

Load with `load_widgets()` after `register_fonts()`; the kv rules expect `app.theme` (a Theme).
"""

from __future__ import annotations

from pathlib import Path

from kivy.factory import Factory
from kivy.graphics.texture import Texture
from kivy.lang import Builder
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.image import Image
from kivy.uix.label import Label

KV = Path(__file__).with_name("widgets.kv")
_loaded = False


def load_widgets() -> None:
    global _loaded
    if not _loaded:
        Builder.load_file(str(KV))
        _loaded = True


class KButton(Button):
    """A button at least one touch target high. `tid` names it for tests and logs."""

    tid = StringProperty("")
    role = OptionProperty("primary", options=["primary", "accent", "plain", "danger", "header", "ghost"])
    font_role = OptionProperty("body", options=["small", "body", "title", "big", "huge"])
    fixed_height = NumericProperty(0)  # 0: the theme's target height
    # Drawn as pressed from the touch until the app has acted on the tap (`hold` buttons only):
    # no frame is drawn between the release and the answer, so with a software renderer the
    # answer (a ticket) is the very next frame on the glass.
    hold = BooleanProperty(False)
    busy = BooleanProperty(False)
    _released = False

    def on_press(self) -> None:
        if self.hold:
            self._released = False
            self.busy = True

    def on_release(self) -> None:
        self._released = True

    def on_busy(self, _instance, value: bool) -> None:
        if value:  # never stuck pressed if nothing came of the tap
            from kivy.clock import Clock

            Clock.schedule_once(lambda _dt: setattr(self, "busy", False), 1.0)

    def on_touch_up(self, touch):
        grabbed = touch.grab_current is self
        handled = super().on_touch_up(touch)
        if grabbed and self.busy and not self._released:
            self.busy = False  # the finger slid off: no tap, nothing to wait for
        return handled


class KLabel(Label):
    """A label that wraps to its width and grows to its text's height."""

    tid = StringProperty("")
    font_role = OptionProperty("body", options=["small", "body", "title", "big", "huge"])
    fg = ListProperty([])  # overrides the theme's text colour when set


class Banner(KLabel):
    """A coloured strip of text; zero height when empty."""

    kind = OptionProperty("warn", options=["warn", "alert", "info"])


class QRCode(Image):
    """A QR code of `data`, drawn crisp (nearest-neighbour scaling).

    The texture is the code's matrix itself, one texel a module with its quiet zone: no picture is
    drawn, encoded or decoded (which would load Pillow's image plugins into the kiosk for good)."""

    data = StringProperty("")

    def on_data(self, _instance, value: str) -> None:
        if not value:
            self.texture = None
            return
        import qrcode

        qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
        qr.add_data(value)
        qr.make(fit=True)
        rows = qr.get_matrix()  # with the border; True = dark module
        size = len(rows)
        # rows bottom-up (GL's origin is the bottom left), RGBA so no row needs alignment padding
        pixels = b"".join(
            b"\x00\x00\x00\xff" if dark else b"\xff\xff\xff\xff" for row in reversed(rows) for dark in row
        )
        texture = Texture.create(size=(size, size), colorfmt="rgba")
        texture.blit_buffer(pixels, colorfmt="rgba", bufferfmt="ubyte")
        texture.mag_filter = "nearest"
        texture.min_filter = "nearest"
        self.texture = texture


class Pager(BoxLayout):
    """A list shown a page at a time, with 上一页 / 下一页: no scrolling, no swipes (seed art. 27).

    `entries`: list of dicts {"key", "text", "role"?}; a tap dispatches `on_select(key)`.
    """

    entries = ListProperty([])
    per_page = NumericProperty(5)
    cols = NumericProperty(1)
    page = NumericProperty(0)
    entry_height = NumericProperty(0)
    tid_prefix = StringProperty("item")
    prev_text = StringProperty("上一页")
    next_text = StringProperty("下一页")
    page_text = StringProperty("第 {n}/{total} 页")
    markup = BooleanProperty(False)
    pages = NumericProperty(1)
    grid = ObjectProperty(None)

    __events__ = ("on_select",)

    def on_entries(self, *_args) -> None:
        self.page = 0
        self.refresh()

    def on_per_page(self, *_args) -> None:
        self.page = min(self.page, max(0, self._count_pages() - 1))
        self.refresh()

    def on_cols(self, *_args) -> None:
        self.refresh()

    def on_entry_height(self, *_args) -> None:
        self.refresh()

    def _count_pages(self) -> int:
        per = max(1, int(self.per_page))
        return max(1, -(-len(self.entries) // per))

    def turn(self, step: int) -> None:
        self.page = max(0, min(self._count_pages() - 1, self.page + step))
        self.refresh()

    def refresh(self, *_args) -> None:
        self.pages = self._count_pages()
        grid = self.grid
        if grid is None:
            return
        grid.clear_widgets()
        per = max(1, int(self.per_page))
        for entry in self.entries[self.page * per : (self.page + 1) * per]:
            button = Factory.KButton(
                text=entry["text"],
                tid=f"{self.tid_prefix}.{entry['key']}",
                role=entry.get("role", "plain"),
                markup=self.markup,
                fixed_height=self.entry_height,
            )
            button.bind(on_release=lambda _b, key=entry["key"]: self.dispatch("on_select", key))
            grid.add_widget(button)

    def on_select(self, key: str) -> None:
        pass


class TapCatcher(Label):
    """Full-screen area that turns any tap into `on_tap` (the screensaver)."""

    __events__ = ("on_tap",)

    def on_touch_down(self, touch):
        if self.collide_point(*touch.pos):
            self.dispatch("on_tap")
            return True
        return super().on_touch_down(touch)

    def on_tap(self) -> None:
        pass


class Hideable:
    """`shown = False`: no taps reach the children either.

    Hidden, the children keep their last places (under what is shown now) and are disabled, and a
    disabled widget swallows the touches that land on it: a hidden container must not pass touches
    down to them at all."""

    def on_touch_down(self, touch):
        return super().on_touch_down(touch) if self.shown else False

    def on_touch_move(self, touch):
        return super().on_touch_move(touch) if self.shown else False

    def on_touch_up(self, touch):
        return super().on_touch_up(touch) if self.shown else False


class Section(Hideable, BoxLayout):
    """A vertical group that takes no room and no taps when `shown` is False."""

    shown = BooleanProperty(True)


class Panel(Hideable, BoxLayout):
    bg = ListProperty([1, 1, 1, 1])
    shown = BooleanProperty(True)


class FaceRoot(BoxLayout):
    """A face's whole window (the root rule of its root.kv, `<CounterRoot@FaceRoot>`): header, message
    lines and the ScreenManager that shows its screens, `sm`."""

    sm = ObjectProperty(None)
