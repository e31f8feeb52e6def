"""The one base Kivy App of the four faces (imported after Kivy is configured, see launch.py):
the broker link (HallClient), theme, state, controller, the screens, the optional remote control.

Each face sets `role` and implements `make_theme()`, `make_state()` and `make_controller(client)`.
A face of several screens names `root_class`, the root rule of the `root.kv` beside its app.py (a
`FaceRoot`: header, message lines, the ScreenManager `sm`); the screens are the modules of its
`screens` package (its screen list is in `screens/__init__.py`), `kept_screens` built at start, the
others when first shown. A face of one screen (the call screen) overrides `build_root()` instead.
`StaffScreenApp` is all of it for the counter terminal and the supervisor tablet. The controller has
`start()`, `stop()` and a `metrics` dict; the state is a Kivy EventDispatcher that does no I/O; the .kv
rules reach them as `app.state` and `app.ctl`.

systemd's watchdog (queue_broker/watchdog.py, docs/operations.md): the Kivy loop beats its heartbeat once
a second from Kivy's clock, so a loop that hangs (a callback that never returns) stops the WATCHDOG=1
pings and systemd restarts the face; READY=1 goes out with the first frame drawn. Without NOTIFY_SOCKET
(a terminal, `up`, the tests) nothing is sent.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import ObjectProperty
from kivy.uix.screenmanager import NoTransition

from queue_broker.watchdog import Watchdog

from .. import __version__
from .fonts import register_fonts
from .hall_client import HallClient
from .remote import Command, RemoteControl
from .settings import ScreenSettings
from .staff_theme import StaffTheme
from .staff_widgets import load_staff_widgets
from .widgets import load_widgets

log = logging.getLogger(__name__)

WATCHDOG_BEAT_S = 1.0  # the Kivy loop's heartbeat; stale after WatchdogSec/2 (15 s in the units)


class HallScreenApp(App):
    theme = ObjectProperty(None)
    state = ObjectProperty(None)
    ctl = ObjectProperty(None)
    role = "display"
    version = __version__
    staff_widgets = True  # the staff faces' shared widgets (staff_widgets.kv); the kiosk has its own
    root_class = ""  # the root rule of the face's root.kv (a FaceRoot), e.g. "CounterRoot"
    kept_screens: tuple[str, ...] = ()  # built at start and never dropped (manage_screens)
    watchdog_ready = False  # READY=1 sent

    def __init__(self, config, node, settings: ScreenSettings, *, started_at: float | None = None, **kwargs):
        super().__init__(**kwargs)
        self.site_config = config
        self.node = node
        self.settings = settings
        self.started_at = started_at or time.perf_counter()
        self.first_frame_at: float | None = None
        self.first_frame_wall: float | None = None
        self.title = f"{config.site.name} · {node.id}"
        self.client: HallClient | None = None
        self.ui_errors = 0
        self.remote: RemoteControl | None = None
        self.sm: Any = None  # the root's ScreenManager, from manage_screens
        self.watchdog: Watchdog | None = None
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
        """The face's root: `root_class` of its root.kv, showing its screens (manage_screens)."""
        Builder.load_file(str(self.face_folder() / "root.kv"))
        return self.manage_screens(Factory.get(self.root_class)())

    @classmethod
    def face_package(cls) -> str:
        """The package of the face's app.py, kiosk_app.<face>."""
        return cls.__module__.rsplit(".", 1)[0]

    @classmethod
    def face_folder(cls) -> Path:
        return Path(sys.modules[cls.__module__].__file__ or "").resolve().parent

    def started(self) -> None:
        """After the controller and the broker link have started (devices, timers of the face)."""

    def stop_devices(self) -> None:
        """At the end, after the controller and before the broker link."""

    def first_frame_ready(self) -> bool:
        """Whether a frame shows what the face is for (the kiosk: its catalog), for the start time."""
        return True

    def remote_commands(self) -> Mapping[str, Command] | None:
        """The face's own remote-control commands besides common/remote.py's."""
        return None

    # --- building ---------------------------------------------------------------------------------
    def build(self):
        register_fonts()
        load_widgets()
        if self.staff_widgets:
            load_staff_widgets()
        ExceptionManager.add_handler(_KeepRunning(self))
        self.start_watchdog()
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
        self.started()
        if os.environ.get("HALL_SCREEN_CONTROL"):  # tests and demos only, see common/remote.py
            self.remote = RemoteControl.from_env(self, self.remote_commands())
        return root

    def start_watchdog(self) -> None:
        """The Kivy loop is this face's one work loop: it beats only while Kivy's clock runs callbacks.
        The pings start with the first frame (READY=1): until then systemd's start timeout is the guard."""
        self.watchdog = Watchdog.from_env()
        self._kivy_beat = self.watchdog.loop("kivy")
        Clock.schedule_interval(lambda _dt: self._kivy_beat.beat(), WATCHDOG_BEAT_S)

    def manage_screens(self, root):
        """`root.sm` (a ScreenManager) shows `state.screen`: the kept screens are built now, any
        other when first shown."""
        self.sm = root.sm
        self.sm.transition = NoTransition()
        for name in self.kept_screens:
            self.screen(name)
        self.show_screen(self.state, self.state.screen)
        self.state.bind(screen=self.show_screen)
        return root

    def screen(self, name: str):
        """The screen called `name`, built now if it is not there yet."""
        if not self.sm.has_screen(name):
            started = time.perf_counter()
            module = importlib.import_module(f"{self.face_package()}.screens.{name}")
            self.sm.add_widget(module.SCREEN(name=name))
            log.debug("screen %s built in %.0f ms", name, (time.perf_counter() - started) * 1000)
        return self.sm.get_screen(name)

    def show_screen(self, _state, name: str) -> None:
        self.screen(name)
        self.sm.current = name

    def _first_flip(self, *_args) -> None:
        if self.first_frame_at is not None:
            return
        if self.watchdog is not None and not self.watchdog_ready:
            self.watchdog_ready = True
            self._kivy_beat.beat()
            if self.watchdog.notifier.enabled:  # under systemd (or a test's socket); else nobody listens
                self.watchdog.start()
            self.watchdog.ready(f"{self.role} {self.node.id}: window up")  # whatever the window shows yet
        if not self.first_frame_ready():
            Clock.schedule_once(lambda _dt: Window.canvas.ask_update(), 0.02)
            return
        self.first_frame_at = time.perf_counter()
        self.first_frame_wall = time.time()
        log.info("first frame %.0f ms after start", (self.first_frame_at - self.started_at) * 1000)
        Window.unbind(on_flip=self._first_flip)

    def on_stop(self) -> None:
        if self.watchdog is not None:
            self.watchdog.stop()  # STOPPING=1: an orderly end, not a hang
        if self.remote is not None:
            self.remote.stop()
        if self.ctl is not None:
            try:
                self.ctl.stop()
            except Exception:
                log.exception("stopping the controller failed")
        self.stop_devices()
        if self.client is not None:
            self.client.stop()

    # --- remote control (tests, demos) --------------------------------------------------------------
    def remote_state(self) -> dict[str, Any]:
        data = state_dict(self.state)
        data["ui_errors"] = self.ui_errors
        data["metrics"] = plain(getattr(self.ctl, "metrics", {}))
        data["first_frame_ms"] = ((self.first_frame_at - self.started_at) * 1000) if self.first_frame_at else None
        data["first_frame_wall"] = self.first_frame_wall
        data["px_per_mm"] = self.theme.px_per_mm
        data["window"] = list(Window.size)
        data["pid"] = os.getpid()
        return data

    def remote_call(self, method: str, *args: Any) -> Any:
        """A controller method by name (what a button's on_release calls)."""
        return plain(getattr(self.ctl, method)(*args))


