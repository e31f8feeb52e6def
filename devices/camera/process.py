"""The kiosk's side of the camera: runs the camera in its own process and keeps it running.

A camera driver that crashes takes only its own process with it, and one that hangs inside a read
is noticed by a watchdog (no "frame" heartbeat for `watchdog_s`) and killed. Either way the process
is started again after a back-off (1, 2, 4 … `restart_max_s` seconds), and the device's health says
what happened. A supervisor thread reads the child's messages and calls `on_event` on itself: keep
`on_event` short (hand the event to the UI thread).
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..health import HealthReporter
from .events import CameraError, CameraEvent, DocumentNotFound, DocumentResult, check_document_path
from .options import CameraOptions

log = logging.getLogger(__name__)

KIND = "camera"
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding `devices/`


class _Pending:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: dict[str, Any] | None = None


class Camera:
    """`start()`, `stop()`, `capture_document(path)`; events arrive through `on_event`."""

    def __init__(
        self,
        device_id: str,
        backend: str,
        options: CameraOptions,
        health: HealthReporter,
        on_event: Callable[[CameraEvent], None],
    ):
        self.device_id = device_id
        self.backend = backend
        self.options = options
        self._health = health
        self._on_event = on_event
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._pending: dict[str, _Pending] = {}
        self._ids = itertools.count(1)
        self._children = 0
        self.last_frame_info: dict[str, Any] = {}

    # --- public ---------------------------------------------------------------------------------

    @property
    def child_pid(self) -> int | None:
        """The camera process's pid, while one runs (tests use it to inject crashes and hangs)."""
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._report("unknown", "正在启动摄像头进程")
        self._thread = threading.Thread(target=self._supervise, name=f"camera-{self.device_id}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._send(("stop",))
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._report("unknown", "已停止")

    def capture_document(self, path: str | Path, timeout: float | None = None) -> DocumentResult:
        """Photograph the page under the camera, straighten it and save it at `path` (.png, .jpg)
        with a JSON sidecar `<path>.json`. Raises DocumentNotFound when there is no page in view,
        CameraError when the camera is not running or does not answer in time, ValueError for a
        file name that is not .png, .jpg or .jpeg."""
        check_document_path(path)
        request_id = str(next(self._ids))
        pending = _Pending()
        with self._lock:
            self._pending[request_id] = pending
        try:
            if not self._send(("capture", request_id, str(Path(path).resolve()))):
                raise CameraError("the camera is not running")
            if not pending.done.wait(timeout or self.options.capture_timeout_s):
                raise CameraError("the camera did not answer in time")
        finally:
            with self._lock:
                self._pending.pop(request_id, None)
        result = pending.result or {"ok": False, "kind": "error", "message": "the camera process stopped"}
        if not result["ok"]:
            error = DocumentNotFound if result["kind"] == "no_page" else CameraError
            raise error(result["message"])
        return DocumentResult(Path(result["path"]), Path(result["sidecar_path"]), result["metadata"])

    # --- the supervisor -----------------------------------------------------------------------

    def _report(self, state: str, message: str) -> None:
        try:
            self._health.report(self.device_id, KIND, state, message)
        except Exception:
            log.exception("camera %s: health report failed", self.device_id)

    def _send(self, message: tuple[Any, ...]) -> bool:
        with self._lock:
            conn = self._conn
            if conn is None:
                return False
            try:
                conn.send(message)
                return True
            except OSError:
                return False

    @property
    def restarts(self) -> int:
        """How many times the camera process was started again after a crash or hang."""
        return max(0, self._children - 1)

    def _supervise(self) -> None:
        delay = self.options.restart_initial_s
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                reason = self._run_child()
            except Exception as exc:  # a bug here must not end supervision
                log.exception("camera %s: supervisor error", self.device_id)
                reason = f"摄像头监护出错：{exc!r}"
            if self._stop.is_set():
                break
            if time.monotonic() - started > self.options.restart_max_s:
                delay = self.options.restart_initial_s  # it ran well for a while: start over gently
            message = f"{reason}；{delay:g} 秒后重启"
            log.warning("camera %s: %s", self.device_id, message)
            self._report("fault", message)
            self._stop.wait(delay)
            delay = min(delay * 2, self.options.restart_max_s)

    def _spawn(self) -> tuple[subprocess.Popen[bytes], Connection]:
        parent_sock, child_sock = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), env.get("PYTHONPATH")]))
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "devices.camera.child", str(child_sock.fileno()), str(os.getpid())],
                pass_fds=(child_sock.fileno(),),
                env=env,
                stdin=subprocess.DEVNULL,
                close_fds=True,
            )
        finally:
            child_sock.close()
        conn = Connection(parent_sock.detach())
        conn.send(
            ("config", {"device_id": self.device_id, "backend": self.backend, "options": self.options.model_dump()})
        )
        return proc, conn

    def _run_child(self) -> str:
        proc, conn = self._spawn()
        self._children += 1
        with self._lock:
            self._proc, self._conn = proc, conn
        try:
            return self._watch(proc, conn)
        finally:
            with self._lock:
                self._conn = None
                pending, self._pending = dict(self._pending), {}
            for waiter in pending.values():  # captures in flight get "the camera process stopped"
                waiter.done.set()
            self._end_child(proc, conn)

    def _watch(self, proc: subprocess.Popen[bytes], conn: Connection) -> str:
        opts = self.options
        started = time.monotonic()
        last_frame: float | None = None
        error = ""
        source = ""
        face_problem = ""
        while not self._stop.is_set():
            try:
                message = conn.recv() if conn.poll(0.1) else None
            except (EOFError, OSError):
                # The child closed its end: it is exiting (or its socket broke; it is killed then).
                try:
                    return f"摄像头进程{_exit_text(proc.wait(1.0))}{'：' + error if error else ''}"
                except subprocess.TimeoutExpired:
                    return f"与摄像头进程失去联系{'：' + error if error else ''}"
            if message is not None:
                tag = message[0]
                if tag == "frame":
                    was_waiting = last_frame is None
                    last_frame = time.monotonic()
                    self.last_frame_info = message[1]
                    if was_waiting:
                        self._report_running(source, face_problem, message[1])
                elif tag == "event":
                    self._deliver(message[1])
                elif tag == "capture":
                    self._resolve(message[1], message[2])
                elif tag == "hello":
                    source, face_problem = message[1]["source"], message[1]["face_problem"]
                elif tag == "error":
                    error = message[1]
                    log.warning("camera %s: %s", self.device_id, error)
                continue
            code = proc.poll()
            if code is not None:
                return f"摄像头进程{_exit_text(code)}{'：' + error if error else ''}"
            now = time.monotonic()
            if last_frame is None and now - started > opts.start_timeout_s:
                return f"摄像头进程启动 {opts.start_timeout_s:g} 秒内没有画面"
            if last_frame is not None and now - last_frame > opts.watchdog_s:
                return f"摄像头 {opts.watchdog_s:g} 秒没有送来画面（卡死），已结束该进程"
        return "已停止"

    def _report_running(self, source: str, face_problem: str, info: dict[str, Any]) -> None:
        where = f"{source} {info['width']}x{info['height']}"
        if face_problem and self.options.faces:
            self._report("degraded", f"{where} 运行中；人脸检测不可用：{face_problem}")
        else:
            self._report("ready", f"{where} 运行中")

    def _deliver(self, data: dict[str, Any]) -> None:
        event = CameraEvent(
            kind=data["kind"],
            at=datetime.fromtimestamp(data["at"], UTC),
            text=data.get("text", ""),
            reason=data.get("reason", ""),
            score=float(data.get("score", 0.0)),
        )
        try:
            self._on_event(event)
        except Exception:  # the kiosk's handler; the camera is fine
            log.exception("camera %s: on_event failed", self.device_id)

    def _resolve(self, request_id: str, result: dict[str, Any]) -> None:
        with self._lock:
            pending = self._pending.get(request_id)
        if pending is not None:
            pending.result = result
            pending.done.set()

    def _end_child(self, proc: subprocess.Popen[bytes], conn: Connection) -> None:
        if proc.poll() is None:
            try:
                conn.send(("stop",))
            except OSError:
                pass
            try:
                proc.wait(1.0 if self._stop.is_set() else 0.2)
            except subprocess.TimeoutExpired:
                proc.kill()  # SIGKILL also ends a stopped (SIGSTOP) or driver-stuck process
                proc.wait(5.0)
        conn.close()
        with self._lock:
            if self._proc is proc:
                self._proc = None


def _exit_text(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"信号 {-code}"
        return f"被 {name} 结束"
    return f"已退出（退出码 {code}）"
