"""What every kiosk screen adds to the faces' screen base (common/screen.py): texts in the citizen's
language, and a refresh of what the .kv rules cannot bind by themselves when the screen comes on."""

from __future__ import annotations

from ...common.screen import FaceScreen, load_kv

__all__ = ["KioskScreen", "load_kv"]


class KioskScreen(FaceScreen):
    def tr(self, key: str, **values) -> str:
        return self.app.t(key, self.state.language, **values)

    def on_pre_enter(self, *_args) -> None:
        self.refresh(force=True)

    def refresh(self, *_args, force: bool = False) -> None:
        """Rebuild what the .kv rules cannot bind by themselves; only for the screen on show
        (a hidden screen is refreshed when it comes back), so a state update costs one screen."""
        if force or self.is_current():
            self.update()

    def update(self) -> None:
        pass
