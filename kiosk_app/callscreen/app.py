"""The call screen's Kivy App: a DisplayTheme (sizes in mm of the panel), the state, the controller."""

from __future__ import annotations

from datetime import datetime

from ..common.app import HallScreenApp
from ..common.staff_theme import DisplayTheme
from .controller import CallScreenController
from .state import CallScreenState


def local_now(tz):
    return lambda: datetime.now(tz)


class CallScreenApp(HallScreenApp):
    role = "display"

    def make_theme(self):
        return DisplayTheme(px_per_mm=self.settings.px_per_mm)

    def make_state(self):
        cfg, s = self.site_config, self.settings
        return CallScreenState(
            home_queues={c.id: list(c.home) for c in cfg.counters},
            queue_names={q.id: q.name for q in cfg.queues},
            zones=s.zones,
            flash_s=s.flash_s,
            fresh_change_s=s.fresh_change_s,
            static_notices=s.notices,
            site_name=cfg.site.short_name or cfg.site.name,
            display_name=s.display_name or "",
        )

    def make_controller(self, client):
        from zoneinfo import ZoneInfo

        return CallScreenController(
            self.state, client, self.settings, local_now(ZoneInfo(self.site_config.site.timezone))
        )

    def build_root(self):
        from kivy.core.window import Window

        from .colours import COLOURS
        from .screens.hall import CallScreen

        Window.clearcolor = COLOURS["bg"]  # the background costs no drawing
        return CallScreen()
