"""差评整改 and 有诉即办 on the supervisor tablet: the shared case screen (common/case_screen.py)."""

from ...common.case_screen import CasesScreen

SCREEN = CasesScreen
