"""Issue a green-channel (绿色通道) or disability-priority (残疾人优先) ticket at this counter, with a reason
from the hall's list (common/priority_issue.py, priority_panel.py): the number is shown large and printed
on the counter's printer for the citizen to take."""

from __future__ import annotations

from ...common.priority_panel import PriorityPanel, load_priority_panel  # noqa: F401 - the .kv uses it
from ...common.screen import FaceScreen, load_kv

load_priority_panel()
load_kv(__file__)

PRINT_TEXT = {
    "printing": "号票打印中……",
    "printed": "号票已打印，请交给群众",
    "failed": "号票未打印：请把号码告诉群众或写在纸上",
    "none": "本窗口没有打印机：请把号码告诉群众",
}


class PriorityScreen(FaceScreen):
    print_text = PRINT_TEXT


SCREEN = PriorityScreen
