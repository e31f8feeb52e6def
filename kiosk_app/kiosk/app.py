"""The Kivy application: one window, a header, the screens, a footer that always leads home.

A HallScreenApp like every face (common/app.py). Built from a site config and a kiosk node: the
HallClient (broker link), the devices, the speaker and the controller are made here and handed to
each other; screens reach them as `app.state`, `app.ctl` and `app.theme` in their .kv rules.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.screenmanager import NoTransition

from devices.health import HealthReporter
from queue_broker.config.models import NodeEntry, SiteConfig

from ..common.app import HallScreenApp
from ..common.hall_client import HallClient, kivy_ui_call
from ..common.memory import release_memory
from ..common.speech import Speaker
from ..common.theme import Theme
from .blind import LONG_PRESS_S, BlindMode
from .blind_voice import BlindVoice
from .controller import KioskController
from .hardware import KioskHardware
from .i18n import t
from .screens import KEPT_SCREENS
from .settings import KioskSettings
from .state import KioskState


class KioskApp(HallScreenApp):
    role = "kiosk"
    staff_widgets = False
    root_class = "KioskRoot"
    kept_screens = KEPT_SCREENS
    settings: KioskSettings  # the base keeps it as given; a kiosk's are KioskSettings

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
        self.clock_fn = clock
        self.hardware: KioskHardware | None = None
        self.speaker: Speaker | None = None
        self.blind_voice: BlindVoice | None = None
        self._long_press = None  # the scheduled check of the touch held down now
        super().__init__(config, node, settings, started_at=started_at, **kwargs)

    def t(self, key: str, language: str = "zh", **values) -> str:
        return t(key, language, **values)

    # --- building ---------------------------------------------------------------------------
    def make_theme(self):
        return Theme(px_per_mm=self.settings.px_per_mm, large=self.settings.elderly_by_default)

    def make_state(self):
        return KioskState()

    def make_controller(self, client: HallClient):
        health = HealthReporter(client.publish_health)
        self.speaker = Speaker(enabled=self.settings.speech, cache_dir=os.environ.get("KIOSK_SPEECH_CACHE")).start()
        ctl = KioskController(
            self.site_config,
            self.node,
            self.settings,
            self.state,
            client=client,
            clock=self.clock_fn,
            ui_call=kivy_ui_call,
            speaker=self.speaker,
            health=health,
        )
        blind = ctl.blind = BlindMode(ctl)
        self.blind_voice = blind.voice = BlindVoice(self.speaker.cache / "blind", blind.played)
        self.hardware = KioskHardware(
            self.node,
            health,
            on_card=ctl.card_read,
            on_card_error=ctl.card_error,
            on_scan=ctl.scanned,
            on_presence=ctl.presence,
            card_poll_s=self.settings.card_poll_s,
            printer_check_s=self.settings.printer_check_s,
            on_tactile_key=blind.tactile_key,
            on_tactile_health=blind.keypad_health,
            on_jack=blind.jack_changed,
        )
        ctl.hardware = self.hardware
        return ctl

    def build_root(self):
        self._wrap_swap()  # before the first screen is shown: show_screen uses after_swap
        root = super().build_root()
        self.ctl.housekeeping = self.housekeeping
        self.state.bind(elderly=lambda _s, on: setattr(self.theme, "large", on))
        Window.bind(on_touch_down=self._on_touch_down, on_touch_up=self._on_touch_up)
        return root

    def started(self) -> None:
        assert self.client is not None and self.hardware is not None  # made before the first frame
        Clock.schedule_interval(self.ctl.tick, 1.0)
        # devices open off the UI thread: a slow serial port or camera never delays the first frame
        self.client.run_in_background(self.hardware.start)
        self.client.run_in_background(self.ctl.selfservice.prewarm)  # a kiosk printing records: WeasyPrint ready

    def remote_commands(self):
        from .remote_commands import KIOSK_COMMANDS

        return KIOSK_COMMANDS

    def first_frame_ready(self) -> bool:
        return self.state.catalog is not None  # the first frame that counts shows the catalog

    def show_screen(self, _state, name: str) -> None:
        super().show_screen(_state, name)
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
        self.after_swap: list[Callable[[], object]] = []  # what they return is dropped
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

    def on_next_frame(self, callback: Callable[[], object]) -> None:
        """`callback()` right after the next frame is swapped onto the screen."""
        self.after_swap.append(callback)
        Window.canvas.ask_update()

    def _on_touch_down(self, _window, touch) -> None:
        self.ctl.touched()  # returns None: the touch goes on to the widgets
        if self._long_press is not None:
            self._long_press.cancel()
        self._long_press = Clock.schedule_once(lambda _dt: self._held(touch), LONG_PRESS_S)

    def _on_touch_up(self, *args) -> None:
        if self._long_press is not None:
            self._long_press.cancel()
            self._long_press = None
        self._collect_soon()

    def _held(self, touch) -> None:
        """A finger held ≥ 2 s anywhere starts the blind mode; what it rests on is not pressed."""
        self._long_press = None
        if touch.time_end != -1 or self.state.blind_active:
            return
        for ref in list(touch.grab_list):
            widget = ref()
            if widget is not None and hasattr(widget, "busy"):
                widget.busy = False
            if widget is not None and getattr(widget, "state", None) == "down":
                widget.state = "normal"
        touch.grab_list.clear()
        touch.grab_exclusive_class = None
        self.ctl.blind.start("long_press")

    def stop_devices(self) -> None:
        if self.hardware is not None:
            self.hardware.stop()
        if self.speaker is not None:
            self.speaker.stop()
        if self.blind_voice is not None:
            self.blind_voice.stop()

    # --- remote control (tests, demos) ----------------------------------------------------------
    def remote_state(self) -> dict[str, Any]:
        props = super().remote_state()
        s = self.state
        props["has_personal_data"] = self.ctl.has_personal_data()
        props["target_px"] = self.theme.target
        props["catalog_items"] = len(s.catalog.items) if s.catalog else 0
        props["catalog_names"] = {i.id: i.name for i in s.catalog.items.values()} if s.catalog else {}
        props["devices"] = {k: v.model_dump(mode="json") for k, v in self.ctl.health.latest().items()}
        swaps = sorted(self.swap_ms[-50:])
        props["swap_ms_median"] = swaps[len(swaps) // 2] if swaps else None
        return props
