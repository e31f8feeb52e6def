"""Issue a green-channel (绿色通道) or disability-priority (残疾人优先) ticket from the tablet, with a reason
from the hall's list; the supervisor logged in is recorded as the issuer (common/priority_issue.py,
priority_panel.py)."""

from __future__ import annotations

from ...common.priority_panel import PriorityPanel, load_priority_panel  # noqa: F401 - the .kv uses it
from ...common.screen import FaceScreen, load_kv

load_priority_panel()
load_kv(__file__)


class PriorityScreen(FaceScreen):
    pass


SCREEN = PriorityScreen
