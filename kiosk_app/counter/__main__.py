"""python -m kiosk_app.counter --config SITE.yaml --node counter-c01

The terminal of one counter (the node's `counter_id`) with the node's devices (caller keypad, rating
pad, printer, LED strip). Environment:
  HALL_MQTT_URL          the hall's MQTT broker (may carry the node's credentials; never printed)
  HALL_SCREEN_CONTROL    a Unix socket path: accept test/automation commands (kiosk_app/common/remote.py)
  HALL_CJK_FONT          another Chinese font file
"""

from __future__ import annotations

import sys

from ..common.launch import screen_main
from .settings import CounterSettings


def main(argv: list[str] | None = None) -> int:
    return screen_main(
        argv,
        prog="python -m kiosk_app.counter",
        role="counter",
        description="the terminal of one counter",
        settings_model=CounterSettings,
        app_factory="kiosk_app.counter.app:CounterApp",
    )


if __name__ == "__main__":
    sys.exit(main())
