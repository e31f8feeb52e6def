"""Taking a complaint in on the supervisor tablet: the shared form (common/complaint_screen.py)."""

from ...common.complaint_screen import ComplaintScreen

SCREEN = ComplaintScreen
