"""The camera in its own process: events from a simulator, document capture, and a supervisor that
survives a crashed, a hung and an unopenable camera. Each test starts real child processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
import qrcode

from devices.camera import Camera, CameraError, CameraEvent, DocumentNotFound, open_camera
from devices.health import HealthReporter
from queue_broker.config.models import DeviceConfig

from .conftest import open_with_failing_callback

FAST = {  # short timings so that the tests take seconds, not minutes
    "heartbeat_s": 0.1,
    "watchdog_s": 1.5,
    "start_timeout_s": 20,
    "restart_initial_s": 0.2,
    "restart_max_s": 2,
    "presence_cooldown_s": 0.3,
    "qr_every_s": 0.1,
}
QR_PAYLOAD = "预约码 YY20261127-0042"


@pytest.fixture(scope="module")
def hall_video(tmp_path_factory) -> Path:
    """3 s at 20 fps, 320×240: an empty hall, someone walking past, then a phone with a QR code."""
    path = tmp_path_factory.mktemp("video") / "hall.avi"
    rng = np.random.default_rng(3)
    hall = cv2.resize(rng.integers(40, 210, (30, 40, 3), dtype=np.uint8), (320, 240))
    code = np.array(qrcode.make(QR_PAYLOAD, box_size=4, border=4).convert("RGB"))[:, :, ::-1]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 20, (320, 240))
    assert writer.isOpened()
    for i in range(60):
        frame = hall.copy()
        if 15 <= i < 35:
            x = 20 + (i - 15) * 12
            cv2.rectangle(frame, (x, 60), (x + 70, 240), (30, 30, 40), -1)
        if i >= 40:
            frame[40 : 40 + code.shape[0], 90 : 90 + code.shape[1]] = code
        writer.write(np.clip(frame + rng.normal(0, 3, frame.shape), 0, 255).astype(np.uint8))
    writer.release()
    return path


class Harness:
    """A camera with recorded events and health, and a way to wait for either."""

    def __init__(self, backend: str, **options):
        self.events: list[CameraEvent] = []
        self.health: list[tuple[str, str]] = []
        self._changed = threading.Condition()
        reporter = HealthReporter(sink=self._on_health)
        cfg = DeviceConfig(id="kiosk1-camera", kind="camera", backend=backend, options={**FAST, **options})
        self.camera: Camera = open_camera(cfg, reporter, self._on_event)

    def _on_health(self, device_id, health) -> None:
        with self._changed:
            self.health.append((health.state, health.message))
            self._changed.notify_all()

    def _on_event(self, event: CameraEvent) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def wait(self, predicate, timeout: float = 15.0, what: str = "") -> None:
        with self._changed:
            if not self._changed.wait_for(predicate, timeout):
                raise AssertionError(f"timed out waiting for {what or predicate}; health: {self.health[-5:]}")

    def states(self) -> list[str]:
        return [state for state, _ in self.health]

    def __enter__(self) -> Harness:
        self.camera.start()
        return self

    def __exit__(self, *exc) -> None:
        self.camera.stop()


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_events_from_a_simulator_video(hall_video):
    with Harness("simulator", source=str(hall_video), fps=30) as h:
        h.wait(lambda: any(e.kind == "qr" for e in h.events), what="a QR event")
        h.wait(lambda: any(e.kind == "presence" for e in h.events), what="a presence event")
        pid = h.camera.child_pid
        assert h.health[1][0] == "ready" and "simulator video hall.avi 320x240 运行中" in h.health[1][1]
    qr = [e for e in h.events if e.kind == "qr"]
    assert qr[0].text == QR_PAYLOAD and qr[0].at.tzinfo is not None
    assert next(e for e in h.events if e.kind == "presence").reason == "motion"
    assert h.health[-1] == ("unknown", "已停止")
    assert h.camera.child_pid is None and gone(pid)


def page_on_a_mat() -> np.ndarray:
    """A white page with a red square in its top-left corner and a blue one in its bottom-right,
    lying at an angle on a dark mat (test_camera_vision.py tests the geometry thoroughly)."""
    page = np.full((297, 210, 3), 235, np.uint8)
    cv2.rectangle(page, (8, 8), (38, 38), (0, 0, 255), -1)
    cv2.rectangle(page, (172, 259), (202, 289), (255, 0, 0), -1)
    quad = np.float32([[190, 70], [450, 95], [470, 420], [150, 400]])
    matrix = cv2.getPerspectiveTransform(np.float32([[0, 0], [210, 0], [210, 297], [0, 297]]), quad)
    frame = np.full((480, 640, 3), 60, np.uint8)
    inside = cv2.warpPerspective(np.full((297, 210), 255, np.uint8), matrix, (640, 480)) > 0
    frame[inside] = cv2.warpPerspective(page, matrix, (640, 480))[inside]
    return frame


def test_capture_document_through_the_camera_process(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    cv2.imwrite(str(folder / "001.png"), page_on_a_mat())
    with Harness("simulator", source=str(folder), fps=10, faces=False, qr=False) as h:
        h.wait(lambda: "ready" in h.states(), what="ready")
        result = h.camera.capture_document(tmp_path / "materials" / "T0042-身份证.png")
        with pytest.raises(ValueError, match=r"\.png, \.jpg"):
            h.camera.capture_document(tmp_path / "materials" / "T0042.gif")
    assert result.path.exists() and result.sidecar_path.exists()
    assert result.metadata["sha256"] and result.metadata["source_size"] == [640, 480]
    image = cv2.imdecode(np.fromfile(result.path, dtype=np.uint8), cv2.IMREAD_COLOR)
    h_, w_ = image.shape[:2]
    assert image[int(0.08 * h_), int(0.1 * w_)].tolist() == pytest.approx([0, 0, 255], abs=60)  # red: top left
    assert image[int(0.92 * h_), int(0.9 * w_)].tolist() == pytest.approx([255, 0, 0], abs=60)  # blue: bottom right
    assert sorted(p.name for p in result.path.parent.iterdir()) == ["T0042-身份证.png", "T0042-身份证.png.json"]


def test_capture_without_a_page_or_a_running_camera(tmp_path, hall_video):
    h = Harness("simulator", source=str(hall_video), fps=30)
    with pytest.raises(CameraError, match="not running"):
        h.camera.capture_document(tmp_path / "a.png")
    with h:
        h.wait(lambda: "ready" in h.states(), what="ready")
        with pytest.raises(DocumentNotFound):
            h.camera.capture_document(tmp_path / "a.png")
    assert not (tmp_path / "a.png").exists()


def test_survives_a_child_crash_and_restarts_it(hall_video):
    with Harness("simulator", source=str(hall_video), fps=30) as h:
        h.wait(lambda: "ready" in h.states(), what="ready")
        first = h.camera.child_pid
        os.kill(first, signal.SIGKILL)  # the camera driver takes its process down
        h.wait(lambda: any("被 SIGKILL 结束" in m for s, m in h.health if s == "fault"), what="fault")
        h.wait(lambda: h.states()[-1] == "ready", what="ready again")
        second = h.camera.child_pid
        assert second not in (None, first) and h.camera.restarts == 1
        seen = len(h.events)
        h.wait(lambda: len(h.events) > seen, what="events after the restart")
    fault = next(m for s, m in h.health if s == "fault")
    assert "0.2 秒后重启" in fault


def test_a_hung_camera_is_noticed_by_the_watchdog_and_replaced(hall_video):
    with Harness("simulator", source=str(hall_video), fps=30) as h:
        h.wait(lambda: "ready" in h.states(), what="ready")
        hung = h.camera.child_pid
        os.kill(hung, signal.SIGSTOP)  # stuck inside a driver call: alive, silent
        try:
            started = time.monotonic()
            h.wait(lambda: any("秒没有送来画面" in m for _, m in h.health), what="watchdog")
            assert time.monotonic() - started >= FAST["watchdog_s"] - 0.2
            h.wait(lambda: h.states()[-1] == "ready" and h.camera.child_pid not in (None, hung), what="replaced")
            deadline = time.monotonic() + 5
            while not gone(hung) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert gone(hung)  # killed and reaped, not left stopped
        finally:
            if not gone(hung):
                os.kill(hung, signal.SIGKILL)


def test_a_camera_that_cannot_be_opened_is_a_fault_and_retried():
    with Harness("v4l2", device="/dev/video-hall-test-none") as h:
        h.wait(lambda: sum(s == "fault" for s in h.states()) >= 2, what="two failed starts")
        message = next(m for s, m in h.health if s == "fault")
        assert "无法打开摄像头 /dev/video-hall-test-none" in message and "退出码 3" in message
        assert h.camera.restarts >= 1


def test_a_failing_on_event_does_not_stop_the_camera(hall_video):
    cfg = DeviceConfig(id="cam", kind="camera", options={**FAST, "source": str(hall_video), "fps": 30})
    camera, calls = open_with_failing_callback(open_camera, cfg)
    try:
        deadline = time.monotonic() + 15
        while len(calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(calls) >= 2 and camera.restarts == 0
    finally:
        camera.stop()


def test_the_simulator_without_footage_runs_and_stays_quiet():
    """`options: {}`, as the example site file has it: a generated still scene with sensor noise."""
    with Harness("simulator", fps=15) as h:
        h.wait(lambda: "ready" in h.states(), what="ready")
        assert "simulator still scene 640x480" in h.health[-1][1]
        time.sleep(1.0)  # 15 frames of noise: nothing must wake the kiosk
    assert h.events == [] and h.camera.restarts == 0


KIOSK_THAT_DIES = """
import os, signal, sys, time
from devices.camera import open_camera
from devices.health import HealthReporter
from queue_broker.config.models import DeviceConfig
states = []
camera = open_camera(DeviceConfig(id="c", kind="camera", options={"fps": 10}),
                     HealthReporter(sink=lambda d, h: states.append(h.state)), print)
camera.start()
while "ready" not in states:
    time.sleep(0.05)
print(camera.child_pid, flush=True)
os.kill(camera.child_pid, signal.SIGSTOP)  # the camera is stuck in its driver, deaf to its socket
os.kill(os.getpid(), signal.SIGKILL)  # and the kiosk dies without any clean-up
"""

# Runs the kiosk above and, as a child subreaper, collects the orphaned camera process.
REAPER = """
import ctypes, os, subprocess, sys, time
ctypes.CDLL(None).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER: orphans come to us, not to init
kiosk = subprocess.run([sys.executable, "-c", sys.argv[1]], capture_output=True, text=True, timeout=60)
pid = int(kiosk.stdout.split()[-1])
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        print("signal", os.WTERMSIG(status) if os.WIFSIGNALED(status) else None)
        break
    time.sleep(0.05)
else:
    os.kill(pid, 9)
    print("still running")
"""


def test_the_camera_process_dies_with_the_kiosk_even_when_stuck():
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-c", REAPER, KIOSK_THAT_DIES], capture_output=True, text=True, timeout=90, env=env, cwd=root
    )
    assert out.stdout.strip() == f"signal {int(signal.SIGKILL)}", out.stdout + out.stderr
