"""How every face starts (the kiosk, the call screen, the counter terminal, the supervisor tablet).

Each face declares itself once, in its `__main__.py`, as a `Face`: the node role it runs on, its
settings model (settings.py), its App (app.py: a HallScreenApp) and what `--help` says of it. Its
`main` reads the command line, the site file and this node, the face's settings, configures Kivy,
then runs the App:

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
from dataclasses import dataclass
from typing import Any

from queue_broker.logs import setup_logging

from .memory import tune_malloc
from .settings import ScreenSettings, SettingsError, load_settings

log = logging.getLogger(__name__)

# what every face reads from its environment (a face's own variables come after, in Face.environment)
ENVIRONMENT = """\
environment:
  HALL_MQTT_URL        the hall's MQTT broker (may carry the node's credentials; never printed)
  HALL_SCREEN_CONTROL  a Unix socket path: accept test/automation commands (kiosk_app/common/remote.py)
  HALL_CJK_FONT        another Chinese font file"""


@dataclass(frozen=True)
class Face:
    """One face as `python -m` starts it. `app` is "module:Class" of its App, imported only after Kivy
    is configured; `app_kwargs()` gives what else the App takes (a ValueError there stops the start
    with its reason)."""

    role: str  # the node role in the site file this face runs on
    settings: type[ScreenSettings]  # the node's `screen:` mapping
    app: str
    description: str  # what --help says it is
    prog: str = ""  # default: python -m <the App's package>
    environment: str = ""  # the face's own environment variables, for --help (lines as in ENVIRONMENT)
    resizable: bool = True
    app_kwargs: Callable[[], dict[str, Any]] | None = None

    @property
    def program(self) -> str:
        return self.prog or "python -m " + self.app.split(":")[0].rsplit(".", 1)[0]

    def main(self, argv: list[str] | None = None) -> int:
        """The face's entry point: an exit code (2 after saying why the start is refused)."""
        return screen_main(argv, self)


def node_from_command_line(argv: list[str] | None, face: Face):
    """What every face starts with: memory settings, Kivy kept off our options,
    `--config --node [--window] [--windowed] [--log-level]`, logging, the site file and this node.
    Returns (args, config, node, size or None), or an exit code after saying why on stderr."""
    tune_malloc()  # before anything large is allocated (kiosk_app/common/memory.py)
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # else Kivy takes our options as its own (exit 2)
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    # Kivy's records go through Python's logging (setup_logging below: journald priorities), and Kivy
    # neither adds its own console handler nor replaces sys.stderr (its default KIVY mode turns every
    # stray stderr line, a traceback included, into a WARNING and resets the root logger's level)
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    os.environ.setdefault("KIVY_CLIPBOARD", "sdl2")  # not xsel/xclip, absent on hall boards
    role = face.role
    parser = argparse.ArgumentParser(
        prog=face.program,
        description=face.description,
        epilog="\n".join(filter(None, (ENVIRONMENT, face.environment))),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", required=True, help="the site YAML")
    parser.add_argument("--node", required=True, help=f"this {role} node's id in the site file")
    parser.add_argument("--window", help="WIDTHxHEIGHT in pixels, instead of the node's screen size")
    parser.add_argument("--windowed", action="store_true", help="never full screen (development)")
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING, ERROR (default: HALL_LOG_LEVEL, else INFO)")
    args = parser.parse_args(argv)
    try:
        setup_logging(args.log_level)  # queue_broker/logs.py: the one set-up of every hall program
    except ValueError as exc:
        print(f"{face.program}: {exc}", file=sys.stderr)
        return 2

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


def screen_main(argv: list[str] | None, face: Face) -> int:
    """Parse the command line, load the site file, configure Kivy and run the face's App.

    Memory is set here, by the program itself, for every face (kiosk_app/common/memory.py, docs/kiosk.md
    "Memory"): glibc's mmap threshold fixed, and no multisampling."""
    t0 = time.perf_counter()
    parsed = node_from_command_line(argv, face)
    if isinstance(parsed, int):
        return parsed
    args, cfg, node, size = parsed
    try:
        settings = load_settings(face.settings, node, size)
        extra = face.app_kwargs() if face.app_kwargs is not None else {}
    except (SettingsError, ValueError) as exc:
        print(f"{args.config}: {exc}", file=sys.stderr)
        return 2

    from kivy.config import Config

    Config.set("graphics", "width", str(settings.width))
    Config.set("graphics", "height", str(settings.height))
    Config.set("graphics", "resizable", "1" if face.resizable else "0")
    Config.set("graphics", "fullscreen", "auto" if settings.fullscreen and not args.windowed else "0")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")  # a tap is a tap, never a red multitouch dot
    # no multisample anti-aliasing (Kivy asks for 2x): text is textures and the screens are rectangles,
    # while 2x MSAA doubles the frame and depth buffers (66 MB of a 1080x1920 window in software GL)
    Config.set("graphics", "multisamples", "0")

    module_name, class_name = face.app.split(":")
    app_class = getattr(importlib.import_module(module_name), class_name)
    load_clipboard_without_cut_buffer()
    app_class(cfg, node, settings, started_at=t0, **extra).run()
    return 0


CUT_BUFFER_MISSING = "Cutbuffer: Unable to find any valuable Cutbuffer provider"


class _NoCutBufferRecord(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(CUT_BUFFER_MISSING)


def load_clipboard_without_cut_buffer() -> None:
    """Kivy's clipboard, loaded now, without X's cut buffer (select to copy, middle button to paste).

    The cut buffer needs the `xclip` or `xsel` program. A hall board has neither and needs neither (a
    touch screen under cage; copying and pasting in a text field use SDL's clipboard), but Kivy has no
    switch for it: the first text field on Linux tries both programs and logs their absence as CRITICAL,
    with two tracebacks, in the log of every staff screen (issue 17 item 8), where `journalctl -p crit`
    would find it every morning. So both providers are skipped by Kivy's own options (nothing is
    spawned), the clipboard module is imported here, and the one record saying no cut buffer was found
    is dropped; what is left is one plain line saying so."""
    import kivy

    kivy.kivy_options["cutbuffer"] = ()  # core_select_lib skips every provider "ignored by config"
    kivy_log = logging.getLogger("kivy")
    quiet = _NoCutBufferRecord()
    kivy_log.addFilter(quiet)
    try:
        from kivy.core.clipboard import Clipboard
    finally:
        kivy_log.removeFilter(quiet)
    log.info("clipboard: %s; X cut buffer off (no xclip/xsel on a hall board)", type(Clipboard).__name__)
