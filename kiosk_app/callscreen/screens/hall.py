"""The call screen's one screen: the latest call large, recent calls, every queue's waiting count and
estimate, window changes, notices, the clock. Landscape or portrait follows the window's shape.

Lists (recent calls, the queue table) are built here, as many rows as fit the panel at the
theme's sizes; the queue table turns its pages by itself (the controller's timer)."""

from __future__ import annotations

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.properties import NumericProperty, ObjectProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout

from ...common.screen import load_kv
from ..colours import COLOURS  # noqa: F401 - used by hall.kv

load_kv(__file__)


class CallScreen(FloatLayout):
    recent_grid = ObjectProperty(None)
    queue_grid = ObjectProperty(None)
    marquee_box = ObjectProperty(None)
    marquee_label = ObjectProperty(None)
    col_waiting = NumericProperty(100)
    col_wait = NumericProperty(200)
    marquee_speed_mm_s = NumericProperty(60.0)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._rebuild_trigger = Clock.create_trigger(self._rebuild, -1)
        self._marquee_x = None
        self._marquee_event = None
        self._rows: list[QueueRow] = []
        Clock.schedule_once(self._setup, 0)

    @property
    def app(self):
        return App.get_running_app()

    def _setup(self, _dt) -> None:
        state, theme = self.app.state, self.app.theme
        state.bind(recent=self._rebuild_trigger, queue_page_rows=self._rebuild_trigger)
        theme.bind(font_body=self._rebuild_trigger)
        self.recent_grid.bind(size=self._rebuild_trigger)
        self.queue_grid.bind(size=self._rebuild_trigger)
        Window.bind(size=self._orientation)
        self._orientation(Window, Window.size)
        # a new notice starts at the left edge, readable at once, then scrolls
        self._marquee_x = theme.pad
        self.marquee_label.bind(text=lambda *_a: setattr(self, "_marquee_x", self.app.theme.pad))
        fps = self.app.settings.marquee_fps
        if fps > 0:
            self._marquee_event = Clock.schedule_interval(self._scroll, 1.0 / fps)
        self._rebuild()

    def _orientation(self, _window, size) -> None:
        self.app.state.portrait = size[1] > size[0]
        self._rebuild_trigger()

    # ------------------------------------------------------------------ lists
    # Rendering a large label's texture costs several ms on a software GL: rows are reused, and a
    # new call adds one row widget and moves the others instead of rewriting every row's text.
    def _rebuild(self, *_args) -> None:
        state, theme = self.app.state, self.app.theme
        self.col_waiting = theme.font_body * 2.2
        self.col_wait = theme.font_body * 4.3
        # recent calls: as many rows of two as fit
        grid = self.recent_grid
        row_h = theme.font_recent * 1.25
        grid.row_default_height = row_h
        grid.row_force_default = True
        grid.cols = max(1, min(3, int(grid.width // (theme.font_recent * 7.6))))
        rows = max(0, int((grid.height + theme.gap / 2) // (row_h + theme.gap / 2)))
        wanted = [(c["number"], c["window"], c.get("again", False)) for c in state.recent[: rows * grid.cols]]
        current = [(w.number, w.window, w.again) for w in reversed(grid.children)]
        if wanted != current:
            keep = {}
            for w in grid.children:
                keep[(w.number, w.window, w.again)] = w
            grid.clear_widgets()
            for number, window, again in wanted:
                w = keep.get((number, window, again)) or RecentCall(number=number, window=window, again=again)
                grid.add_widget(w)
        # queues: as many rows as fit; the state pages through the rest
        table = self.queue_grid
        q_row_h = theme.font_body * 1.45
        table.row_default_height = q_row_h
        table.row_force_default = True
        fit = max(1, int(table.height // q_row_h)) if table.height > q_row_h else 1
        state.set_rows_per_page(fit)
        page = state.queue_page_rows
        while len(self._rows) < len(page):
            self._rows.append(QueueRow())
        for i, row in enumerate(page):
            w = self._rows[i]
            w.qid, w.name, w.waiting, w.wait = row["id"], row["name"], str(row["waiting"]), row["wait"]
            w.alt, w.busy = i % 2 == 1, row["waiting"] > 0
            w.col_waiting, w.col_wait = self.col_waiting, self.col_wait
        shown = list(reversed(table.children))
        if shown != self._rows[: len(page)]:
            table.clear_widgets()
            for w in self._rows[: len(page)]:
                table.add_widget(w)

    # ------------------------------------------------------------------ marquee
    def _scroll(self, dt: float) -> None:
        box, label = self.marquee_box, self.marquee_label
        if box is None or label is None:
            return
        width = label.texture_size[0]
        if width <= box.width:  # fits: stands still, centred
            label.x = box.x + (box.width - width) / 2
            self._marquee_x = None
            return
        if self._marquee_x is None:
            self._marquee_x = box.width
        self._marquee_x -= self.app.theme.mm(self.marquee_speed_mm_s) * dt
        if self._marquee_x < -width:
            self._marquee_x = box.width
        label.x = box.x + self._marquee_x


class RecentCall(BoxLayout):
    number = Factory.StringProperty("")
    window = Factory.StringProperty("")
    again = Factory.BooleanProperty(False)  # called again: marked in the highlight's colour


class QueueRow(BoxLayout):
    qid = Factory.StringProperty("")
    name = Factory.StringProperty("")
    waiting = Factory.StringProperty("")
    wait = Factory.StringProperty("")
    alt = Factory.BooleanProperty(False)
    busy = Factory.BooleanProperty(False)
    col_waiting = NumericProperty(100)
    col_wait = NumericProperty(200)


SCREEN = CallScreen
