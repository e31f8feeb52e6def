"""The Kivy application: one window, a header, the screens, a footer that always leads home.

Built from a site config and a kiosk node: the HallClient (broker link), the devices, the speaker
and the controller are made here and handed to each other; screens reach them as `app.state`,
`app.ctl` and `app.theme` in their .kv rules.
"""

from __future__ import annotations

import gc
import importlib
import logging
import os
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import ObjectProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from devices.health import HealthReporter
from queue_broker.config.models import NodeEntry, SiteConfig

from .. import __version__
from ..common.fonts import register_fonts
from ..common.hall_client import HallClient, kivy_ui_call
from ..common.memory import release_memory
from ..common.speech import Speaker
from ..common.theme import Theme
from ..common.widgets import load_widgets
from .controller import KioskController
from .hardware import KioskHardware
from .i18n import t
from .settings import KioskSettings
from .state import KioskState

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent

# screen name -> module in kiosk_app.kiosk.screens (each module loads its own .kv file)
SCREEN_MODULES = (
    "home",
    "browse",
    "search",
    "item",
    "ticket",
    "idcard",
    "appointment",
    "lookup",
    "help",
    "screensaver",
)
# built at start and kept: the walk-in path (a tap on 取号 must find the ticket screen ready). The
# others are built when shown and dropped when the kiosk is back on its home screen (issue 7: memory).
KEPT_SCREENS = ("home", "item", "ticket")


class KioskRoot(BoxLayout):
    sm = ObjectProperty(None)


