"""python -m kiosk_app --config SITE.yaml --node kiosk-1 (or python -m kiosk_app.kiosk): the citizen
kiosk of one node of a site file (common/launch.py: the options; KIOSK_CLOCK below)."""

import os
import sys

from ..common.launch import Face
from .clock import KioskClock
from .settings import KioskSettings


def _clock() -> dict:
    return {"clock": KioskClock(os.environ.get("KIOSK_CLOCK") or None)}  # a bad time: ValueError, exit 2


FACE = Face(
    "kiosk",
    KioskSettings,
    "kiosk_app.kiosk.app:KioskApp",
    "the citizen kiosk of a hall",
    prog="python -m kiosk_app",
    environment='  KIOSK_CLOCK          start the clock at this ISO time (demos and tests: "show it at 22:00")',
    resizable=False,  # a kiosk's window is its panel
    app_kwargs=_clock,
)
main = FACE.main

if __name__ == "__main__":
    sys.exit(main())
