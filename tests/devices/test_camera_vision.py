"""The camera's image work as pure functions, on images the tests draw themselves."""

from __future__ import annotations

import hashlib
import json

import cv2
import numpy as np
import pytest
import qrcode

from devices.camera import CameraOptionsError, DocumentNotFound, open_camera
from devices.camera.analyzer import FrameAnalyzer
from devices.camera.options import CameraOptions, parse_options
from devices.camera.vision import (
    FaceDetector,
    MotionDetector,
    capture_document,
    decode_qr,
    find_page,
    flatten_page,
    order_corners,
    page_aspect,
    save_document,
)
from devices.health import HealthReporter
from queue_broker.config.models import DeviceConfig

from .conftest import assert_options_refused

SIZE = (640, 480)  # width, height of the generated camera frames


# --- scene generators ----------------------------------------------------------------------------


def hall_background(seed: int = 0) -> np.ndarray:
    """A textured, still scene (walls, furniture) so that noise and motion have something to hide in."""
    rng = np.random.default_rng(seed)
    img = rng.integers(30, 220, (SIZE[1] // 8, SIZE[0] // 8, 3), dtype=np.uint8)
    return cv2.resize(img, SIZE, interpolation=cv2.INTER_LINEAR)


def with_noise(frame: np.ndarray, rng: np.random.Generator, sigma: float = 6.0) -> np.ndarray:
    """Sensor noise as a cheap camera in a dim hall makes it."""
    return np.clip(frame + rng.normal(0, sigma, frame.shape), 0, 255).astype(np.uint8)


def person(frame: np.ndarray, x: int) -> np.ndarray:
    """A dark figure (head and body) standing at column x."""
    out = frame.copy()
    cv2.circle(out, (x, 130), 45, (60, 70, 90), -1)
    cv2.rectangle(out, (x - 70, 175), (x + 70, 480), (40, 40, 50), -1)
    return out


def drawn_face(size: int = 200, background: int = 60) -> np.ndarray:
    """A simple drawn frontal face (skin oval, hair, eyes, brows, nose, mouth) that the Haar cascade
    takes for one: the light and dark regions are where a real face has them."""
    img = np.full((SIZE[1], SIZE[0]), background, np.uint8)
    cx, cy, s = SIZE[0] // 2, SIZE[1] // 2, size / 200

    def p(dx: float, dy: float) -> tuple[int, int]:
        return cx + int(dx * s), cy + int(dy * s)

    def r(a: float, b: float) -> tuple[int, int]:
        return int(a * s), int(b * s)

    cv2.ellipse(img, p(0, 0), r(75, 100), 0, 0, 360, 190, -1)
    cv2.ellipse(img, p(0, -70), r(78, 40), 0, 180, 360, 40, -1)
    for dx in (-32, 32):
        cv2.ellipse(img, p(dx, -22), r(16, 8), 0, 0, 360, 50, -1)
        cv2.line(img, p(dx - 18, -40), p(dx + 18, -40), 60, max(1, int(5 * s)))
    cv2.line(img, p(0, -15), p(0, 20), 165, max(1, int(6 * s)))
    cv2.ellipse(img, p(0, 25), r(14, 6), 0, 0, 360, 140, -1)
    cv2.ellipse(img, p(0, 52), r(28, 9), 0, 0, 360, 90, -1)
    return cv2.cvtColor(cv2.GaussianBlur(img, (0, 0), 2 * s), cv2.COLOR_GRAY2BGR)


def qr_image(payload: str, box_size: int = 6) -> np.ndarray:
    return np.array(qrcode.make(payload, box_size=box_size, border=4).convert("RGB"))[:, :, ::-1].copy()


PAGE_W, PAGE_H = 420, 594  # A4 proportions, portrait
MARKERS = {"tl": (0, 0, 255), "tr": (0, 255, 0), "br": (255, 0, 0), "bl": (0, 255, 255)}  # BGR


def document_page() -> np.ndarray:
    """An A4 page with a coloured square near each corner and some 'text' lines."""
    page = np.full((PAGE_H, PAGE_W, 3), 235, np.uint8)
    m, pad = 40, 12
    boxes = {
        "tl": ((pad, pad), (pad + m, pad + m)),
        "tr": ((PAGE_W - pad - m, pad), (PAGE_W - pad, pad + m)),
        "br": ((PAGE_W - pad - m, PAGE_H - pad - m), (PAGE_W - pad, PAGE_H - pad)),
        "bl": ((pad, PAGE_H - pad - m), (pad + m, PAGE_H - pad)),
    }
    for name, (a, b) in boxes.items():
        cv2.rectangle(page, a, b, MARKERS[name], -1)
    for y in range(110, 500, 28):
        cv2.line(page, (70, y), (350, y), (50, 50, 50), 3)
    return page


def photographed(
    page: np.ndarray,
    tilt_x: float,
    tilt_y: float,
    spin: float = 0.0,
    *,
    focal: float = 900,
    distance: float = 1300,
    frame_size: tuple[int, int] = (960, 720),
    seed: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """`page` lying on a dark mat, photographed by a pinhole camera (optical axis at the image centre)
    after turning the page by the given angles in degrees. Returns the frame and the page's true
    corners in it (tl, tr, br, bl)."""
    h, w = page.shape[:2]
    plane = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]], float)
    ax, ay, az = np.radians([tilt_x, tilt_y, spin])
    rx = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
    ry = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
    rz = np.array([[np.cos(az), -np.sin(az), 0], [np.sin(az), np.cos(az), 0], [0, 0, 1]])
    points = plane @ (rz @ ry @ rx).T + np.array([0, 0, distance])
    corners = np.stack(
        [
            focal * points[:, 0] / points[:, 2] + frame_size[0] / 2,
            focal * points[:, 1] / points[:, 2] + frame_size[1] / 2,
        ],
        axis=1,
    ).astype(np.float32)
    matrix = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), corners)
    rng = np.random.default_rng(seed)
    frame = rng.normal(70, 8, (frame_size[1], frame_size[0], 3)).clip(0, 255).astype(np.uint8)
    warped = cv2.warpPerspective(page, matrix, frame_size)
    inside = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, frame_size) > 0
    frame[inside] = warped[inside]
    return with_noise(frame, rng, 3.0), corners


