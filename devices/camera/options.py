"""The camera's `options` in the site configuration, per backend, unknown keys refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..serialport import problems


class CameraOptionsError(ValueError):
    """A camera's `options` do not fit its backend; the message names the device."""


class CameraOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # presence (wake the kiosk)
    motion: bool = True
    motion_pixel_threshold: int = Field(default=25, ge=1, le=255)  # grey levels
    motion_min_area: float = Field(default=0.01, gt=0, le=1)  # fraction of the frame
    motion_warmup_frames: int = Field(default=5, ge=0, le=1000)
    motion_background_alpha: float = Field(default=0.05, gt=0, le=1)
    analysis_width: int = Field(default=320, ge=80, le=4096)
    faces: bool = True
    face_min_px: int = Field(default=30, ge=12, le=1000)  # at analysis_width
    face_every_s: float = Field(default=0.5, ge=0, le=60)
    presence_cooldown_s: float = Field(default=2.0, ge=0, le=600)
    # QR codes
    qr: bool = True
    qr_every_s: float = Field(default=0.25, ge=0, le=60)
    qr_repeat_s: float = Field(default=3.0, ge=0, le=3600)  # same code again only after this out of sight
    # documents
    page_min_area: float = Field(default=0.10, gt=0, le=1)
    focal_px: float | None = Field(default=None, gt=0)  # the lens's focal length in pixels, if calibrated
    jpeg_quality: int = Field(default=90, ge=10, le=100)
    capture_timeout_s: float = Field(default=10.0, gt=0, le=120)
    # the camera process
    heartbeat_s: float = Field(default=0.5, gt=0, le=10)
    watchdog_s: float = Field(default=5.0, gt=0, le=600)  # no frame for this long: a hung camera
    start_timeout_s: float = Field(default=20.0, gt=0, le=600)  # process start to first frame
    restart_initial_s: float = Field(default=1.0, gt=0, le=600)
    restart_max_s: float = Field(default=30.0, gt=0, le=3600)


class V4l2Options(CameraOptions):
    device: int | str = 0  # an index or a path such as /dev/video0 or /dev/v4l/by-id/...
    width: int | None = Field(default=640, ge=16)
    height: int | None = Field(default=480, ge=16)
    fps: float | None = Field(default=None, gt=0, le=240)
    read_failures: int = Field(default=30, ge=1)  # failed reads in a row before the process gives up


class SimulatorOptions(CameraOptions):
    # A video file (looped), or a folder of images played in name order; none: a generated empty
    # hall with sensor noise, in which nothing ever happens (a kiosk demo without camera footage).
    source: str | None = None
    fps: float = Field(default=10.0, gt=0, le=240)
    loop: bool = True

    @model_validator(mode="after")
    def _source_exists(self) -> SimulatorOptions:
        if self.source is not None and not Path(self.source).exists():
            raise ValueError(f"simulator source {self.source!r} does not exist")
        return self


BACKENDS: dict[str, type[CameraOptions]] = {"v4l2": V4l2Options, "simulator": SimulatorOptions}


def parse_options(device_id: str, backend: str, options: dict[str, Any] | None) -> CameraOptions:
    model = BACKENDS.get(backend)
    if model is None:
        raise CameraOptionsError(f"device {device_id!r}: unknown camera backend {backend!r} (use v4l2 or simulator)")
    try:
        return model.model_validate(options or {})
    except ValidationError as exc:
        raise CameraOptionsError(
            f"device {device_id!r} (kind camera, backend {backend}): invalid options: {problems(exc, 'options')}"
        ) from None
