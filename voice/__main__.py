"""`python -m voice run --config SITE.yaml --node NODE_ID` and `python -m voice render ...`."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from queue_broker.config.loader import load_or_exit
from queue_broker.config.models import SiteConfig, VoiceConfig
from queue_broker.logs import setup_logging

from .announce import Composer
from .cache import SegmentCache
from .engines import ENGINES, TtsError, make_engine
from .settings import SettingsError, SpeechSettings, load_settings


def _settings(args: argparse.Namespace, site_path: Path | None) -> SpeechSettings:
    path = args.speech
    if path is None and site_path is not None and (site_path.parent / "voice.yaml").exists():
        path = site_path.parent / "voice.yaml"
    settings = load_settings(path)
    overrides = {
        k: getattr(args, k)
        for k in ("engine", "player", "output_dir", "cache_dir", "playback_log")
        if getattr(args, k, None) is not None
    }
    if getattr(args, "player_command", None):
        overrides["player_command"] = args.player_command.split()
        overrides.setdefault("player", "command")
    if getattr(args, "no_prewarm", False):
        overrides["prewarm"] = False
    return settings.model_copy(update=overrides)


def _load(path: str) -> SiteConfig:
    return load_or_exit(path)


def cmd_run(args: argparse.Namespace) -> int:
    from .node import VoiceNode, VoiceNodeError

    cfg = _load(args.config)
    settings = _settings(args, Path(args.config))
    try:
        node = VoiceNode(cfg, args.node, settings, url=os.environ.get("HALL_MQTT_URL") or None)
    except VoiceNodeError as exc:
        print(f"voice: {exc}", file=sys.stderr)
        return 2
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    node.start()
    logging.getLogger("voice").info(
        "voice node %s (zone %s) running; log %s", node.node_id, node.zone, node.playlog.path
    )
    done.wait()
    node.stop()
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from queue_broker.protocol.messages import CalledEvent

    if args.config:
        cfg = _load(args.config)
        voice, cache_default = cfg.voice, Path(cfg.data_dir) / "voice" / "cache"
    else:
        voice = VoiceConfig()
        cache_default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hall-voice"
    settings = _settings(args, Path(args.config) if args.config else None)
    if args.repeat is not None:
        voice = voice.model_copy(update={"repeat": args.repeat})
    try:
        engine = make_engine(settings.engine, settings.engine_timeout_s)
        composer = Composer(voice, settings, SegmentCache(settings.cache_dir or cache_default, engine))
        from datetime import UTC, datetime

        event = CalledEvent(
            at=datetime.now(UTC),
            ticket_id="cli",
            number=args.number,
            queue_id="cli",
            counter_id="cli",
            counter_number=args.counter,
            counter_name="",
            recall=0,
        )
        announcement = composer.render(composer.called(event), Path(args.out))
        engine.close()
    except (TtsError, ValueError) as exc:
        print(f"voice: {exc}", file=sys.stderr)
        return 1
    for sentence in announcement.spoken:
        print(sentence)
    print(f"wrote {args.out} ({announcement.duration_s:.1f} s)", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m voice", description="The hall's voice calling node.")
    parser.add_argument("--log-level", help="DEBUG, INFO (default: HALL_LOG_LEVEL, else INFO), WARNING, ERROR")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--speech", type=Path, help="speech settings YAML (default: voice.yaml beside the site file)")
        p.add_argument("--engine", choices=sorted(ENGINES))
        p.add_argument("--cache-dir")

    run = sub.add_parser("run", help="announce the hall's calls for one voice node")
    run.add_argument("--config", required=True, help="the site YAML")
    run.add_argument("--node", required=True, help="a node of role voice in the site's nodes")
    run.add_argument("--player", choices=["auto", "aplay", "command", "sleep", "none"])
    run.add_argument("--player-command", help='e.g. "paplay {path}"')
    run.add_argument("--output-dir", help="keep every announcement WAV here")
    run.add_argument("--playback-log")
    run.add_argument("--no-prewarm", action="store_true", help="render fixed phrases on first use, not at start")
    common(run)
    run.set_defaults(func=cmd_run)

    render = sub.add_parser("render", help="write one call announcement to a WAV and print what it says")
    render.add_argument("--number", required=True, help="ticket number, e.g. A012")
    render.add_argument("--counter", required=True, type=int, help="counter number, e.g. 3")
    render.add_argument("--out", required=True, help="WAV file to write")
    render.add_argument("--config", help="site YAML whose voice: section to use (default: built-in defaults)")
    render.add_argument("--repeat", type=int, help="override voice.repeat")
    common(render)
    render.set_defaults(func=cmd_render)

    args = parser.parse_args(argv)
    try:
        setup_logging(args.log_level)  # one set-up for every node: journald priorities under systemd
    except ValueError as exc:
        print(f"voice: {exc}", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except SettingsError as exc:
        print(f"voice: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
