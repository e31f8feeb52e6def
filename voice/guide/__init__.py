"""Spoken navigation for blind citizens at the kiosk (issue 23 item 1): a pure model of what is read on
each screen and what each key does (`BlindGuide`), its texts in Mandarin and English, and their rendering
to WAVs through the voice package's engines and cache (`GuideVoice`). No Kivy: the kiosk's blind mode
(kiosk_app/kiosk/blind.py) binds to it. See docs/voice.md, "Spoken navigation"."""

from .model import Action, BlindGuide, Line, Step
from .render import GuideVoice

__all__ = ["Action", "BlindGuide", "GuideVoice", "Line", "Step"]
