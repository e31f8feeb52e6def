"""Is this picture a page worth keeping? The checks a material passes before it is kept (issue 23 item 5),
run on the board for the citizen's screen and again on the hall server, which trusts no board.

In order, each refusal a plain sentence the screen shows and the voice can read:
- not an image we take (PNG or JPEG only), or more pixels than `max_pixels`: read from the file's header
  before anything is decoded, so a decompression bomb is never unpacked;
- (a raw photo) **page edges**: the page must be found (`devices.camera.vision.find_page`: the largest
  four-cornered shape) and none of its corners may touch the frame's border: part of the page would be
  outside the picture. It is then straightened like the camera's own capture;
- too small: the page's shorter side under `min_side_px` (photographed from too far away);
- **an ID card** (never kept: the card is read by the reader, seed art. 29): see `looks_like_id_card`;
- **blank**: less than `min_ink` of the page is writing (dark marks after a local threshold, the
  margins left out, where a page's shadow or a scanner's edge lies);
- **blurred**: the variance of the second derivative, across and along the page separately, measured
  where the writing is (at 1000 px wide); the smaller of the two under `min_sharpness`. Sharp print has
  strong second derivatives at the strokes' edges; focus blur flattens them both ways, a shaken hand one
  way (which the Laplacian alone misses: the other direction keeps it high). Measuring only around the
  writing makes the figure independent of how much of the page is empty.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

WORK_WIDTH = 1000
ID1_ASPECT = 85.6 / 54.0  # ISO/IEC 7810 ID-1: the resident ID card, bank and social-security cards
CARD_ASPECT = (1.50, 1.70)  # A4 and A5 are 1.414, letter 1.294, a 16:9 screen 1.78


class MaterialRefused(ValueError):
    """A picture that is not kept; `code` for programs, `str()` a sentence for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class PageCheck:
    width: int
    height: int
    ink: float  # share of the page that is writing
    sharpness: float  # variance of the second derivative around the writing (the weaker direction), at WORK_WIDTH
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "width": self.width,
            "height": self.height,
            "ink": round(self.ink, 4),
            "sharpness": round(self.sharpness, 1),
            **self.extra,
        }


def image_size(data: bytes) -> tuple[str, int, int]:
    """(format, width, height) from a PNG or JPEG header, without decoding the image."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "png", width, height
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            (length,) = struct.unpack(">H", data[i + 2 : i + 4])
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return "jpeg", width, height
            i += 2 + length
        raise MaterialRefused("not_an_image", "这张图片不完整，无法读取，请重新拍摄")
    raise MaterialRefused("not_an_image", "只接受 PNG 或 JPEG 格式的图片")


def decode(data: bytes, max_pixels: int) -> np.ndarray:
    fmt, width, height = image_size(data)
    if width * height > max_pixels:
        raise MaterialRefused(
            "too_large",
            f"图片像素过多（{width}×{height}），上限约 {max_pixels // 1_000_000} 百万像素，请降低分辨率后重拍",
        )
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise MaterialRefused("not_an_image", "这张图片已损坏，无法读取，请重新拍摄")
    return image


def gray_at_work_width(image: np.ndarray) -> np.ndarray:
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    scale = WORK_WIDTH / gray.shape[1]
    return cv2.resize(gray, (WORK_WIDTH, max(1, int(round(gray.shape[0] * scale)))), interpolation=cv2.INTER_AREA)


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Writing: pixels clearly darker than their neighbourhood (a local threshold, so uneven light and a
    grey paper do not count as writing)."""
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 20) > 0


