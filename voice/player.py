"""Players: what turns an announcement WAV into sound, one at a time and blocking until it ends.

- `AplayPlayer`: ALSA's `aplay` (package alsa-utils), the appliance's normal case.
- `CommandPlayer`: any command, `{path}` replaced by the WAV (paplay, pw-play, a USB amplifier's tool).
- `NullPlayer`: no audio device. The node says so once and keeps rendering (to `output_dir` if set).
- `SleepPlayer`: waits as long as the WAV lasts and plays nothing. It is a stand-in for machines
  without a sound card (CI, this project's build machines): the tests and the benchmark use it so
  that timing and ordering are those of real playback. Never the choice of `player: auto`.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
from pathlib import Path
from typing import Protocol

from .tools import run_quietly

log = logging.getLogger(__name__)

# a player that has not returned this long after the WAV's end is stuck; it is killed
PLAY_MARGIN_S = 5.0


class PlayerError(RuntimeError):
    pass


class Player(Protocol):
    name: str
    plays_sound: bool

    def play(self, path: Path, duration_s: float) -> None: ...


def detect_audio_device(aplay: str = "aplay") -> tuple[bool, str]:
    """(True, "") when `aplay -l` lists a sound card, else (False, why not) in a sentence."""
    binary = shutil.which(aplay)
    if not binary:
        return False, "aplay is not installed (apt-get install alsa-utils)"
    try:
        done = subprocess.run([binary, "-l"], capture_output=True, text=True, timeout=5)
    except subprocess.TimeoutExpired:
        return False, "aplay -l did not answer within 5 s"
    except OSError as exc:
        return False, f"aplay -l could not run: {exc}"
    text = (done.stdout + done.stderr).strip()
    if done.returncode != 0 or "no soundcards found" in text.lower() or "card " not in done.stdout:
        return False, f"aplay -l reports no sound card ({text.splitlines()[0] if text else f'exit {done.returncode}'})"
    return True, ""


class CommandPlayer:
    plays_sound = True

    def __init__(self, argv: list[str], name: str = "command"):
        if not argv:
            raise PlayerError("player_command is empty")
        if not any("{path}" in a for a in argv):
            argv = [*argv, "{path}"]
        self.argv = argv
        self.name = name

    def play(self, path: Path, duration_s: float) -> None:
        argv = [a.replace("{path}", str(path)) for a in self.argv]
        try:
            done = run_quietly(argv, duration_s + PLAY_MARGIN_S)
        except subprocess.TimeoutExpired:
            raise PlayerError(f"{argv[0]} was still playing {PLAY_MARGIN_S:g} s after the end; killed") from None
        except OSError as exc:
            raise PlayerError(f"{argv[0]} could not run: {exc}") from None
        if done.returncode != 0:
            raise PlayerError(f"{argv[0]} failed: {done.stderr.decode(errors='replace').strip()[:300]}")


class AplayPlayer(CommandPlayer):
    def __init__(self, device: str | None = None):
        argv = ["aplay", "-q"] + (["-D", device] if device else []) + ["{path}"]
        super().__init__(argv, name="aplay")


class NullPlayer:
    name = "none"
    plays_sound = False

    def __init__(self, reason: str = ""):
        self.reason = reason

    def play(self, path: Path, duration_s: float) -> None:
        pass


class SleepPlayer:
    """Stand-in for a sound card: blocks for the WAV's duration. See the module docstring."""

    name = "sleep"
    plays_sound = False

    def play(self, path: Path, duration_s: float) -> None:
        time.sleep(duration_s)


def make_player(kind: str, command: list[str] | None = None) -> Player:
    """`auto`: aplay when `aplay -l` lists a card, else a NullPlayer carrying the reason."""
    if kind == "sleep":
        return SleepPlayer()
    if kind == "none":
        return NullPlayer("no player configured")
    if kind == "command":
        return CommandPlayer(command or [])
    ok, why = detect_audio_device()
    if kind == "aplay" or ok:
        if not ok:
            log.warning("player aplay was asked for, but %s", why)
        return AplayPlayer()
    return NullPlayer(why)
