"""One logging set-up for every program of the hall (broker, voice, the screens, the tools).

Under systemd a program's stderr is a stream into the journal, and systemd says so in `JOURNAL_STREAM`
(`device:inode` of that stream). There each line starts with the syslog priority in angle brackets
(`<3>` error, `<4>` warning, `<6>` info: sd-daemon(3)), which journald turns into the entry's PRIORITY,
so `journalctl -p err` finds the errors and nothing else; journald adds the time and the unit itself.
Every line of a traceback carries the prefix too, so the whole traceback is one error. Anywhere else (a
terminal, `up`'s log files, tests) lines read `2026-03-02 09:00:01,234 ERROR queue_broker: ...`.

An exception nobody caught, in the main thread or any other, is logged as CRITICAL (priority 2) with
its traceback before the program ends, instead of going to stderr unmarked.

    from queue_broker.logs import setup_logging
    setup_logging()              # level from HALL_LOG_LEVEL (INFO by default), or setup_logging("DEBUG")
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Mapping
from typing import Any, TextIO

TERMINAL_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JOURNAL_FORMAT = "%(name)s: %(message)s"  # journald stamps the time and knows the unit


def syslog_priority(levelno: int) -> int:
    """Python's level as a syslog priority: CRITICAL 2, ERROR 3, WARNING 4, INFO 6, DEBUG 7."""
    if levelno >= logging.CRITICAL:
        return 2
    if levelno >= logging.ERROR:
        return 3
    if levelno >= logging.WARNING:
        return 4
    if levelno >= logging.INFO:
        return 6
    return 7


class JournalFormatter(logging.Formatter):
    """Each line of the record, traceback included, starts with `<priority>`."""

    def __init__(self) -> None:
        super().__init__(JOURNAL_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        prefix = f"<{syslog_priority(record.levelno)}>"
        return "\n".join(prefix + line for line in super().format(record).splitlines() or [""])


def to_journal(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """True when `stream` is the journal stream systemd connected (JOURNAL_STREAM names its device and
    inode; a child that inherited the variable but writes elsewhere does not match)."""
    env = os.environ if env is None else env
    dev, _, ino = env.get("JOURNAL_STREAM", "").partition(":")
    try:
        st = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return False
    return dev.isdigit() and ino.isdigit() and (st.st_dev, st.st_ino) == (int(dev), int(ino))


class _HallHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler this module installed, so a second set-up replaces it instead of doubling lines."""


def setup_logging(
    level: str | int | None = None,
    *,
    stream: TextIO | None = None,
    env: Mapping[str, str] | None = None,
    catch_uncaught: bool = True,
) -> logging.Handler:
    """Send every logger's records to stderr (or `stream`) in the journal's form under systemd, else in
    the terminal's. `level`: a name or number; default HALL_LOG_LEVEL, else INFO. Returns the handler."""
    env = os.environ if env is None else env
    stream = stream or sys.stderr
    chosen: Any = level if level is not None else env.get("HALL_LOG_LEVEL", "INFO")
    if isinstance(chosen, str):
        name = chosen.strip().upper()
        chosen = logging.getLevelName(name)
        if not isinstance(chosen, int):
            raise ValueError(f"unknown log level {name!r} (DEBUG, INFO, WARNING, ERROR or CRITICAL)")
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _HallHandler)]:
        root.removeHandler(old)
    handler = _HallHandler(stream)
    handler.setFormatter(JournalFormatter() if to_journal(stream, env) else logging.Formatter(TERMINAL_FORMAT))
    root.addHandler(handler)
    root.setLevel(chosen)
    if catch_uncaught:
        _log_uncaught()
    return handler


def _log_uncaught() -> None:
    log = logging.getLogger("hall")

    def main_hook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        log.critical("uncaught exception; the program ends", exc_info=(kind, value, tb))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread else "?"
        log.critical(
            "uncaught exception in thread %s",
            name,
            # typeshed wants an exception value here; logging formats a missing one (None) as well
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),  # type: ignore[arg-type]
        )

    sys.excepthook = main_hook
    threading.excepthook = thread_hook
