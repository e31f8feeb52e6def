"""The kiosk camera (OpenCV, in its own process): presence to wake the screensaver, QR codes as a
second check-in path, and document capture as electronic materials.

    camera = open_camera(device_cfg, health, on_event=lambda event: ...)   # CameraEvent
    camera.start()
    result = camera.capture_document("var/materials/T0042-1.png")         # DocumentResult
    camera.stop()

Backends: `v4l2` (a USB camera) and `simulator` (a video file or a folder of images, looping).
The image work is in `devices.camera.vision` as plain functions. See
docs/devices-scanner-keypad-camera.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..health import HealthReporter
from .events import CameraError, CameraEvent, DocumentNotFound, DocumentResult
from .options import CameraOptions, CameraOptionsError, SimulatorOptions, V4l2Options, parse_options
from .process import Camera

__all__ = [
    "Camera",
    "CameraError",
    "CameraEvent",
    "CameraOptions",
    "CameraOptionsError",
    "DocumentNotFound",
    "DocumentResult",
    "SimulatorOptions",
    "V4l2Options",
    "open_camera",
]


def open_camera(cfg: Any, health: HealthReporter, on_event: Callable[[CameraEvent], None]) -> Camera:
    """Build the camera a `DeviceConfig` (kind `camera`) describes; `.start()` runs its process.
    `on_event(CameraEvent)` is called on the camera's supervisor thread."""
    if cfg.kind != "camera":
        raise CameraOptionsError(f"device {cfg.id!r} is a {cfg.kind}, not a camera")
    options = parse_options(cfg.id, cfg.backend, cfg.options)
    return Camera(cfg.id, cfg.backend, options, health, on_event)
