"""Running the programs the voice node calls for one job each: espeak-ng (a WAV) and the player (aplay or
the hall's `player_command`)."""

from __future__ import annotations

import subprocess


def run_quietly(argv: list[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    """Run `argv` with no input and its output thrown away, keeping its stderr for the error message.
    Raises subprocess.TimeoutExpired (the program is killed) or OSError (it could not start)."""
    return subprocess.run(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout
    )
