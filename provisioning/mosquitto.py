"""Run a real Mosquitto with a generated config on a free port: for tests, `up`, and benchmarks."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from queue_broker.processes import stop_process


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def free_pair(host: str = "127.0.0.1") -> int:
    """A free port whose next port is free as well (a county link's listener, then its stunnel)."""
    while True:
        port = free_port(host)
        try:
            with socket.socket() as s:
                s.bind((host, port + 1))
            return port
        except OSError:
            continue


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def basic_config(port: int, host: str = "127.0.0.1") -> str:
    lines = [
        f"listener {port} {host}",
        "allow_anonymous true",
        # without it a few QoS 1 round trips take ~40 ms (Nagle), see docs/stack-notes
        "set_tcp_nodelay true",
        "persistence false",
        "max_inflight_messages 1000",
        "max_queued_messages 100000",
        "log_type error",
        "log_type warning",
    ]
    return "\n".join(lines) + "\n"


class MosquittoProcess:
    """A mosquitto child process. `config` is the file's text; `port` the port to wait for."""

    def __init__(
        self,
        port: int | None = None,
        config: str | None = None,
        workdir: str | os.PathLike | None = None,
        host: str = "127.0.0.1",
        *,
        new_session: bool = True,
        preexec_fn: Callable[[], None] | None = None,
    ):
        self.binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.host = host
        self.port = port or free_port(host)
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="hall-mosquitto-"))
        self.config_text = config or basic_config(self.port, host)
        if os.geteuid() == 0 and "\nuser " not in "\n" + self.config_text:
            # as root mosquitto drops to user 'mosquitto', which cannot read our files
            self.config_text = "user root\n" + self.config_text
        self.config_path = self.workdir / "mosquitto.conf"
        self.log_path = self.workdir / "mosquitto.log"
        self.proc: subprocess.Popen | None = None
        # new_session=False keeps mosquitto in the caller's process group (Ctrl-C reaches it too)
        self._new_session = new_session
        self._preexec_fn = preexec_fn

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> MosquittoProcess:
        if not Path(self.binary).exists():
            raise RuntimeError("mosquitto is not installed (apt-get install mosquitto)")
        self.config_path.write_text(self.config_text)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "-c", str(self.config_path)],
            stdout=log,
            stderr=log,
            start_new_session=self._new_session,
            preexec_fn=self._preexec_fn,
        )
        log.close()  # the child has its own copy
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited with {self.proc.returncode}: {self.log_path.read_text()[-2000:]}")
            if port_open(self.host, self.port):
                return self
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"mosquitto did not listen on {self.host}:{self.port} within {timeout} s")

    def stop(self) -> None:
        stop_process(self.proc, 5)
        self.proc = None

    def restart(self, down_s: float = 0.0) -> None:
        self.stop()
        time.sleep(down_s)
        self.start()

    def reload(self) -> None:
        """SIGHUP: mosquitto re-reads its password and ACL files."""
        if self.proc:
            self.proc.send_signal(signal.SIGHUP)

    def cleanup(self) -> None:
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> MosquittoProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.cleanup()
