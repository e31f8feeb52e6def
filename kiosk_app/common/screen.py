"""What every screen of every face shares: its .kv file beside its module, loaded once, the running
app's state and controller (`self.state`, `self.ctl`, as the .kv rules reach them through `app`), and
the state's properties a screen redraws on (`redraw_on`)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.uix.screenmanager import Screen

__all__ = ["FaceScreen", "load_kv"]


def load_kv(module_file: str) -> None:
    """Load `<module>.kv` beside a screen's module, once."""
    path = str(Path(module_file).with_suffix(".kv"))
    if path not in Builder.files:
        Builder.load_file(path)


class FaceScreen(Screen):
    # {state property: the method that redraws what it shows}. One frame after the screen's rules are
    # applied (the state is the app's by then), the methods are bound and each drawn once, as the
    # state's bind calls them: method(state, value of its first property here).
    redraw_on: ClassVar[dict[str, str]] = {}

    def on_kv_post(self, _base) -> None:
        if self.redraw_on:
            Clock.schedule_once(self._bind_redraws, 0)

    def _bind_redraws(self, _dt) -> None:
        st = self.state
        st.bind(**{prop: getattr(self, method) for prop, method in self.redraw_on.items()})
        drawn: dict[str, str] = {}  # each method once, with its first property
        for prop, method in self.redraw_on.items():
            drawn.setdefault(method, prop)
        for method, prop in drawn.items():
            getattr(self, method)(st, getattr(st, prop))

    @property
    def app(self):
        return App.get_running_app()

    @property
    def state(self):
        return self.app.state

    @property
    def ctl(self):
        return self.app.ctl

    def is_current(self) -> bool:
        return self.manager is not None and self.manager.current == self.name