class StaffScreenApp(HallScreenApp):
    """The counter terminal and the supervisor tablet: a StaffTheme, `state_class()`, a `controller_class`
    (a StaffController) on the hall's local clock, every screen of the face's list built at start."""

    state_class: type | None = None
    controller_class: Any = None  # the face's StaffController subclass

    @property
    def kept_screens(self) -> tuple[str, ...]:  # type: ignore[override]
        return importlib.import_module(f"{self.face_package()}.screens").SCREENS

    def make_theme(self):
        return StaffTheme(px_per_mm=self.settings.px_per_mm)

    def make_state(self):
        return self.state_class()

    def make_controller(self, client: HallClient):
        tz = ZoneInfo(self.site_config.site.timezone)
        return self.controller_class(
            self.site_config, self.node, self.settings, self.state, client, lambda: datetime.now(tz)
        )


def state_dict(state) -> dict[str, Any]:
    """A Kivy EventDispatcher's properties as plain data (for the remote control)."""
    out: dict[str, Any] = {}
    for name in state.properties():
        value = getattr(state, name)
        if isinstance(value, dict):  # Kivy's ObservableDict is one
            value = dict(value)
        elif isinstance(value, list | tuple):
            value = list(value)
        if isinstance(value, str | int | float | bool | list | dict | type(None)):
            out[name] = value
    return out


def plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
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
