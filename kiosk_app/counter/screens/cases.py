"""Cases at a counter: the complaint desk works every 差评整改 and 有诉即办 case; another counter sees the cases
about itself (申诉, 整改). The shared case screen (common/case_screen.py)."""

from ...common.case_screen import CasesScreen

SCREEN = CasesScreen
