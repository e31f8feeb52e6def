"""What every kiosk screen shares: loading its .kv file, and reaching the app, state and controller."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.uix.screenmanager import Screen

HERE = Path(__file__).resolve().parent


def load_kv(module_file: str) -> None:
    """Load `<module>.kv` beside the screen's module, once."""
    path = str(Path(module_file).with_suffix(".kv"))
    if path not in Builder.files:
        Builder.load_file(path)


class KioskScreen(Screen):
    @property
    def app(self):
        return App.get_running_app()

    @property
    def state(self):
        return self.app.state

    @property
    def ctl(self):
        return self.app.ctl

    def tr(self, key: str, **values) -> str:
        return self.app.t(key, self.state.language, **values)

    def is_current(self) -> bool:
        return self.manager is not None and self.manager.current == self.name

    def on_pre_enter(self, *_args) -> None:
        self.refresh(force=True)

    def refresh(self, *_args, force: bool = False) -> None:
        """Rebuild what the .kv rules cannot bind by themselves; only for the screen on show
        (a hidden screen is refreshed when it comes back), so a state update costs one screen."""
        if force or self.is_current():
            self.update()

    def update(self) -> None:
        pass
