"""python -m kiosk_app.supervisor --config SITE.yaml --node supervisor-1

The supervisor tablet on one supervisor node of a site file. Environment:
  HALL_MQTT_URL          the hall's MQTT broker (may carry the node's credentials; never printed)
  HALL_SCREEN_CONTROL    a Unix socket path: accept test/automation commands (kiosk_app/common/remote.py)
  HALL_CJK_FONT          another Chinese font file
"""

from __future__ import annotations

import sys

from ..common.launch import screen_main
from .settings import SupervisorSettings


def main(argv: list[str] | None = None) -> int:
    return screen_main(
        argv,
        prog="python -m kiosk_app.supervisor",
        role="supervisor",
        description="the hall's supervisor tablet",
        settings_model=SupervisorSettings,
        app_factory="kiosk_app.supervisor.app:SupervisorApp",
    )


if __name__ == "__main__":
    sys.exit(main())
