"""What the camera hands its owner: events, document results and errors (no OpenCV needed here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

EventKind = Literal["presence", "qr"]

# What a captured document may be saved as: the file name's extension → format.
IMAGE_FORMATS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}


def check_document_path(path: str | Path) -> str:
    """The format for `path`; ValueError for an extension other than .png, .jpg, .jpeg."""
    fmt = IMAGE_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ValueError(f"{Path(path).name}: save documents as .png, .jpg or .jpeg")
    return fmt


@dataclass(frozen=True)
class CameraEvent:
    """`presence`: someone is in front of the kiosk (wake the screensaver); `reason` is "motion"
    (with `score` the changed fraction of the frame) or "face" (`score` the number of faces).
    `qr`: a QR code was read; `text` is its payload."""

    kind: EventKind
    at: datetime
    text: str = ""
    reason: str = ""
    score: float = 0.0


@dataclass(frozen=True)
class DocumentResult:
    """A captured electronic material: the image file, its JSON sidecar and the sidecar's content."""

    path: Path
    sidecar_path: Path
    metadata: dict[str, Any] = field(default_factory=dict)


class CameraError(RuntimeError):
    """The camera could not do what was asked (not running, crashed meanwhile, timed out, I/O)."""


class DocumentNotFound(CameraError):
    """No page (a large four-cornered shape) in the picture: ask the citizen to lay it flat."""
