"""python -m kiosk_app --config SITE.yaml --node kiosk-1

Runs the citizen kiosk of one node of a site file. Environment:
  HALL_MQTT_URL      the hall's MQTT broker (may carry the node's credentials; never printed)
  KIOSK_CLOCK        start the kiosk's clock at this ISO time (demos and tests: "show it at 22:00")
  HALL_SCREEN_CONTROL  a Unix socket path: accept test/automation commands (kiosk_app/common/remote.py)
  HALL_CJK_FONT      another Chinese font file
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

from .memory import tune_malloc

T0 = time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    tune_malloc()  # before anything large is allocated (kiosk_app/memory.py)
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # else Kivy takes our options as its own (exit 2)
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    parser = argparse.ArgumentParser(prog="python -m kiosk_app", description="the citizen kiosk of a hall")
    parser.add_argument("--config", required=True, help="the site YAML")
    parser.add_argument("--node", required=True, help="this kiosk's node id in the site file")
    parser.add_argument("--window", help="WIDTHxHEIGHT in pixels, instead of the node's screen size")
    parser.add_argument("--windowed", action="store_true", help="never full screen (development)")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.log_level.upper() != "DEBUG":
        os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")

    from queue_broker.config.loader import ConfigError, load_site_config

    from .clock import KioskClock
    from .settings import KioskSettingsError, kiosk_settings

    try:
        cfg = load_site_config(args.config)
    except ConfigError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        return 2
    node = next((n for n in cfg.nodes if n.id == args.node), None)
    if node is None or node.role != "kiosk":
        kiosks = ", ".join(n.id for n in cfg.nodes if n.role == "kiosk") or "none"
        print(f"{args.config}: no kiosk node {args.node!r} (kiosk nodes: {kiosks})", file=sys.stderr)
        return 2
    try:
        settings = kiosk_settings(node)
        clock = KioskClock(os.environ.get("KIOSK_CLOCK") or None)
    except (KioskSettingsError, ValueError) as exc:
        print(f"{args.config}: {exc}", file=sys.stderr)
        return 2
    width, height = settings.width, settings.height
    if args.window:
        width, height = (int(v) for v in args.window.lower().split("x"))

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
