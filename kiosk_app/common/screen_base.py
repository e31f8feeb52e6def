"""The base Kivy App of the staff and display screens (imported after Kivy is configured, see
screen_app.screen_main): the broker link (HallClient), theme, state, controller, remote control."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.core.window import Window
from kivy.properties import ObjectProperty

from .fonts import register_fonts
from .hall_client import HallClient
from .remote import RemoteControl
from .screen_app import ScreenSettings, state_dict
from .staff_widgets import load_staff_widgets
from .widgets import load_widgets

log = logging.getLogger(__name__)


class HallScreenApp(App):
    """Subclasses set `role` and implement `make_theme()`, `make_state()`, `make_controller(client)`
    and `build_root()`. The controller has `start()`, `stop()` and a `metrics` dict."""

    theme = ObjectProperty(None)
    state = ObjectProperty(None)
    ctl = ObjectProperty(None)
    role = "display"
    version = "0.1.0"

    def __init__(self, config, node, settings: ScreenSettings, *, started_at: float | None = None, **kwargs):
        super().__init__(**kwargs)
        self.site_config = config
        self.node = node
        self.settings = settings
        self.started_at = started_at or time.perf_counter()
        self.first_frame_at: float | None = None
        self.title = f"{config.site.name} · {node.id}"
        self.client: HallClient | None = None
        self.ui_errors = 0
        self.remote: RemoteControl | None = None
        self.theme = self.make_theme()
        self.state = self.make_state()

    # --- for subclasses -------------------------------------------------------------------------
    def make_theme(self):
        raise NotImplementedError

    def make_state(self):
        raise NotImplementedError

    def make_controller(self, client: HallClient):
        raise NotImplementedError

    def build_root(self):
        raise NotImplementedError

    # --- building ---------------------------------------------------------------------------------
    def build(self):
        register_fonts()
        load_widgets()
        load_staff_widgets()
        ExceptionManager.add_handler(_KeepRunning(self))
        self.client = HallClient(
            self.site_config,
            self.node.id,
            self.role,
            version=self.version,
            zone=self.node.zone,
            reconnect_max_s=self.settings.reconnect_max_s,
        )
        self.ctl = self.make_controller(self.client)
        root = self.build_root()
        Window.bind(on_flip=self._first_flip)
        self.ctl.start()
        self.client.start()
        self.remote = RemoteControl.from_env(self)
        return root

    def _first_flip(self, *_args) -> None:
        if self.first_frame_at is None:
            self.first_frame_at = time.perf_counter()
            log.info("first frame %.0f ms after start", (self.first_frame_at - self.started_at) * 1000)
            Window.unbind(on_flip=self._first_flip)

    def on_stop(self) -> None:
        if self.remote is not None:
            self.remote.stop()
        if self.ctl is not None:
            try:
                self.ctl.stop()
            except Exception:
                log.exception("stopping the controller failed")
        if self.client is not None:
            self.client.stop()

    # --- remote control (tests, demos) --------------------------------------------------------------
    def remote_state(self) -> dict[str, Any]:
        data = state_dict(self.state)
        data["ui_errors"] = self.ui_errors
        data["metrics"] = _plain(getattr(self.ctl, "metrics", {}))
        data["first_frame_ms"] = ((self.first_frame_at - self.started_at) * 1000) if self.first_frame_at else None
        data["px_per_mm"] = self.theme.px_per_mm
        data["window"] = list(Window.size)
        data["pid"] = os.getpid()
        return data

    def remote_call(self, method: str, *args: Any) -> Any:
        return _plain(getattr(self.ctl, method)(*args))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool | type(None)):
        return value
    return str(value)


class _KeepRunning(ExceptionHandler):
    """A bug in one callback is logged and counted (`ui_errors`; tests require 0) and the screen
    stays up: a hall screen that vanishes helps nobody."""

    def __init__(self, app: HallScreenApp):
        super().__init__()
        self.app = app

    def handle_exception(self, inst):
        if isinstance(inst, KeyboardInterrupt | SystemExit):
            return ExceptionManager.RAISE
        self.app.ui_errors += 1
        log.exception("error in the UI thread (the screen keeps running)", exc_info=inst)
        return ExceptionManager.PASS
