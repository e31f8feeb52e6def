"""The faces of `python -m provisioning up`: where their windows go, and their pictures.

Layout: every graphical node (kiosks, counter terminals, call screens, the supervisor tablet) gets a
window of its own shape (the site file's `screen: width/height`, else the face's default), all scaled by
one factor so that they fit side by side, tallest first, row after row, on the display `up` has (its size
read from the X server; with no display, a 2560x1440 canvas that nobody sees). Each face gets its window
through configuration only, no face code: `--windowed`; its size as its `screen:` width and height in its
own bundle's site file (same diagonal: the same panel at a lower resolution, so the whole face is drawn,
smaller); its place through Kivy's configuration from the environment (`KCFG_GRAPHICS_POSITION=custom`,
`KCFG_GRAPHICS_LEFT`, `KCFG_GRAPHICS_TOP`).

Pictures (`up --screenshots DIR`): each face is started with its remote-control socket
(`HALL_SCREEN_CONTROL`, a key of this run; kiosk_app/common/remote.py), off otherwise. Once a face answers,
has drawn its first frame and is online (connected to the hall), `up` waits a moment for the hall's
retained state to be drawn and asks it for a `screenshot`; then it pastes every picture where its window
is into `hall.png`, the whole hall as the display shows it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import secrets
import time
from dataclasses import dataclass
from multiprocessing.connection import Client
from pathlib import Path
from typing import Any

import yaml

# the faces' own default window sizes (kiosk_app settings), used when the site file gives none
FACE_SIZES = {"kiosk": (1080, 1920), "counter": (1280, 800), "display": (1920, 1080), "supervisor": (1280, 800)}
MIN_SIZE = (320, 240)  # the smallest window a face accepts
NO_DISPLAY_CANVAS = (2560, 1440)
GAP = 4  # pixels between windows
SETTLE_S = 2.0  # after a face is online: the retained state arrives and is drawn


@dataclass(frozen=True)
class Place:
    node: str
    role: str
    x: int
    y: int
    width: int
    height: int

    def args(self) -> list[str]:
        """The face's own option for a window rather than the full screen."""
        return ["--windowed"]

    def screen(self, screen: dict[str, Any] | None) -> dict[str, Any]:
        """The node's `screen:` settings for this window: the same panel (its diagonal unchanged) shown at
        this resolution, so the face draws everything it would, scaled down, rather than a cut-out of
        its full-size layout (a face keeps its pixel density for a plain `--window WxH`)."""
        return {**(screen or {}), "width": self.width, "height": self.height}

    def write_into(self, bundle_site: Path) -> None:
        """This window's size into the node's entry of its bundle's site file (`up`'s own folder)."""
        text = bundle_site.read_text(encoding="utf-8")
        header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
        site = yaml.safe_load(text)
        for n in site.get("nodes") or []:
            if n.get("id") == self.node:
                n["screen"] = self.screen(n.get("screen"))
        body = yaml.safe_dump(site, allow_unicode=True, sort_keys=False, width=110)
        bundle_site.write_text(header + f"# up: window {self.width}x{self.height} at {self.x},{self.y}\n" + body)

    def env(self) -> dict[str, str]:
        """Kivy's configuration from the environment: the window's place on the display."""
        return {"KCFG_GRAPHICS_POSITION": "custom", "KCFG_GRAPHICS_LEFT": str(self.x), "KCFG_GRAPHICS_TOP": str(self.y)}


def display_size(display: str | None) -> tuple[int, int] | None:
    """The X display's size in pixels (libX11 through ctypes: no extra tool needed), or None."""
    if not display:
        return None
    name = ctypes.util.find_library("X11")
    if not name:
        return None
    try:
        x11 = ctypes.CDLL(name)
        x11.XOpenDisplay.restype = ctypes.c_void_p
        x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        for fn in (x11.XDefaultScreen, x11.XCloseDisplay):
            fn.argtypes = [ctypes.c_void_p]
        x11.XDisplayWidth.argtypes = x11.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
        handle = x11.XOpenDisplay(display.encode())
        if not handle:
            return None
        try:
            screen = x11.XDefaultScreen(handle)
            return int(x11.XDisplayWidth(handle, screen)), int(x11.XDisplayHeight(handle, screen))
        finally:
            x11.XCloseDisplay(handle)
    except (OSError, AttributeError):
        return None


def face_size(role: str, screen: dict[str, Any] | None) -> tuple[int, int]:
    """A face's natural window size: its site-file `screen:` width and height, else the face's default."""
    width, height = FACE_SIZES.get(role, (1280, 800))
    screen = screen or {}
    return int(screen.get("width", width)), int(screen.get("height", height))


def _rows(sizes: list[tuple[int, int]], scale: float, width: int) -> list[list[int]] | None:
    """Indexes of `sizes` in rows (in order, left to right) at `scale`, or None if one is wider."""
    rows: list[list[int]] = [[]]
    used = 0
    for i, (w, _h) in enumerate(sizes):
        sw = int(w * scale)
        if sw > width:
            return None
        if rows[-1] and used + GAP + sw > width:
            rows.append([])
            used = 0
        used += (GAP if rows[-1] else 0) + sw
        rows[-1].append(i)
    return rows


