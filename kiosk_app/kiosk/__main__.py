"""python -m kiosk_app --config SITE.yaml --node kiosk-1  (or python -m kiosk_app.kiosk)

Runs the citizen kiosk of one node of a site file. Environment:
  HALL_MQTT_URL      the hall's MQTT broker (may carry the node's credentials; never printed)
  KIOSK_CLOCK        start the kiosk's clock at this ISO time (demos and tests: "show it at 22:00")
  HALL_SCREEN_CONTROL  a Unix socket path: accept test/automation commands (kiosk_app/common/remote.py)
  HALL_CJK_FONT      another Chinese font file
"""

from __future__ import annotations

import os
import sys

from ..common.launch import screen_main
from .clock import KioskClock
from .settings import KioskSettings


def main(argv: list[str] | None = None) -> int:
    return screen_main(
        argv,
        prog="python -m kiosk_app",
        role="kiosk",
        description="the citizen kiosk of a hall",
        settings_model=KioskSettings,
        app_factory="kiosk_app.kiosk.app:KioskApp",
        resizable=False,
        app_kwargs=lambda: {"clock": KioskClock(os.environ.get("KIOSK_CLOCK") or None)},
    )


if __name__ == "__main__":
    sys.exit(main())
