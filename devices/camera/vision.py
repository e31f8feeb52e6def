"""The camera's image work as plain functions and small stateful classes: no process, no device.

- `MotionDetector`: is something moving in front of the kiosk (wake it from the screensaver)?
- `FaceDetector`: OpenCV's Haar frontal-face cascade, which opencv-python 4.x ships.
- `decode_qr`: an appointment QR code held up to the camera (second path beside the scanner).
- `find_page`, `flatten_page`, `save_document`: photograph a paper material lying under the camera,
  straighten it and keep it as an electronic material (seed art. 29: 电子材料) with a JSON sidecar.

Frames are BGR `numpy` arrays as `cv2.VideoCapture` returns them (grey frames are accepted too).
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .events import DocumentNotFound, DocumentResult, check_document_path

FACE_CASCADE = "haarcascade_frontalface_default.xml"


def to_gray(frame: np.ndarray) -> np.ndarray:
    return frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def shrink_to_width(image: np.ndarray, width: int) -> tuple[np.ndarray, float]:
    """`image` at most `width` pixels wide, and the factor applied (1.0 when already small enough)."""
    if image.shape[1] <= width:
        return image, 1.0
    scale = width / image.shape[1]
    size = (width, max(1, round(image.shape[0] * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale


# --- presence ---------------------------------------------------------------------------------------


class MotionDetector:
    """Frame differencing against a running-average background.

    Each frame is shrunk to `width`, greyed and blurred (which removes most sensor noise before it
    can count), then compared with the background; a pixel has changed when it differs by more than
    `pixel_threshold` grey levels, and the frame shows motion when the changed pixels cover at least
    `min_area` of it. The background follows slow changes (daylight) at rate `alpha`. During the
    first `warmup_frames` frames nothing is reported and the background adapts fast, because a
    camera that has just opened is still settling its exposure.
    """

    def __init__(
        self,
        pixel_threshold: int = 25,
        min_area: float = 0.01,
        warmup_frames: int = 5,
        alpha: float = 0.05,
        width: int = 320,
    ):
        self.pixel_threshold = pixel_threshold
        self.min_area = min_area
        self.warmup_frames = warmup_frames
        self.alpha = alpha
        self.width = width
        self._background: np.ndarray | None = None
        self._frames = 0
        self._kernel = np.ones((3, 3), np.uint8)

    def reset(self) -> None:
        self._background = None
        self._frames = 0

    def changed_fraction(self, frame: np.ndarray) -> float | None:
        """The fraction of the frame that changed; None while warming up."""
        small, _ = shrink_to_width(to_gray(frame), self.width)
        small = cv2.GaussianBlur(small, (5, 5), 0)
        self._frames += 1
        if self._background is None or self._background.shape != small.shape:
            self._background = small.astype(np.float32)
            return None
        diff = cv2.absdiff(small, cv2.convertScaleAbs(self._background))
        _, mask = cv2.threshold(diff, self.pixel_threshold, 255, cv2.THRESH_BINARY)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, self._kernel)  # lone speckles are not a person
        warming = self._frames <= self.warmup_frames
        cv2.accumulateWeighted(small, self._background, 0.5 if warming else self.alpha)
        if warming:
            return None
        return cv2.countNonZero(mask) / mask.size

    def update(self, frame: np.ndarray) -> bool:
        """Feed one frame; True when it shows motion."""
        changed = self.changed_fraction(frame)
        return changed is not None and changed >= self.min_area


class FaceDetector:
    """Frontal faces by OpenCV's Haar cascade. `available` is False (with `error` saying why) where
    the cascade is missing, as in OpenCV 5, which ships none: presence then relies on motion."""

    def __init__(self, min_size: int = 30, width: int = 320):
        self.min_size = min_size
        self.width = width
        self.error = ""
        self._classifier: Any = None
        self._clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))
        try:
            path = os.path.join(cv2.data.haarcascades, FACE_CASCADE)  # type: ignore[attr-defined]  # not in cv2's stubs
            classifier = cv2.CascadeClassifier(path)
            if classifier.empty():
                self.error = f"cannot load {path}"
            else:
                self._classifier = classifier
        except (AttributeError, cv2.error) as exc:
            self.error = f"this OpenCV has no Haar cascades ({exc})"

    @property
    def available(self) -> bool:
        return self._classifier is not None

    def detect(self, frame: np.ndarray) -> list[tuple[int, int, int, int]]:
        """Faces as (x, y, w, h) in `frame`'s own pixels."""
        if self._classifier is None:
            return []
        small, scale = shrink_to_width(to_gray(frame), self.width)
        # Backlit halls: a face is often darker than the windows behind it. Local (CLAHE) rather
        # than global equalisation, which a large bright or dark background would dominate.
        small = self._clahe.apply(small)
        found = self._classifier.detectMultiScale(
            small, scaleFactor=1.1, minNeighbors=5, minSize=(self.min_size, self.min_size)
        )
        return [tuple(int(round(v / scale)) for v in rect) for rect in found]  # type: ignore[misc]


