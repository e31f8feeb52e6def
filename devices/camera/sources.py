"""Where frames come from inside the camera process: a V4L2 camera, or a simulator playing a video
file or a folder of images (looping), paced at its configured frame rate."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from .options import CameraOptions, SimulatorOptions, V4l2Options

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}


class SourceError(RuntimeError):
    """The camera or the simulator's source cannot be opened."""


class FrameSource:
    description = ""

    def read(self) -> np.ndarray | None:
        """The next frame; None for a failed read (the caller counts failures)."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class V4l2Source(FrameSource):
    def __init__(self, options: V4l2Options):
        device = options.device
        self.description = f"/dev/video{device}" if isinstance(device, int) else device
        self._cap = cv2.VideoCapture(device, cv2.CAP_V4L2)
        if not self._cap.isOpened():
            self._cap.release()
            raise SourceError(f"无法打开摄像头 {self.description}")
        if options.width and options.height:
            self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, options.width)
            self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, options.height)
        if options.fps:
            self._cap.set(cv2.CAP_PROP_FPS, options.fps)

    def read(self) -> np.ndarray | None:
        ok, frame = self._cap.read()
        return frame if ok else None

    def close(self) -> None:
        self._cap.release()


class _Paced(FrameSource):
    """Hands out frames no faster than `fps`, as a real camera would."""

    def __init__(self, fps: float):
        self._interval = 1.0 / fps
        self._next = time.monotonic()

    def _pace(self) -> None:
        now = time.monotonic()
        if now < self._next:
            time.sleep(self._next - now)
        self._next = max(self._next + self._interval, time.monotonic() - self._interval)


class VideoFileSource(_Paced):
    def __init__(self, path: Path, fps: float, loop: bool):
        super().__init__(fps)
        self.description = f"simulator video {path.name}"
        self._path, self._loop = path, loop
        self._cap = self._open()
        self._ended = False

    def _open(self) -> cv2.VideoCapture:
        cap = cv2.VideoCapture(str(self._path))
        if not cap.isOpened():
            raise SourceError(f"无法播放 {self._path}")
        return cap

    def read(self) -> np.ndarray | None:
        self._pace()
        if self._ended:
            return None
        ok, frame = self._cap.read()
        if not ok and self._loop:
            # Reopening is more dependable than seeking back across codecs and containers.
            self._cap.release()
            self._cap = self._open()
            ok, frame = self._cap.read()
        if not ok:
            self._ended = True
            return None
        return frame

    def close(self) -> None:
        self._cap.release()


class ImageFolderSource(_Paced):
    def __init__(self, folder: Path, fps: float, loop: bool):
        super().__init__(fps)
        self.description = f"simulator images {folder.name}"
        self._frames: list[np.ndarray] = []
        for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
            # imdecode from bytes: imread cannot open every non-ASCII path.
            image = cv2.imdecode(np.fromfile(path, dtype=np.uint8), cv2.IMREAD_COLOR)
            if image is not None:
                self._frames.append(image)
        if not self._frames:
            raise SourceError(f"{folder} 中没有可读的图片")
        self._index, self._loop = 0, loop

    def read(self) -> np.ndarray | None:
        self._pace()
        if self._index >= len(self._frames):
            if not self._loop:
                return None
            self._index = 0
        frame = self._frames[self._index]
        self._index += 1
        return frame.copy()  # callers may draw on it


class StillHallSource(_Paced):
    """A generated still scene with fresh sensor noise in every frame: the camera runs, sees
    nobody, and reports no event (noise must never wake the kiosk)."""

    description = "simulator still scene"

    def __init__(self, fps: float, size: tuple[int, int] = (640, 480)):
        super().__init__(fps)
        self._rng = np.random.default_rng(0)
        coarse = self._rng.integers(40, 210, (size[1] // 16, size[0] // 16, 3), dtype=np.uint8)
        self._scene = cv2.resize(coarse, size, interpolation=cv2.INTER_LINEAR).astype(np.int16)

    def read(self) -> np.ndarray | None:
        self._pace()
        noise = self._rng.integers(-6, 7, self._scene.shape, dtype=np.int16)
        return np.clip(self._scene + noise, 0, 255).astype(np.uint8)


def open_source(backend: str, options: CameraOptions) -> FrameSource:
    if backend == "v4l2":
        assert isinstance(options, V4l2Options)
        return V4l2Source(options)
    if backend == "simulator":
        assert isinstance(options, SimulatorOptions)
        if options.source is None:
            return StillHallSource(options.fps)
        path = Path(options.source)
        if path.is_dir():
            return ImageFolderSource(path, options.fps, options.loop)
        return VideoFileSource(path, options.fps, options.loop)
    raise SourceError(f"未知的摄像头后端 {backend!r}")
