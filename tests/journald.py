"""A real systemd-journald of the test's own (a journal namespace), and programs started into it the way
systemd starts a unit's: stderr connected to the journal's stream socket, JOURNAL_STREAM set."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from queue_broker.processes import stop_process

JOURNALD = Path("/lib/systemd/systemd-journald")


def why_not() -> str | None:
    """None when a journald of our own can run here, else why not (the skip reason)."""
    if not JOURNALD.exists() or not shutil.which("journalctl"):
        return "systemd-journald/journalctl are not installed"
    if os.geteuid() != 0:
        return "a journald of the test's own must run as root (it binds under /run/systemd)"
    if not Path("/etc/machine-id").exists():
        return "no /etc/machine-id: journald cannot name its files"
    return None


class Journal:
    def __init__(self) -> None:
        self.namespace = "halltest" + uuid.uuid4().hex[:10]
        self.run_dir = Path(f"/run/systemd/journal.{self.namespace}")
        machine = Path("/etc/machine-id").read_text().strip()
        self.files = [
            Path(f"/var/log/journal/{machine}.{self.namespace}"),
            Path(f"/run/log/journal/{machine}.{self.namespace}"),
        ]
        self.proc = subprocess.Popen(
            [str(JOURNALD), self.namespace], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while not (self.run_dir / "stdout").exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("systemd-journald did not start")
            time.sleep(0.02)

    def stream(self, identifier: str) -> socket.socket:
        """A stream into the journal as systemd opens one for a unit's stderr (sd_journal_stream_fd):
        identifier, unit, default priority 6, level prefix parsed, nothing forwarded."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(str(self.run_dir / "stdout"))
        s.shutdown(socket.SHUT_RD)
        s.sendall(f"{identifier}\n{identifier}.service\n6\n1\n0\n0\n0\n".encode())
        return s

    @staticmethod
    def stream_env(s: socket.socket) -> dict[str, str]:
        st = os.fstat(s.fileno())
        return {"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"}

    def entries(self, *args: str) -> list[dict]:
        """`journalctl --namespace=... ARGS -o json` as dicts."""
        out = subprocess.run(
            ["journalctl", f"--namespace={self.namespace}", "--no-pager", "-o", "json", *args],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert out.returncode == 0, out.stderr
        return [json.loads(line) for line in out.stdout.splitlines()]

    def close(self) -> None:
        stop_process(self.proc, 10)
        for path in (self.run_dir, *self.files):
            shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def journal() -> Iterator[Journal]:
    """A journald of the test's own; skipped (with the reason) where one cannot run. Import it into a test
    module to use it as a fixture."""
    reason = why_not()
    if reason:
        pytest.skip(reason)
    j = Journal()
    yield j
    j.close()
