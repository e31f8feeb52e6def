"""The screensaver: the hall's name, the time, its notices and hours, and 'touch to start'.

It wakes on a touch anywhere (the whole screen is one target), on camera presence, on an ID card
or a scan. It never holds personal data: it is only reached from an empty home screen."""

from __future__ import annotations

from kivy.clock import Clock

from ..hours import WEEKDAYS_ZH
from .base import KioskScreen, load_kv

load_kv(__file__)


class ScreensaverScreen(KioskScreen):
    _event = None
    _index = 0

    def notices(self) -> list[str]:
        app = self.app
        site = app.site_config.site
        lines = list(app.settings.notices)
        hours = []
        for key, label in zip(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), WEEKDAYS_ZH, strict=True):
            periods = site.opening_hours.get(key) or []
            if periods:
                hours.append(label + " " + "、".join(f"{p.start}–{p.end}" for p in periods))
        if hours:
            lines.append(self.tr("hours_line", hours="；".join(_compact(hours))))
        if site.self_service.service_ids:
            lines.append(self.tr("self_service_24h"))
        return lines or [site.name]

    def on_enter(self, *_args) -> None:
        self._index = 0
        self.rotate()
        self._event = Clock.schedule_interval(self.rotate, 6.0)

    def on_leave(self, *_args) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def rotate(self, *_args) -> None:
        lines = self.notices()
        self.ids.notice.text = lines[self._index % len(lines)]
        self._index += 1


def _compact(days: list[str]) -> list[str]:
    """'周一 08:30–12:00、14:00–17:30' × 5 → '周一至周五 08:30–12:00、14:00–17:30'."""
    if not days:
        return days
    out: list[list] = []
    for d in days:
        label, hours = d.split(" ", 1)
        if out and out[-1][2] == hours:
            out[-1][1] = label
        else:
            out.append([label, label, hours])
    return [f"{a}至{b} {h}" if a != b else f"{a} {h}" for a, b, h in out]


SCREEN = ScreensaverScreen
