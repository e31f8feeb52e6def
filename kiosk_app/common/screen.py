"""What every screen of every face shares: its .kv file beside its module, loaded once, and the running
app's state and controller (`self.state`, `self.ctl`, as the .kv rules reach them through `app`)."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.uix.screenmanager import Screen

__all__ = ["FaceScreen", "load_kv"]


def load_kv(module_file: str) -> None:
    """Load `<module>.kv` beside a screen's module, once."""
    path = str(Path(module_file).with_suffix(".kv"))
    if path not in Builder.files:
        Builder.load_file(path)


class FaceScreen(Screen):
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