# --- presence: motion ----------------------------------------------------------------------------


def test_a_still_scene_with_sensor_noise_stays_asleep():
    rng = np.random.default_rng(7)
    still = hall_background()
    detector = MotionDetector()
    assert not any(detector.update(with_noise(still, rng, sigma=8.0)) for _ in range(60))


def test_a_person_walking_in_wakes_it():
    rng = np.random.default_rng(8)
    still = hall_background()
    detector = MotionDetector()
    for _ in range(10):
        assert not detector.update(with_noise(still, rng))
    walking = [detector.update(with_noise(person(still, x), rng)) for x in range(120, 520, 40)]
    assert all(walking)


def test_nothing_is_reported_during_warm_up_even_when_exposure_settles():
    rng = np.random.default_rng(9)
    still = hall_background()
    detector = MotionDetector(warmup_frames=5)
    brightening = [np.clip(still.astype(int) + 60 - 12 * i, 0, 255).astype(np.uint8) for i in range(5)]
    assert [detector.update(with_noise(f, rng)) for f in brightening] == [False] * 5
    assert detector.changed_fraction(with_noise(still, rng)) is not None  # warm-up over


def test_a_change_smaller_than_the_area_threshold_does_not_wake_it():
    rng = np.random.default_rng(10)
    still = hall_background()
    detector = MotionDetector(min_area=0.01)
    for _ in range(8):
        detector.update(with_noise(still, rng))
    fly = still.copy()
    cv2.circle(fly, (300, 200), 6, (0, 0, 0), -1)  # about 0.04 % of the frame
    assert not detector.update(with_noise(fly, rng))
    assert detector.changed_fraction(with_noise(person(still, 320), rng)) > 0.1


# --- presence: faces -----------------------------------------------------------------------------


def test_the_haar_cascade_that_opencv_4_ships_is_there():
    detector = FaceDetector()
    assert detector.available, detector.error


