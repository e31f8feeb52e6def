"""Calling a member of staff to this kiosk, by name: 我需要帮助 (帮办代办) or 我需要优先办理 (priority is
for staff to judge: 绿色通道, 残疾人优先; the kiosk never issues it). The controller sends
`cmd/ticket/help` with the need; the floor gets an `event/alert` at once, the supervisor tablet answers it.
This screen says whether the call got through; leaving it (取消, 返回首页, the timeout) withdraws the
call (`cancel: true`), so nobody walks to an empty kiosk."""

from __future__ import annotations

from .base import KioskScreen, load_kv

load_kv(__file__)


class HelpScreen(KioskScreen):
    def status_text(self, language: str, need: str, phase: str, online: bool) -> str:
        if phase == "sent":
            return self.tr("priority_sent" if need == "priority" else "help_sent")
        if not online:
            return self.tr("help_offline")
        return self.tr("help_failed" if phase == "failed" else "help_sending")


SCREEN = HelpScreen
