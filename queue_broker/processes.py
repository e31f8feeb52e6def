"""Stopping a child process (a Mosquitto, a cupsd, a broker or a face a test or benchmark started)."""

from __future__ import annotations

import subprocess
from typing import Any


def stop_process(proc: subprocess.Popen[Any] | None, grace_s: float = 10.0) -> None:
    """SIGTERM, `grace_s` seconds to finish, then SIGKILL; nothing for one that is gone already. It has
    exited when this returns (reaped: no zombie left behind)."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