@pytest.mark.parametrize("size", [140, 200, 260])
def test_a_drawn_face_is_found_where_it_is(size):
    faces = FaceDetector().detect(drawn_face(size))
    assert len(faces) == 1
    x, y, w, h = faces[0]
    assert abs(x + w / 2 - SIZE[0] / 2) < 25 and abs(y + h / 2 - SIZE[1] / 2) < 40
    assert 0.6 * size < w < 1.6 * size  # in the frame's own pixels, not the analysis width's


def test_no_face_in_an_empty_hall_noise_or_a_document():
    detector = FaceDetector()
    rng = np.random.default_rng(11)
    assert detector.detect(hall_background()) == []
    assert detector.detect(with_noise(np.full((480, 640, 3), 128, np.uint8), rng, 20)) == []
    assert detector.detect(cv2.resize(document_page(), (640, 480))) == []


def test_presence_events_are_rate_limited_and_faces_count_when_nobody_moves():
    options = CameraOptions(presence_cooldown_s=2.0, face_every_s=0.5, qr=False)
    analyzer = FrameAnalyzer(options)
    rng = np.random.default_rng(12)
    face = drawn_face(200)
    events = []
    for i in range(30):  # 3 s at 10 fps of someone standing still in front of the kiosk
        events += [(i, e) for e in analyzer.process(with_noise(face, rng, 3.0), now=100 + i / 10)]
    assert [e["reason"] for _, e in events] == ["face", "face"]  # motion sees nobody: all still
    assert events[1][0] - events[0][0] >= 20  # two seconds apart
    assert events[0][1]["score"] == 1.0


# --- QR codes ------------------------------------------------------------------------------------


def test_decodes_an_ascii_appointment_code():
    assert decode_qr(qr_image("YY20261127-0042")) == "YY20261127-0042"


def test_decodes_a_chinese_payload_held_up_in_a_noisy_frame():
    payload = "预约码:YY20261127-0042 内乡县政务服务中心 不动产登记"
    frame = hall_background()
    code = qr_image(payload, 5)  # about a phone screen's size at arm's length
    frame[120 : 120 + code.shape[0], 200 : 200 + code.shape[1]] = code
    frame = with_noise(frame, np.random.default_rng(13), 5.0)
    assert decode_qr(frame) == payload


def test_no_qr_code_gives_none():
    assert decode_qr(hall_background()) is None
    assert decode_qr(np.zeros((10, 10, 3), np.uint8)) is None


def test_a_qr_code_held_in_view_is_reported_once_and_again_after_it_was_away():
    analyzer = FrameAnalyzer(CameraOptions(motion=False, faces=False, qr_every_s=0.2, qr_repeat_s=3.0))
    shown, hidden = qr_image("YY-1"), np.full((270, 270, 3), 255, np.uint8)
    timeline = [(t / 10, shown if t < 50 or t >= 90 else hidden) for t in range(0, 120)]
    got = [(t, e["text"]) for t, f in timeline for e in analyzer.process(f, now=t)]
    # Held 5 s: once. Away 4 s and shown again: once more, at the next look (every 0.2 s).
    assert [text for _, text in got] == ["YY-1", "YY-1"]
    assert got[0][0] == 0.0 and 9.0 <= got[1][0] <= 9.2


# --- documents -----------------------------------------------------------------------------------


def corner_colours(image: np.ndarray) -> dict[str, np.ndarray]:
    """The mean colour of a small patch inside each corner of `image`, where the markers belong."""
    h, w = image.shape[:2]
    cx, cy = int(0.075 * w), int(0.055 * h)  # the markers' centres on the page, as fractions
    k = max(3, int(0.02 * w))
    spots = {"tl": (cx, cy), "tr": (w - cx, cy), "br": (w - cx, h - cy), "bl": (cx, h - cy)}
    return {name: image[y - k : y + k, x - k : x + k].reshape(-1, 3).mean(axis=0) for name, (x, y) in spots.items()}


def assert_markers_in_corners(image: np.ndarray) -> None:
    for name, colour in corner_colours(image).items():
        assert np.abs(colour - np.array(MARKERS[name])).max() < 70, (name, colour)


