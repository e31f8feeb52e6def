"""The gateway as its own process (`python -m gateway run`), for the tests that start the real thing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from provisioning.mosquitto import free_port


@dataclass
class GatewayRun:
    port: int
    proc: subprocess.Popen[str]
    log: str = ""  # its output, stdout and stderr, once it has stopped


@contextmanager
def gateway_process(*args: str, env: dict[str, str], cwd: Path | None = None) -> Iterator[GatewayRun]:
    """`python -m gateway run ARGS` listening on a free port of 127.0.0.1 (the one a node.env names may be
    taken on a test machine); stopped with SIGTERM when the block ends, its output then in `log`."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gateway", "run", *args, "--listen", f"127.0.0.1:{port}"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    run = GatewayRun(port, proc)
    try:
        yield run
    finally:
        proc.terminate()
        run.log, _ = proc.communicate(timeout=15)
