"""The camera process: `python -m devices.camera.child FD PARENT_PID`.

It is a fresh interpreter (not a fork, and not multiprocessing's spawn, which would re-import the
kiosk's main module, Kivy and all), importing only OpenCV, numpy and this package. It talks to its
parent over one socket wrapped in a `multiprocessing.connection.Connection`:

parent → child   ("config", {"device_id", "backend", "options"}) first, then
                 ("capture", request_id, path) and ("stop",)
child → parent   ("hello", {"source", "face_problem"}), ("frame", {"frames", "width", "height", "fps"})
                 every `heartbeat_s`, ("event", {"kind", "at", ...}), ("capture", request_id, result),
                 ("error", message) before giving up.

The parent's watchdog relies on the "frame" heartbeats: they go out only after a frame was read.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from multiprocessing.connection import Connection
from typing import Any

import cv2
import numpy as np

from .analyzer import FrameAnalyzer
from .events import DocumentNotFound
from .options import CameraOptions, V4l2Options, parse_options
from .sources import SourceError, open_source
from .vision import capture_document

EXIT_OK = 0
EXIT_CRASH = 1
EXIT_OPEN = 3  # the camera or the simulator's source cannot be opened
EXIT_SOURCE = 4  # the camera stopped giving frames (unplugged, or the simulation ended)


def _die_with_parent(parent_pid: int) -> None:
    # A camera stuck inside a driver call never reads the socket, so it would never notice its
    # parent is gone: ask the kernel to kill it then (Linux prctl PR_SET_PDEATHSIG).
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent_pid:  # the parent died before the request above
        sys.exit(EXIT_OK)


def _capture(frame: np.ndarray | None, path: str, options: CameraOptions) -> dict[str, Any]:
    if frame is None:
        return {"ok": False, "kind": "no_frame", "message": "the camera has not delivered a frame yet"}
    try:
        result = capture_document(
            frame, path, min_area=options.page_min_area, jpeg_quality=options.jpeg_quality, focal_px=options.focal_px
        )
    except DocumentNotFound as exc:
        return {"ok": False, "kind": "no_page", "message": str(exc)}
    except (OSError, ValueError, cv2.error) as exc:
        return {"ok": False, "kind": "error", "message": f"cannot save {path}: {exc}"}
    return {"ok": True, "path": str(result.path), "sidecar_path": str(result.sidecar_path), "metadata": result.metadata}


def run(conn: Connection, backend: str, options: CameraOptions) -> int:
    try:
        source = open_source(backend, options)
    except (SourceError, cv2.error) as exc:
        conn.send(("error", str(exc)))
        return EXIT_OPEN
    max_failures = options.read_failures if isinstance(options, V4l2Options) else 1
    try:
        analyzer = FrameAnalyzer(options)
        conn.send(("hello", {"source": source.description, "face_problem": analyzer.face_problem}))
        frames = failures = 0
        last_frame: np.ndarray | None = None
        last_beat = beat_frames = 0.0
        while True:
            while conn.poll():
                message = conn.recv()
                if message[0] == "stop":
                    return EXIT_OK
                if message[0] == "capture":
                    conn.send(("capture", message[1], _capture(last_frame, message[2], options)))
            frame = source.read()
            if frame is None:
                failures += 1
                if failures >= max_failures:
                    conn.send(("error", f"{source.description} stopped giving frames"))
                    return EXIT_SOURCE
                time.sleep(0.05)  # a failing V4L2 read returns at once: do not spin
                continue
            failures = 0
            frames += 1
            last_frame = frame
            for event in analyzer.process(frame, time.monotonic()):
                conn.send(("event", {**event, "at": time.time()}))
            now = time.monotonic()
            if now - last_beat >= options.heartbeat_s:
                fps = (frames - beat_frames) / (now - last_beat) if last_beat else 0.0
                conn.send(
                    (
                        "frame",
                        {
                            "frames": frames,
                            "width": int(frame.shape[1]),
                            "height": int(frame.shape[0]),
                            "fps": round(fps, 1),
                        },
                    )
                )
                last_beat, beat_frames = now, frames
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return EXIT_OK  # the parent went away: nothing left to do
    finally:
        source.close()


def main(argv: list[str]) -> int:
    fd, parent_pid = int(argv[0]), int(argv[1])
    _die_with_parent(parent_pid)
    conn = Connection(fd)
    try:
        _kind, config = conn.recv()
        options = parse_options(config["device_id"], config["backend"], config["options"])
    except (EOFError, OSError):
        return EXIT_OK
    except ValueError as exc:
        conn.send(("error", str(exc)))
        return EXIT_OPEN
    try:
        return run(conn, config["backend"], options)
    except Exception as exc:
        # Tell the parent why before dying; the traceback goes to stderr for the journal.
        try:
            conn.send(("error", f"camera process crashed: {exc!r}"))
        except OSError:
            pass
        raise


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