# --- QR codes -----------------------------------------------------------------------------------


def decode_qr(frame: np.ndarray, detector: cv2.QRCodeDetector | None = None) -> str | None:
    """The payload of a QR code in the frame (UTF-8 payloads, Chinese included), or None."""
    detector = detector or cv2.QRCodeDetector()
    try:
        text, _points, _straight = detector.detectAndDecode(frame)
    except cv2.error:
        return None  # degenerate detections raise inside OpenCV: no code to read
    return text or None


# --- documents --------------------------------------------------------------------------------------


def order_corners(points: np.ndarray) -> np.ndarray:
    """Four (x, y) points as top-left, top-right, bottom-right, bottom-left (float32, shape 4×2).

    Top-left has the smallest x + y and bottom-right the largest; top-right has the largest x − y,
    bottom-left the smallest. This holds for a page turned less than 45° from upright.
    """
    pts = np.asarray(points, dtype=np.float32).reshape(4, 2)
    total = pts.sum(axis=1)
    diff = pts[:, 0] - pts[:, 1]
    return np.array(
        [pts[np.argmin(total)], pts[np.argmax(diff)], pts[np.argmax(total)], pts[np.argmin(diff)]], dtype=np.float32
    )


def _page_masks(gray: np.ndarray) -> list[np.ndarray]:
    blurred = cv2.GaussianBlur(gray, (5, 5), 0)
    # A light page on the darker document mat: Otsu's threshold follows the page edge exactly.
    _, bright = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # Otherwise its outline: edges closed up by a dilation.
    edges = cv2.dilate(cv2.Canny(blurred, 50, 150), np.ones((3, 3), np.uint8), iterations=2)
    return [bright, edges]


def find_page(frame: np.ndarray, min_area: float = 0.10, work_width: int = 800) -> np.ndarray | None:
    """The corners of the largest four-cornered shape covering at least `min_area` of the frame,
    ordered as `order_corners` does, in `frame`'s pixels; None when there is none."""
    small, scale = shrink_to_width(to_gray(frame), work_width)
    smallest = min_area * small.shape[0] * small.shape[1]
    for mask in _page_masks(small):
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
            if cv2.contourArea(contour) < smallest:
                break
            perimeter = cv2.arcLength(contour, True)
            for epsilon in (0.02, 0.04):  # a little more tolerance for dog-eared corners
                approx = cv2.approxPolyDP(contour, epsilon * perimeter, True)
                if len(approx) == 4 and cv2.isContourConvex(approx):
                    return order_corners(approx.reshape(4, 2) / scale)
    return None


def page_aspect(corners: np.ndarray, image_size: tuple[int, int], focal_px: float | None = None) -> float | None:
    """The page's true width/height from its photographed corners (tl, tr, br, bl), or None.

    Photographed edge lengths are foreshortened by perspective. This recovers the rectangle's real
    proportions by Zhang and He's method ("Whiteboard scanning and image enhancement", 2007),
    assuming square pixels and the optical axis at the image centre. The method also estimates the
    focal length, but only when the page is seen in perspective both ways; a camera tilted along
    one axis (the usual document stand) leaves it undetermined, and then `focal_px`, or a typical
    webcam's (the image width: a field of view of about 53°), is used. `image_size` is (w, h).
    """
    tl, tr, br, bl = (np.array([x, y, 1.0]) for x, y in np.asarray(corners, dtype=np.float64))
    m1, m2, m3, m4 = tl, tr, bl, br  # the paper's numbering
    u0, v0 = image_size[0] / 2.0, image_size[1] / 2.0
    try:
        k2 = np.dot(np.cross(m1, m4), m3) / np.dot(np.cross(m2, m4), m3)
        k3 = np.dot(np.cross(m1, m4), m2) / np.dot(np.cross(m3, m4), m2)
    except FloatingPointError:
        return None
    if not (np.isfinite(k2) and np.isfinite(k3)):
        return None  # three corners on a line
    n2, n3 = k2 * m2 - m1, k3 * m3 - m1
    f = focal_px
    if f is None and abs(k2 - 1) > 0.02 and abs(k3 - 1) > 0.02:  # both vanishing points finite
        f2 = -(
            (n2[0] * n3[0] - (n2[0] * n3[2] + n2[2] * n3[0]) * u0 + n2[2] * n3[2] * u0 * u0)
            + (n2[1] * n3[1] - (n2[1] * n3[2] + n2[2] * n3[1]) * v0 + n2[2] * n3[2] * v0 * v0)
        ) / (n2[2] * n3[2])
        if np.isfinite(f2) and (0.3 * image_size[0]) ** 2 < f2 < (5 * image_size[0]) ** 2:
            f = float(np.sqrt(f2))
    if f is None:
        f = float(image_size[0])
    a_inv = np.linalg.inv(np.array([[f, 0, u0], [0, f, v0], [0, 0, 1.0]]))
    b = a_inv.T @ a_inv
    ratio2 = (n2 @ b @ n2) / (n3 @ b @ n3)
    if not np.isfinite(ratio2) or ratio2 <= 0:
        return None
    return float(np.sqrt(ratio2))


