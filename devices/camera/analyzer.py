"""Per-frame decisions of the camera process: when to look for what, and when to tell the kiosk.

`FrameAnalyzer.process(frame, now)` returns plain dicts (they cross the process pipe) and does no
I/O, so it is tested with generated frames and a made-up clock. `now` is a monotonic time in
seconds; the camera process stamps each event with the wall-clock time itself.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from .options import CameraOptions
from .vision import FaceDetector, MotionDetector, decode_qr


class FrameAnalyzer:
    """Motion on every frame (cheap at the analysis width); faces, which cost more, only every
    `face_every_s` and only when motion has not already said someone is there; QR codes every
    `qr_every_s`.

    A presence event goes out at most once per `presence_cooldown_s`: the kiosk only needs to know
    it should wake. A QR code is reported once while it stays in view, and again only after it has
    been out of sight for `qr_repeat_s` (a citizen holding a phone up must not check in ten times).
    """

    def __init__(self, options: CameraOptions):
        self.options = options
        self.motion = MotionDetector(
            options.motion_pixel_threshold,
            options.motion_min_area,
            options.motion_warmup_frames,
            options.motion_background_alpha,
            options.analysis_width,
        )
        self.faces = FaceDetector(options.face_min_px, options.analysis_width) if options.faces else None
        self._qr = cv2.QRCodeDetector()
        self._last_presence: float | None = None
        self._last_face_check: float | None = None
        self._last_qr_check: float | None = None
        self._qr_text: str | None = None
        self._qr_seen: float = 0.0

    @property
    def face_problem(self) -> str:
        """Why face detection is off although configured on ('' when fine or not wanted)."""
        return self.faces.error if self.faces is not None and not self.faces.available else ""

    def process(self, frame: np.ndarray, now: float) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        presence = self._presence(frame, now)
        if presence is not None:
            events.append(presence)
        if self.options.qr and _due(self._last_qr_check, now, self.options.qr_every_s):
            self._last_qr_check = now
            qr = self._read_qr(frame, now)
            if qr is not None:
                events.append(qr)
        return events

    def _presence(self, frame: np.ndarray, now: float) -> dict[str, Any] | None:
        reason, score = "", 0.0
        if self.options.motion:
            changed = self.motion.changed_fraction(frame)
            if changed is not None and changed >= self.options.motion_min_area:
                reason, score = "motion", changed
        if (
            not reason
            and self.faces is not None
            and self.faces.available
            and _due(self._last_face_check, now, self.options.face_every_s)
        ):
            self._last_face_check = now
            found = self.faces.detect(frame)
            if found:
                reason, score = "face", float(len(found))
        if not reason or not _due(self._last_presence, now, self.options.presence_cooldown_s):
            return None
        self._last_presence = now
        return {"kind": "presence", "reason": reason, "score": round(score, 4)}

    def _read_qr(self, frame: np.ndarray, now: float) -> dict[str, Any] | None:
        text = decode_qr(frame, self._qr)
        if text is None:
            return None
        known = text == self._qr_text and now - self._qr_seen < self.options.qr_repeat_s
        self._qr_text, self._qr_seen = text, now
        if known:
            return None
        return {"kind": "qr", "text": text}


def _due(last: float | None, now: float, every: float) -> bool:
    return last is None or now - last >= every
