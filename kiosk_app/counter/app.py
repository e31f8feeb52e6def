"""The counter terminal's Kivy App: header, message line, the screens (root.kv, screens/)."""

from __future__ import annotations

from ..common.app import StaffScreenApp
from .controller import CounterController
from .state import CounterState

STATUS = {"open": "服务中", "paused": "暂停叫号", "closed": "未开窗"}


class CounterApp(StaffScreenApp):
    role = "counter"
    root_class = "CounterRoot"
    state_class = CounterState
    controller_class = CounterController

    def status_text(self, status: str) -> str:
        return STATUS.get(status, status)
