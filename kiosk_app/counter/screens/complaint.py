"""Taking a complaint in at the complaint window: the shared form (common/complaint_screen.py)."""

from ...common.complaint_screen import ComplaintScreen

SCREEN = ComplaintScreen