def measure(image: np.ndarray) -> PageCheck:
    gray = gray_at_work_width(image)
    h, w = gray.shape
    my, mx = int(h * 0.05), int(w * 0.05)  # the margins: shadows, the scanner's lid, the page's own edge
    inner = gray[my : h - my, mx : w - mx]
    ink = ink_mask(inner)
    share = float(ink.mean()) if ink.size else 0.0
    near = cv2.dilate(ink.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    sharpness = 0.0
    if near.any():
        # each direction on its own: a shake blurs one direction and leaves the other's edges sharp
        d2x = cv2.Sobel(inner, cv2.CV_64F, 2, 0, ksize=3)
        d2y = cv2.Sobel(inner, cv2.CV_64F, 0, 2, ksize=3)
        sharpness = float(min(d2x[near].var(), d2y[near].var()))
    return PageCheck(int(image.shape[1]), int(image.shape[0]), share, sharpness)


_faces: Any = None


def _face_detector() -> Any:
    global _faces
    if _faces is None:
        path = getattr(getattr(cv2, "data", None), "haarcascades", "") + "haarcascade_frontalface_default.xml"
        cascade = cv2.CascadeClassifier(path) if hasattr(cv2, "CascadeClassifier") else None
        _faces = cascade if cascade is not None and not cascade.empty() else False
    return _faces


def has_face(image: np.ndarray) -> bool:
    detector = _face_detector()
    if not detector:
        return False  # OpenCV 5 ships no cascade: only the card's proportions are checked
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    scale = 480 / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    small = cv2.equalizeHist(small)
    found = detector.detectMultiScale(small, scaleFactor=1.1, minNeighbors=4, minSize=(24, 24))
    return len(found) > 0


def card_aspect(width: float, height: float) -> bool:
    long, short = max(width, height), min(width, height)
    return short > 0 and CARD_ASPECT[0] <= long / short <= CARD_ASPECT[1]


def looks_like_id_card(image: np.ndarray) -> str | None:
    """Why this picture is (or holds) an ID card, or None.

    The resident ID card is ISO/IEC 7810 ID-1, 85.6 × 54 mm: width/height 1.585. A page found and
    straightened with those proportions (1.50–1.70, which no paper format has: A4 and A5 are 1.414) is a
    card: refused, whatever side is up (bank and social-security cards share the size and are refused
    too). A page with a card-shaped region in it (a card laid on a sheet, or a photocopy of the card)
    covering 3–60 % of it, with a face inside (the photo on the card's front; the Haar cascade OpenCV 4
    ships), is refused too."""
    h, w = image.shape[:2]
    if card_aspect(w, h):
        return "card"
    gray = gray_at_work_width(image)
    edges = cv2.dilate(cv2.Canny(cv2.GaussianBlur(gray, (5, 5), 0), 50, 150), np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    area = gray.shape[0] * gray.shape[1]
    scale = image.shape[1] / gray.shape[1]
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:20]:
        a = cv2.contourArea(contour)
        if not 0.03 * area <= a <= 0.6 * area:
            continue
        (cx, cy), (rw, rh), _angle = cv2.minAreaRect(contour)
        if not card_aspect(rw, rh) or a < 0.8 * rw * rh:
            continue
        x, y, bw, bh = cv2.boundingRect(contour)
        crop = image[int(y * scale) : int((y + bh) * scale), int(x * scale) : int((x + bw) * scale)]
        if crop.size and has_face(crop):
            return "card_on_page"
    return None


def check_page(image: np.ndarray, rules: Any) -> PageCheck:
    """A straightened page (from the camera's capture or a scanner): kept, or MaterialRefused."""
    h, w = image.shape[:2]
    if min(w, h) < rules.min_side_px:
        raise MaterialRefused("too_small", f"页面太小（{w}×{h} 像素）：请把材料放近一些，或提高扫描分辨率")
    why = looks_like_id_card(image)
    if why is not None:
        raise MaterialRefused("id_card", "这像是身份证（或同样大小的卡片）的照片：身份证由读卡器读取，照片不予留存")
    check = measure(image)
    if check.ink < rules.min_ink:
        raise MaterialRefused("blank", "这一页是空白页，没有内容：请换一页，或把有字的一面朝上")
    if check.sharpness < rules.min_sharpness:
        raise MaterialRefused("blurred", "照片模糊，看不清字：请把材料放平、拿稳，等对焦清楚后重拍")
    return check


def page_from_photo(frame: np.ndarray, min_area: float = 0.10, margin: float = 0.01) -> np.ndarray:
    """A raw photo: find the page, refuse it when an edge is cut off, straighten it."""
    from devices.camera.vision import find_page, flatten_page

    corners = find_page(frame, min_area)
    if corners is None:
        raise MaterialRefused("no_page", "没有找到页面：请把材料平放在取景框内，背景尽量深一些")
    h, w = frame.shape[:2]
    mx, my = margin * w, margin * h
    at_border = [x <= mx or y <= my or x >= w - 1 - mx or y >= h - 1 - my for x, y in corners]
    if all(at_border):  # the "page" is the whole frame: nothing stands out from the background
        raise MaterialRefused("no_page", "没有找到页面：请把材料平放在取景框内，背景尽量深一些")
    if any(at_border):
        raise MaterialRefused("page_cut", "页面边缘没有拍全：请把整页放进取景框，四个角都要看得见")
    return flatten_page(frame, corners)


def check_upload(data: bytes, rules: Any, source: str) -> tuple[np.ndarray, PageCheck]:
    """The whole check of an uploaded file: (the page as kept, the figures) or MaterialRefused."""
    image = decode(data, rules.max_pixels)
    if source == "photo":
        image = page_from_photo(image)
    return image, check_page(image, rules)
