"""Speech engines behind one interface: `render(text, path, voice=, rate=)` writes a WAV.

Two engines, both on espeak-ng, both offline:
- `espeak-ng` (the default): one `espeak-ng -v VOICE -s RATE -w OUT -- TEXT` process per phrase,
  killed after `timeout_s`. Nothing in it can hang the node, and a phrase costs about 10 ms.
- `pyttsx3`: pyttsx3's espeak driver, kept in a worker process of its own. pyttsx3 2.99 prints from
  inside its synthesis callback and then spins forever in `runAndWait()` once that print fails (a
  closed or full stdout), and its `save_to_file()` turns a later `say()` into another file write. The
  worker's stdout is /dev/null (its answers go out on a copy of the original pipe), it never calls
  `say()`, and the node kills and restarts it when a phrase takes longer than `timeout_s`.

A better offline engine (piper, say) is a class with the same three members added to `ENGINES`.
"""

from __future__ import annotations

import json
import logging
import os
import select
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Protocol

from .tools import run_quietly

log = logging.getLogger(__name__)


class TtsError(RuntimeError):
    """The engine could not render a phrase; `str()` says why in a sentence."""


class TtsTimeout(TtsError):
    pass


class TtsEngine(Protocol):
    name: str

    def identity(self) -> str:
        """Engine name and version: part of every cache key, so an upgrade re-renders the cache."""
        ...

    def render(self, text: str, path: Path, *, voice: str, rate: int) -> Path:
        """Write `text` spoken with `voice` at `rate` words per minute to the WAV `path`."""
        ...

    def close(self) -> None: ...


def _espeak_version(binary: str) -> str:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.split("Data at")[0].strip() or "unknown"


class EspeakNgEngine:
    name = "espeak-ng"

    def __init__(self, binary: str = "espeak-ng", timeout_s: float = 10.0):
        found = shutil.which(binary)
        if not found:
            raise TtsError(f"{binary} is not installed (apt-get install espeak-ng)")
        self.binary = found
        self.timeout_s = timeout_s
        self._identity = f"espeak-ng {_espeak_version(found)}"

    def identity(self) -> str:
        return self._identity

    def render(self, text: str, path: Path, *, voice: str, rate: int) -> Path:
        # -b 1: the text is UTF-8 whatever the locale (a service's LANG may be C); "--": a text
        # starting with '-' is still text
        argv = [self.binary, "-b", "1", "-v", voice, "-s", str(rate), "-w", str(path), "--", text]
        try:
            done = run_quietly(argv, self.timeout_s)
        except subprocess.TimeoutExpired:
            raise TtsTimeout(f"espeak-ng took longer than {self.timeout_s:g} s for {text!r}") from None
        if done.returncode != 0 or not path.exists():
            reason = done.stderr.decode(errors="replace").strip() or f"exit status {done.returncode}"
            raise TtsError(f"espeak-ng could not render {text!r} with voice {voice}: {reason}")
        return path

    def close(self) -> None:
        pass


class Pyttsx3Engine:
    """pyttsx3 in a worker process (see the module docstring for why not in the node itself)."""

    name = "pyttsx3"

    def __init__(self, timeout_s: float = 10.0, python: str = sys.executable):
        self.timeout_s = timeout_s
        self.python = python
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._buffer = b""
        try:
            from importlib.metadata import version

            self._identity = f"pyttsx3 {version('pyttsx3')} on espeak-ng"
        except Exception:
            self._identity = "pyttsx3 on espeak-ng"

    def identity(self) -> str:
        return self._identity

    def _start(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            self._buffer = b""
            # the worker imports this package: make it findable even when it is not installed
            env = dict(os.environ)
            root = str(Path(__file__).resolve().parent.parent)
            env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
            self._proc = subprocess.Popen(
                [self.python, "-m", "voice._pyttsx3_worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        return self._proc

    def warm_up(self) -> None:
        """Start the worker now (about 0.2 s) rather than on the first call's path."""
        with self._lock:
            self._start()

    def render(self, text: str, path: Path, *, voice: str, rate: int) -> Path:
        with self._lock:
            proc = self._start()
            request = json.dumps({"text": text, "path": str(Path(path).resolve()), "voice": voice, "rate": rate}) + "\n"
            try:
                assert proc.stdin is not None
                proc.stdin.write(request.encode())
                proc.stdin.flush()
            except (BrokenPipeError, OSError):
                self._kill()
                raise TtsError("the pyttsx3 worker died; it restarts with the next phrase") from None
            reply = self._read_line(proc, time.monotonic() + self.timeout_s)
            if reply is None:
                self._kill()
                raise TtsTimeout(f"pyttsx3 took longer than {self.timeout_s:g} s for {text!r}; worker restarted")
        answer = json.loads(reply)
        if not answer.get("ok") or not path.exists():
            raise TtsError(f"pyttsx3 could not render {text!r} with voice {voice}: {answer.get('error', 'no file')}")
        return path

    def _read_line(self, proc: subprocess.Popen, deadline: float) -> bytes | None:
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 4096)
                if not chunk:
                    return None  # the worker exited
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(5)
            self._proc = None

    def close(self) -> None:
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                try:
                    assert self._proc.stdin is not None
                    self._proc.stdin.close()
                    self._proc.wait(2)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            self._kill()


ENGINES = {"espeak-ng": EspeakNgEngine, "pyttsx3": Pyttsx3Engine}


def make_engine(name: str, timeout_s: float = 10.0) -> TtsEngine:
    try:
        cls = ENGINES[name]
    except KeyError:
        raise TtsError(f"unknown speech engine {name!r}; choose one of {', '.join(ENGINES)}") from None
    return cls(timeout_s=timeout_s)