def flatten_page(frame: np.ndarray, corners: np.ndarray, focal_px: float | None = None) -> np.ndarray:
    """The page inside `corners` (tl, tr, br, bl) seen straight from above, as an upright rectangle.

    Its width is the longer of the photographed top and bottom edges; its height follows from the
    page's true proportions (`page_aspect`), or, where those cannot be recovered, from the longer
    of the photographed side edges.
    """
    tl, tr, br, bl = np.asarray(corners, dtype=np.float32)
    width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    aspect = page_aspect(corners, (frame.shape[1], frame.shape[0]), focal_px)
    # Trust the estimate only within reason: a wild value means the corners are off.
    if aspect is not None and 0.2 < aspect < 5 and 0.5 < (width / height) / aspect < 2:
        height = width / aspect
    width_px, height_px = int(round(width)), int(round(height))
    if width_px < 2 or height_px < 2:
        raise ValueError("the page corners enclose no area")
    target = np.array([[0, 0], [width_px - 1, 0], [width_px - 1, height_px - 1], [0, height_px - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(np.array([tl, tr, br, bl]), target)
    return cv2.warpPerspective(
        frame, matrix, (width_px, height_px), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _write_atomically(path: Path, data: bytes) -> None:
    # A half-written file must never look like a material: write beside it, then rename over.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def save_document(
    image: np.ndarray,
    path: str | Path,
    *,
    jpeg_quality: int = 90,
    extra: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> DocumentResult:
    """Save `image` as PNG or JPEG (by the file's extension) and a sidecar `<file>.json` with the
    capture time, pixel size, byte size and SHA-256 of the file as written."""
    path = Path(path)
    fmt = check_document_path(path)
    params = [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality] if fmt == "jpeg" else []
    # imencode, not imwrite: imwrite cannot open paths with Chinese characters on every platform.
    ok, encoded = cv2.imencode(path.suffix.lower(), image, params)
    if not ok:
        raise ValueError(f"{path.name}: OpenCV could not encode the image")
    data = encoded.tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(path, data)
    metadata: dict[str, Any] = {
        "file": path.name,
        "captured_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "format": fmt,
        "width": int(image.shape[1]),
        "height": int(image.shape[0]),
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        **(extra or {}),
    }
    side = sidecar_path(path)
    _write_atomically(side, json.dumps(metadata, ensure_ascii=False, indent=2).encode("utf-8"))
    return DocumentResult(path=path, sidecar_path=side, metadata=metadata)


def capture_document(
    frame: np.ndarray,
    path: str | Path,
    *,
    min_area: float = 0.10,
    jpeg_quality: int = 90,
    focal_px: float | None = None,
    now: datetime | None = None,
) -> DocumentResult:
    """Find the page in `frame`, straighten it and save it; DocumentNotFound when there is no page."""
    corners = find_page(frame, min_area)
    if corners is None:
        raise DocumentNotFound("no page found: lay the material flat inside the frame")
    page = flatten_page(frame, corners, focal_px)
    extra = {
        "source_size": [int(frame.shape[1]), int(frame.shape[0])],
        "page_corners": [[round(float(x), 1), round(float(y), 1)] for x, y in corners],
    }
    return save_document(page, path, jpeg_quality=jpeg_quality, extra=extra, now=now)
