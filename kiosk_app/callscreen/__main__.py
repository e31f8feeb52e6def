"""python -m kiosk_app.callscreen --config SITE.yaml --node display-1 [--window 1080x1920]

The hall's call screen on one display node of a site file. Environment:
  HALL_MQTT_URL          the hall's MQTT broker (may carry the node's credentials; never printed)
  HALL_SCREEN_CONTROL    a Unix socket path: accept test/automation commands (kiosk_app/common/remote.py)
  HALL_CJK_FONT          another Chinese font file
"""

from __future__ import annotations

import sys

from ..common.launch import screen_main
from .settings import CallScreenSettings


def main(argv: list[str] | None = None) -> int:
    return screen_main(
        argv,
        prog="python -m kiosk_app.callscreen",
        role="display",
        description="the hall's call screen",
        settings_model=CallScreenSettings,
        app_factory="kiosk_app.callscreen.app:CallScreenApp",
    )


if __name__ == "__main__":
    sys.exit(main())
