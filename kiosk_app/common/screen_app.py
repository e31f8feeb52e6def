"""What the hall's staff and display screens share (call screen, counter terminal, supervisor tablet):
their settings from the node's `screen:` mapping, the command line, Kivy's configuration, and a
base App that owns the broker link (HallClient), the theme and the optional remote control.

    python -m kiosk_app.callscreen --config SITE.yaml --node display-1 [--window 1080x1920] [--windowed]

Each app gives: its role, its settings model, its screens, and a state object (no I/O) plus a
controller (all I/O) that its .kv rules reach as `app.state` and `app.ctl`.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .memory import tune_malloc

log = logging.getLogger(__name__)


class ScreenSettings(BaseModel):
    """The `screen:` mapping of a node in the site YAML; every key optional, unknown keys refused."""

    model_config = ConfigDict(extra="forbid")

    width: int = Field(default=1280, ge=320, le=7680)
    height: int = Field(default=800, ge=240, le=7680)
    diagonal_in: float = Field(default=10.1, gt=3, le=120)
    fullscreen: bool = False
    display_name: str | None = None
    request_timeout_s: float = Field(default=5.0, gt=0, le=60)
    reconnect_max_s: int = Field(default=10, ge=1, le=300)
    server_silent_after_s: float = Field(default=35.0, gt=0)  # no state/queues this long: broker down

    @property
    def px_per_mm(self) -> float:
        return math.hypot(self.width, self.height) / (self.diagonal_in * 25.4)


class SettingsError(ValueError):
    pass


def load_settings(model: type[ScreenSettings], node, size: tuple[int, int] | None = None) -> ScreenSettings:
    try:
        settings = model.model_validate(node.screen or {})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'screen'}: {e['msg']}" for e in exc.errors())
        raise SettingsError(f"node {node.id}: screen: {problems}") from None
    if size:
        # another window on the same panel: same pixel density, other size (e.g. portrait)
        ppm = settings.px_per_mm
        settings.width, settings.height = size
        settings.diagonal_in = math.hypot(*size) / (ppm * 25.4)
    return settings


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
) -> int:
    """Parse the command line, load the site file, configure Kivy and run the app.

    `app_factory` is "module:Class" of the App, imported only after Kivy is configured. Memory is set
    here, by the program itself, as for the kiosk (kiosk_app/common/memory.py, docs/kiosk.md "Memory"): glibc's
    mmap threshold fixed, and no multisampling."""
    t0 = time.perf_counter()
    parsed = node_from_command_line(argv, prog=prog, role=role, description=description)
    if isinstance(parsed, int):
        return parsed
    args, cfg, node, size = parsed
    try:
        settings = load_settings(settings_model, node, size)
    except SettingsError as exc:
        print(f"{args.config}: {exc}", file=sys.stderr)
        return 2

    from kivy.config import Config

    Config.set("graphics", "width", str(settings.width))
    Config.set("graphics", "height", str(settings.height))
    Config.set("graphics", "resizable", "1")
    Config.set("graphics", "fullscreen", "auto" if settings.fullscreen and not args.windowed else "0")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    # no multisample anti-aliasing (Kivy asks for 2x), as the kiosk: text is textures and the screens
    # are rectangles, while 2x MSAA doubles the frame and depth buffers (66 MB of a 1080x1920 window in
    # software GL)
    Config.set("graphics", "multisamples", "0")

    module_name, class_name = app_factory.split(":")
    app_class = getattr(importlib.import_module(module_name), class_name)
    app_class(cfg, node, settings, started_at=t0).run()
    return 0


def load_kv(module_file: str) -> None:
    """Load `<module>.kv` beside a screen's module, once."""
    from kivy.lang import Builder

    path = str(Path(module_file).with_suffix(".kv"))
    if path not in Builder.files:
        Builder.load_file(path)


def state_dict(state) -> dict[str, Any]:
    """A Kivy EventDispatcher's properties as plain data (for the remote control)."""
    out: dict[str, Any] = {}
    for name in state.properties():
        value = getattr(state, name)
        if hasattr(value, "items"):
            value = dict(value)
        elif isinstance(value, list | tuple):
            value = list(value)
        if isinstance(value, str | int | float | bool | list | dict | type(None)):
            out[name] = value
    return out