@pytest.mark.parametrize(
    ("tilt_x", "tilt_y", "spin"),
    [(0, 0, 0), (25, 20, 0), (30, -25, 5), (15, 15, -10), (35, 10, 8)],
)
def test_a_page_photographed_in_perspective_comes_out_flat_and_upright(tilt_x, tilt_y, spin):
    frame, truth = photographed(document_page(), tilt_x, tilt_y, spin)
    corners = find_page(frame)
    assert corners is not None
    assert np.abs(corners - truth).max() < 5  # pixels
    flat = flatten_page(frame, corners)
    assert flat.shape[0] / flat.shape[1] == pytest.approx(PAGE_H / PAGE_W, rel=0.05)
    assert_markers_in_corners(flat)


def test_a_camera_tilted_one_way_needs_its_focal_length_for_exact_proportions():
    frame, _ = photographed(document_page(), 35, 0, 6, focal=700, distance=1000)
    corners = find_page(frame)
    calibrated = flatten_page(frame, corners, focal_px=700)
    assert calibrated.shape[0] / calibrated.shape[1] == pytest.approx(PAGE_H / PAGE_W, rel=0.03)
    assert_markers_in_corners(calibrated)
    assert_markers_in_corners(flatten_page(frame, corners))  # uncalibrated: still upright


def test_page_aspect_is_exact_for_exact_corners_and_order_corners_sorts_them():
    _, truth = photographed(document_page(), 28, -22, 12)
    assert page_aspect(truth, (960, 720)) == pytest.approx(PAGE_W / PAGE_H, rel=1e-3)
    shuffled = truth[[2, 0, 3, 1]]
    assert np.array_equal(order_corners(shuffled), truth)


def test_no_page_in_view_raises_document_not_found(tmp_path):
    with pytest.raises(DocumentNotFound):
        capture_document(hall_background(), tmp_path / "x.png")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["材料-身份证复印件.png", "material.jpg"])
def test_captured_material_is_saved_with_a_sidecar(tmp_path, name):
    frame, _ = photographed(document_page(), 20, 15)
    result = capture_document(frame, tmp_path / "T0042" / name)
    data = result.path.read_bytes()
    sidecar = json.loads(result.sidecar_path.read_text("utf-8"))
    assert result.sidecar_path.name == name + ".json"
    assert sidecar["sha256"] == hashlib.sha256(data).hexdigest() and sidecar["bytes"] == len(data)
    assert sidecar["format"] == ("png" if name.endswith(".png") else "jpeg")
    assert sidecar["captured_at"].endswith("+00:00") and sidecar["source_size"] == [960, 720]
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert (sidecar["width"], sidecar["height"]) == (image.shape[1], image.shape[0])
    assert_markers_in_corners(image)
    assert sorted(p.name for p in result.path.parent.iterdir()) == sorted([name, name + ".json"])  # no temp files


def test_only_png_and_jpeg_are_saved(tmp_path):
    with pytest.raises(ValueError, match=r"\.png, \.jpg"):
        save_document(document_page(), tmp_path / "page.gif")


# --- options -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("backend", "options", "message"),
    [
        ("simulator", {"fps": 0}, "fps"),
        ("simulator", {"source": "/nonexistent/hall.avi"}, "does not exist"),
        ("v4l2", {"device": 0, "zoom": 2}, "zoom: Extra inputs are not permitted"),
        ("v4l2", {"motion_min_area": 0}, "motion_min_area"),
        ("usb", {}, "unknown camera backend 'usb'"),
    ],
)
def test_bad_options_are_refused_naming_the_device(backend, options, message):
    cfg = DeviceConfig(id="kiosk2-camera", kind="camera", backend=backend, options=options)
    assert_options_refused(open_camera, cfg, CameraOptionsError, message, print)


def test_defaults_are_valid_for_v4l2():
    options = parse_options("cam", "v4l2", {"device": "/dev/v4l/by-id/usb-cam-video-index0"})
    assert options.watchdog_s > options.heartbeat_s


def test_every_camera_of_the_example_site_opens():
    from queue_broker.config.loader import load_site_config
    from tests.conftest import SAMPLE_SITE

    site = load_site_config(SAMPLE_SITE)
    devices = [d for node in site.nodes for d in node.devices if d.kind == "camera"]
    assert devices
    for device in devices:
        assert open_camera(device, HealthReporter(), print) is not None  # not started: no process
