"""The supervisor tablet's Kivy App: header with navigation, message line, the screens (root.kv,
screens/)."""

from __future__ import annotations

from ..common.app import StaffScreenApp
from .controller import SupervisorController
from .state import SupervisorState


class SupervisorApp(StaffScreenApp):
    role = "supervisor"
    root_class = "SupervisorRoot"
    state_class = SupervisorState
    controller_class = SupervisorController
