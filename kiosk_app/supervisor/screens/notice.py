"""Broadcast a notice to the hall's call screens (cmd/supervisor/notice → event/notice)."""

from __future__ import annotations

from ...common.screen import FaceScreen, load_kv

load_kv(__file__)

DURATIONS = ((30, "30分钟"), (120, "2小时"), (0, "直到撤下"))


class NoticeScreen(FaceScreen):
    durations = DURATIONS

    def send(self, minutes: int) -> None:
        self.ctl.send_notice(self.ids.text.text, minutes or None)


SCREEN = NoticeScreen