def layout(faces: list[tuple[str, str, tuple[int, int]]], screen: tuple[int, int]) -> list[Place]:
    """Windows for `faces` (node, role, natural size) side by side, tallest first, row after row, all at
    the largest common scale that fits `screen`; never smaller than a face accepts (then the last rows
    overflow the display, which the caller says)."""
    if not faces:
        return []
    width, height = screen
    faces = sorted(faces, key=lambda f: -f[2][1])  # tallest first: rows of like heights waste less
    sizes = [size for _n, _r, size in faces]
    floor = max(max(MIN_SIZE[0] / w, MIN_SIZE[1] / h) for w, h in sizes)
    lo, hi = floor, 1.0
    for _ in range(30):  # the largest scale whose rows fit the height
        mid = (lo + hi) / 2
        rows = _rows(sizes, mid, width)
        fits = (
            rows is not None
            and sum(max(int(sizes[i][1] * mid) for i in r) for r in rows) + GAP * (len(rows) - 1) <= height
        )
        lo, hi = (mid, hi) if fits else (lo, mid)
    scale = max(lo, floor)
    rows = _rows(sizes, scale, width) or [[i] for i in range(len(sizes))]
    places: list[Place] = []
    y = 0
    for row in rows:
        x = 0
        for i in row:
            node, role, (w, h) = faces[i]
            pw, ph = max(MIN_SIZE[0], int(w * scale)), max(MIN_SIZE[1], int(h * scale))
            places.append(Place(node, role, x, y, pw, ph))
            x += pw + GAP
        y += max(max(MIN_SIZE[1], int(sizes[i][1] * scale)) for i in row) + GAP
    return places


class FaceControl:
    """The remote-control socket of one face (started with it) and what `up` asks of it."""

    def __init__(self, run_dir: Path, node: str):
        run_dir.mkdir(parents=True, exist_ok=True)
        self.node = node
        self.address = str(run_dir / f"{node}.sock")
        self.key = secrets.token_bytes(16)
        Path(self.address).unlink(missing_ok=True)

    def env(self) -> dict[str, str]:
        return {"HALL_SCREEN_CONTROL": self.address, "HALL_SCREEN_CONTROL_KEY": self.key.hex()}

    def ask(self, command: str, **kwargs: Any) -> Any:
        with Client(self.address, family="AF_UNIX", authkey=self.key) as conn:
            conn.send((command, kwargs))
            answer = conn.recv()
        if "error" in answer:
            raise RuntimeError(f"{self.node}: {command}: {answer['error']}")
        return answer["result"]

    last_seen = "it was not asked yet"

    def ready(self) -> bool:
        """It answers, has drawn its first frame and is online (when it says whether it is)."""
        if not os.path.exists(self.address):
            self.last_seen = "its control socket is not open yet"
            return False
        try:
            state = self.ask("state")
        except (OSError, EOFError, RuntimeError) as exc:
            self.last_seen = f"its control socket does not answer ({exc})"
            return False
        if state.get("first_frame_ms") is None:
            self.last_seen = "it has not drawn a frame yet"
            return False
        if state.get("online", True) is not True:
            self.last_seen = "it is not connected to the hall's MQTT broker"
            return False
        return True


def take_screenshots(
    faces: dict[str, FaceControl], folder: Path, timeout_s: float, alive, say, exited=lambda node: None
) -> dict[str, Path]:
    """One PNG per face in `folder` (NODE.png), each once the face is ready; {node: path}. `alive()` is
    checked while waiting (the hall may be stopping); `exited(node)` is a face's exit status once its
    program has ended (then it is not waited for)."""
    folder.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_s
    waiting = dict(faces)
    ready_at: dict[str, float] = {}
    shots: dict[str, Path] = {}
    while waiting and time.monotonic() < deadline and alive():
        for node, face in list(waiting.items()):
            code = exited(node)
            if code is not None:
                say(f"  screenshot of {node}: its program exited with {code} (see its log)")
                del waiting[node]
                continue
            if node not in ready_at:
                if face.ready():
                    ready_at[node] = time.monotonic()
                continue
            if time.monotonic() - ready_at[node] < SETTLE_S:
                continue
            path = folder / f"{node}.png"
            try:
                face.ask("screenshot", path=str(path.resolve()))
            except (OSError, EOFError, RuntimeError) as exc:
                say(f"  screenshot of {node} failed: {exc}")
                del waiting[node]
                continue
            shots[node] = path
            del waiting[node]
            say(f"  screenshot: {path}")
        time.sleep(0.2)
    for node, face in waiting.items():
        say(f"  screenshot of {node}: not ready within {timeout_s:g} s: {face.last_seen} (see its log)")
    return shots


def montage(places: list[Place], shots: dict[str, Path], out: Path) -> Path | None:
    """The whole hall in one picture: each face's screenshot where its window is."""
    from PIL import Image

    placed = [p for p in places if p.node in shots]
    if not placed:
        return None
    width = max(p.x + p.width for p in placed)
    height = max(p.y + p.height for p in placed)
    canvas = Image.new("RGB", (width, height), (40, 40, 40))
    for p in placed:
        with Image.open(shots[p.node]) as shot:
            canvas.paste(shot.convert("RGB").resize((p.width, p.height)), (p.x, p.y))
    canvas.save(out, optimize=True)
    return out
