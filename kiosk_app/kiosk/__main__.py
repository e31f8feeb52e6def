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
import time

T0 = time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    from ..common.screen_app import node_from_command_line

    parsed = node_from_command_line(
        argv, prog="python -m kiosk_app", role="kiosk", description="the citizen kiosk of a hall"
    )
    if isinstance(parsed, int):
        return parsed
    args, cfg, node, size = parsed

    from .clock import KioskClock
    from .settings import KioskSettingsError, kiosk_settings

    try:
        settings = kiosk_settings(node)
        clock = KioskClock(os.environ.get("KIOSK_CLOCK") or None)
    except (KioskSettingsError, ValueError) as exc:
        print(f"{args.config}: {exc}", file=sys.stderr)
        return 2
    width, height = size or (settings.width, settings.height)

    from kivy.config import Config

    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "resizable", "0")
    Config.set("graphics", "fullscreen", "auto" if settings.fullscreen and not args.windowed else "0")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")  # a tap is a tap, never a red multitouch dot
    # no multisample anti-aliasing (Kivy asks for 2x): text is textures and the screens are rectangles,
    # while 2x MSAA doubles the frame and depth buffers: 66 MB of a 1080x1920 window in software GL
    Config.set("graphics", "multisamples", "0")

    from .app import KioskApp

    KioskApp(cfg, node, settings, clock=clock, started_at=T0).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