class KioskApp(App):
    theme = ObjectProperty(None)
    state = ObjectProperty(None)
    ctl = ObjectProperty(None)

    def __init__(
        self,
        config: SiteConfig,
        node: NodeEntry,
        settings: KioskSettings,
        *,
        clock: Callable[[], datetime],
        started_at: float | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.site_config = config
        self.node = node
        self.settings = settings
        self.clock_fn = clock
        self.started_at = started_at or time.perf_counter()
        self.first_frame_at: float | None = None
        self.first_frame_wall: float | None = None
        self.title = f"{config.site.name} · {node.id}"
        self.theme = Theme(px_per_mm=settings.px_per_mm, large=settings.elderly_by_default)
        self.state = KioskState()
        self.client: HallClient | None = None
        self.hardware: KioskHardware | None = None
        self.speaker: Speaker | None = None
        self.remote = None  # the test/automation control socket, only with HALL_SCREEN_CONTROL

    def t(self, key: str, language: str = "zh", **values) -> str:
        return t(key, language, **values)

    # --- building ---------------------------------------------------------------------------
    def build(self):
        register_fonts()
        load_widgets()
        Builder.load_file(str(HERE / "root.kv"))
        self.client = HallClient(
            self.site_config,
            self.node.id,
            "kiosk",
            version=__version__,
            zone=self.node.zone,
            reconnect_max_s=self.settings.reconnect_max_s,
        )
        health = HealthReporter(self.client.publish_health)
        self.speaker = Speaker(enabled=self.settings.speech, cache_dir=os.environ.get("KIOSK_SPEECH_CACHE")).start()
        ctl = KioskController(
            self.site_config,
            self.node,
            self.settings,
            self.state,
            client=self.client,
            clock=self.clock_fn,
            ui_call=kivy_ui_call,
            speaker=self.speaker,
            health=health,
        )
        self.ctl = ctl
        self.hardware = KioskHardware(
            self.node,
            health,
            on_card=ctl.card_read,
            on_card_error=ctl.card_error,
            on_scan=ctl.scanned,
            on_presence=ctl.presence,
            card_poll_s=self.settings.card_poll_s,
            printer_check_s=self.settings.printer_check_s,
        )
        ctl.hardware = self.hardware

        self._wrap_swap()
        root = KioskRoot()
        self.sm: ScreenManager = root.sm
        self.sm.transition = NoTransition()
        for name in KEPT_SCREENS:
            self.screen(name)
        self._show(self.state, self.state.screen)
        self.state.bind(screen=self._show)
        ctl.housekeeping = self.housekeeping
        self.state.bind(elderly=lambda _s, on: setattr(self.theme, "large", on))
        Window.bind(on_touch_down=self._on_touch_down, on_touch_up=self._collect_soon)
        Window.bind(on_flip=self._first_flip)
        ctl.start()
        Clock.schedule_interval(ctl.tick, 1.0)
        self.client.start()
        # devices open off the UI thread: a slow serial port or camera never delays the first frame
        self.client.run_in_background(self.hardware.start)
        if os.environ.get("HALL_SCREEN_CONTROL"):  # tests and demos only, see kiosk_app/common/remote.py
            from ..common.remote import RemoteControl
            from .remote_commands import KIOSK_COMMANDS

            self.remote = RemoteControl.from_env(self, KIOSK_COMMANDS)
        return root

    def screen(self, name: str):
        """The screen called `name`, built now if it is not there yet."""
        if not self.sm.has_screen(name):
            started = time.perf_counter()
            module = importlib.import_module(f"kiosk_app.kiosk.screens.{name}")
            self.sm.add_widget(module.SCREEN(name=name))
            log.debug("screen %s built in %.0f ms", name, (time.perf_counter() - started) * 1000)
        return self.sm.get_screen(name)

    def _show(self, _state, name: str) -> None:
        self.screen(name)
        self.sm.current = name
        if name == "home":  # a flow has ended: its screens go, built again (5-50 ms) when next shown
            self.after_swap.append(self._drop_screens)
        self._collect_soon()

    def _drop_screens(self) -> None:
        for screen in list(self.sm.screens):
            if screen.name not in KEPT_SCREENS and screen.name != self.sm.current:
                self.sm.remove_widget(screen)
        self.sm.transition = NoTransition()  # the old one keeps the last screen left (screen_out)

    def _collect_soon(self, *_args) -> None:
        """A tap or a new screen drops widgets and their textures, which are in reference cycles:
        collect them (15-30 ms) right after the next frame is on the glass, rather than let a few
        flows of them pile up (about 30 MB) until Python's next full collection."""
        if gc.collect not in self.after_swap:
            self.after_swap.append(gc.collect)  # no frame asked for: a tap or a new screen draws one

    def housekeeping(self) -> None:
        """Idle on the home screen after a flow (or the start): build the search index of a new
        catalog (pypinyin is loaded for it, then unloaded), give memory back. Here, on a quiet
        kiosk, rather than at a citizen's first search on a busy one."""
        if self.state.catalog is not None:
            self.state.catalog.search_index()
        self._drop_screens()  # the screensaver, once it is left
        gc.collect()
        # Kivy deletes the GL textures of freed widgets when it draws the next frame: only then is
        # their memory free to give back
        self.on_next_frame(release_memory)

    def _wrap_swap(self) -> None:
        """Know when a frame is really on the glass: after the buffer swap, not at `on_flip` (which
        Kivy dispatches before it swaps). Used for tap-to-ticket timing and frame costs."""
        swap = Window.flip
        self.after_swap: list[Callable[[], None]] = []
        self.swap_ms: list[float] = []

        def flip() -> None:
            t = time.perf_counter()
            swap()
            self.swap_ms.append((time.perf_counter() - t) * 1000)
            del self.swap_ms[:-200]
            callbacks, self.after_swap[:] = list(self.after_swap), []
            for cb in callbacks:
                cb()

        Window.flip = flip

    def on_next_frame(self, callback: Callable[[], None]) -> None:
        """`callback()` right after the next frame is swapped onto the screen."""
        self.after_swap.append(callback)
        Window.canvas.ask_update()

    def _on_touch_down(self, _window, _touch) -> None:
        self.ctl.touched()  # returns None: the touch goes on to the widgets

    def _first_flip(self, *_args) -> None:
        if self.first_frame_at is None and self.state.catalog is not None:
            self.first_frame_at = time.perf_counter()
            self.first_frame_wall = time.time()
            log.info("first frame with the catalog %.0f ms after start", (self.first_frame_at - self.started_at) * 1000)
            Window.unbind(on_flip=self._first_flip)
        elif self.first_frame_at is None:
            Clock.schedule_once(lambda _dt: Window.canvas.ask_update(), 0.02)

    def on_stop(self) -> None:
        if self.remote is not None:
            self.remote.stop()
        if self.ctl is not None and self.state.help_active:
            self.ctl.cancel_help()
        if self.hardware is not None:
            self.hardware.stop()
        if self.speaker is not None:
            self.speaker.stop()
        if self.client is not None:
            self.client.stop()

    # --- remote control (tests, demos) ----------------------------------------------------------
    def remote_state(self) -> dict[str, Any]:
        s = self.state
        props = {name: getattr(s, name) for name in s.properties() if name not in ("catalog",)}
        for k, v in list(props.items()):
            if hasattr(v, "items"):
                props[k] = dict(v)
            elif isinstance(v, list):
                props[k] = list(v)
        props["has_personal_data"] = self.ctl.has_personal_data()
        props["metrics"] = dict(self.ctl.metrics)
        props["first_frame_ms"] = ((self.first_frame_at - self.started_at) * 1000) if self.first_frame_at else None
        props["first_frame_wall"] = self.first_frame_wall
        props["px_per_mm"] = self.theme.px_per_mm
        props["target_px"] = self.theme.target
        props["catalog_items"] = len(s.catalog.items) if s.catalog else 0
        props["catalog_names"] = {i.id: i.name for i in s.catalog.items.values()} if s.catalog else {}
        props["devices"] = {k: v.model_dump(mode="json") for k, v in self.ctl.health.latest().items()}
        props["pid"] = os.getpid()
        swaps = sorted(self.swap_ms[-50:])
        props["swap_ms_median"] = swaps[len(swaps) // 2] if swaps else None
        return props

    def remote_call(self, method: str, *args: Any) -> dict:
        """A controller method by name (what a button's on_release calls)."""
        getattr(self.ctl, method)(*args)
        return {"ok": True}
