"""How every face starts (the kiosk, the call screen, the counter terminal, the supervisor tablet):
the command line, the site file and this node, the face's settings (settings.py), Kivy's
configuration, then the face's App (app.py: HallScreenApp).

    python -m kiosk_app.callscreen --config SITE.yaml --node display-1 [--window 1080x1920] [--windowed]
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from .memory import tune_malloc
from .settings import ScreenSettings, SettingsError, load_settings

log = logging.getLogger(__name__)


def node_from_command_line(argv: list[str] | None, *, prog: str, role: str, description: str):
    """What every hall screen starts with (the kiosk too): memory settings, Kivy kept off our options,
    `--config --node [--window] [--windowed] [--log-level]`, logging, the site file and this node.
    Returns (args, config, node, size or None), or an exit code after saying why on stderr."""
    tune_malloc()  # before anything large is allocated (kiosk_app/common/memory.py)
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # else Kivy takes our options as its own (exit 2)
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_CLIPBOARD", "sdl2")  # not xsel/xclip, absent on hall boards
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--config", required=True, help="the site YAML")
    parser.add_argument("--node", required=True, help=f"this {role} node's id in the site file")
    parser.add_argument("--window", help="WIDTHxHEIGHT in pixels, instead of the node's screen size")
    parser.add_argument("--windowed", action="store_true", help="never full screen (development)")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.log_level.upper() != "DEBUG":
        os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")

    from queue_broker.config.loader import ConfigError, load_site_config

    try:
        cfg = load_site_config(args.config)
    except ConfigError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        return 2
    node = next((n for n in cfg.nodes if n.id == args.node), None)
    if node is None or node.role != role:
        same = ", ".join(n.id for n in cfg.nodes if n.role == role) or "none"
        print(f"{args.config}: no {role} node {args.node!r} ({role} nodes: {same})", file=sys.stderr)
        return 2
    size = None
    if args.window:
        try:
            size = tuple(int(v) for v in args.window.lower().split("x"))
            assert len(size) == 2
        except (ValueError, AssertionError):
            print(f"--window {args.window!r}: use WIDTHxHEIGHT, e.g. 1920x1080", file=sys.stderr)
            return 2
    return args, cfg, node, size


def screen_main(
    argv: list[str] | None,
    *,
    prog: str,
    role: str,
    description: str,
    settings_model: type[ScreenSettings],
    app_factory: str,
    resizable: bool = True,
    app_kwargs: Callable[[], dict[str, Any]] | None = None,
) -> int:
    """Parse the command line, load the site file, configure Kivy and run the app.

    `app_factory` is "module:Class" of the App, imported only after Kivy is configured; `app_kwargs()`
    gives what else it takes (a ValueError there stops the start with its reason). Memory is set here,
    by the program itself, for every face (kiosk_app/common/memory.py, docs/kiosk.md "Memory"): glibc's
    mmap threshold fixed, and no multisampling."""
    t0 = time.perf_counter()
    parsed = node_from_command_line(argv, prog=prog, role=role, description=description)
    if isinstance(parsed, int):
        return parsed
    args, cfg, node, size = parsed
    try:
        settings = load_settings(settings_model, node, size)
        extra = app_kwargs() if app_kwargs is not None else {}
    except (SettingsError, ValueError) as exc:
        print(f"{args.config}: {exc}", file=sys.stderr)
        return 2

    from kivy.config import Config

    Config.set("graphics", "width", str(settings.width))
    Config.set("graphics", "height", str(settings.height))
    Config.set("graphics", "resizable", "1" if resizable else "0")
    Config.set("graphics", "fullscreen", "auto" if settings.fullscreen and not args.windowed else "0")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")  # a tap is a tap, never a red multitouch dot
    # no multisample anti-aliasing (Kivy asks for 2x): text is textures and the screens are rectangles,
    # while 2x MSAA doubles the frame and depth buffers (66 MB of a 1080x1920 window in software GL)
    Config.set("graphics", "multisamples", "0")

    module_name, class_name = app_factory.split(":")
    app_class = getattr(importlib.import_module(module_name), class_name)
    app_class(cfg, node, settings, started_at=t0, **extra).run()
    return 0
