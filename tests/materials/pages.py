"""Pages to check, drawn here: a typed A4 page, blank, blurred and shaken copies, an ID card (front with a
drawn face, in the card's 85.6 × 54 mm proportions), a card lying on a page, a photographed page."""

from __future__ import annotations

import cv2
import numpy as np

from tests.devices.test_camera_vision import drawn_face, photographed


def text_page(w: int = 1240, h: int = 1754, seed: int = 0) -> np.ndarray:
    """An A4 page at 150 dpi with lines of typed words."""
    rng = np.random.default_rng(seed)
    page = np.full((h, w, 3), 240, np.uint8)
    y = 150
    while y < h - 150:
        x = 120
        while x < w - 300:
            word = "".join(rng.choice(list("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"), int(rng.integers(2, 8))))
            cv2.putText(page, word, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (30, 30, 30), 2, cv2.LINE_AA)
            x += 30 * len(word) + 25
        y += 55
    return page


def blank_page(w: int = 1240, h: int = 1754) -> np.ndarray:
    rng = np.random.default_rng(1)
    return np.clip(rng.normal(240, 3, (h, w, 3)), 0, 255).astype(np.uint8)


def blurred(page: np.ndarray, sigma: float = 4.0) -> np.ndarray:
    return cv2.GaussianBlur(page, (0, 0), sigma)


def shaken(page: np.ndarray, length: int = 25) -> np.ndarray:
    kernel = np.full((1, length), 1.0 / length)
    return cv2.filter2D(page, -1, kernel)


def id_card_front(width: int = 856) -> np.ndarray:
    """The front of a resident ID card in its proportions: text on the left, the holder's photo right."""
    height = int(round(width * 54 / 85.6))
    card = np.full((height, width, 3), 215, np.uint8)
    s = width / 856
    face = drawn_face(200, 200)[240 - 150 : 240 + 150, 320 - 120 : 320 + 120]
    fh, fw = int(300 * s), int(240 * s)
    y0, x0 = int(100 * s), int(570 * s)
    card[y0 : y0 + fh, x0 : x0 + fw] = cv2.resize(face, (fw, fh))
    for y in range(int(120 * s), int(420 * s), int(50 * s)):
        cv2.line(card, (int(60 * s), y), (int(480 * s), y), (60, 60, 60), max(2, int(6 * s)))
    return card


def card_on_page() -> np.ndarray:
    """An ID card laid on a typed page (or its photocopy on A4): the page's proportions are A4's."""
    page = text_page()
    card = id_card_front()
    h, w = card.shape[:2]
    cv2.rectangle(page, (176, 396), (180 + w + 4, 400 + h + 4), (20, 20, 20), 4)
    page[400 : 400 + h, 180 : 180 + w] = card
    return page


def photo_of(page: np.ndarray, tilt: tuple[float, float] = (20, 0), distance: float = 4200) -> np.ndarray:
    """`page` photographed by a 5 MP document camera (2592 × 1944) from `distance` (closer: cut off)."""
    frame, _corners = photographed(page, *tilt, focal=2600, distance=distance, frame_size=(2592, 1944))
    return frame


def png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()


def jpeg(image: np.ndarray, quality: int = 90) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return data.tobytes()
