"""`up` lays the hall's screens out side by side on the display it has, and `up --screenshots DIR --exit`
writes one picture per screen and the whole hall (issue 17: under Xvfb all eight windows stacked at the
centre, and without a display nothing could be seen). Plus `--open-now`, refused for a production folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml
from PIL import Image

from provisioning.__main__ import main
from provisioning.mosquitto import free_port
from provisioning.up_screens import MIN_SIZE, face_size, layout

from .test_up import UpRun

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "neixiang"
HALL = [  # the sample hall's screens at their natural sizes
    *[(f"kiosk-{i}", "kiosk", (1080, 1920)) for i in (1, 2)],
    *[(f"counter-c{i:02d}", "counter", (1280, 800)) for i in (1, 7, 15, 17)],
    ("display-1", "display", (1920, 1080)),
    ("supervisor-1", "supervisor", (1280, 800)),
]


def _tail(path: Path, lines: int = 25) -> str:
    return "".join(path.read_text(errors="replace").splitlines(keepends=True)[-lines:])


def _overlap(a, b) -> bool:
    return a.x < b.x + b.width and b.x < a.x + a.width and a.y < b.y + b.height and b.y < a.y + a.height


@pytest.mark.parametrize("screen", [(1920, 1080), (2560, 1440), (3840, 2160)])
def test_the_screens_fit_side_by_side_keeping_their_shapes(screen):
    places = layout(HALL, screen)
    assert sorted(p.node for p in places) == sorted(n for n, _r, _s in HALL)
    assert not [(a.node, b.node) for a in places for b in places if a is not b and _overlap(a, b)]
    assert all(p.x + p.width <= screen[0] and p.y + p.height <= screen[1] for p in places)
    natural = {n: s for n, _r, s in HALL}
    scales = [p.width / natural[p.node][0] for p in places]
    assert max(scales) - min(scales) < 0.005  # one scale for all: a kiosk stays a portrait kiosk by a counter
    assert all(abs(p.width / p.height - natural[p.node][0] / natural[p.node][1]) < 0.02 for p in places)
    # they use the display: a larger one gives larger windows
    assert places[0].width >= 0.3 * 1080


def test_never_smaller_than_a_screen_accepts():
    places = layout(HALL, (800, 600))  # too small for eight screens: they overflow rather than shrink
    assert all(p.width >= MIN_SIZE[0] and p.height >= MIN_SIZE[1] for p in places)
    assert face_size("kiosk", {"width": 720, "height": 1280}) == (720, 1280)
    assert face_size("display", None) == (1920, 1080)


def test_open_now_is_refused_for_a_production_folder(tmp_path, capsys):
    site = tmp_path / "hall"
    site.mkdir()
    shutil.copy(SAMPLE / "services.yaml", site)
    raw = yaml.safe_load((SAMPLE / "site.yaml").read_text(encoding="utf-8"))
    for who in ("operators", "supervisors"):  # a production hall has no published demo PINs
        raw[who] = [{**o, "demo_only": False, "id": f"{o['id']}-real"} for o in raw[who]]
    (site / "site.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    work = tmp_path / "work"
    assert main(["init", str(site), "--out", str(work), "--in-place", "--production", "--host", "127.0.0.1"]) == 0
    capsys.readouterr()
    assert main(["up", str(site), "--workdir", str(work), "--open-now"]) == 2
    err = capsys.readouterr()
    assert "refusing --open-now" in err.err and "production" in err.err
    assert not (work / "run" / "mosquitto.pid").exists()  # nothing was started
    assert main(["up", str(site), "--workdir", str(work), "--exit"]) == 2  # --exit needs --screenshots
    assert "--screenshots" in capsys.readouterr().err


@pytest.mark.ui
def test_up_takes_a_picture_of_every_screen_and_the_whole_hall_then_exits(tmp_path):
    if not os.environ.get("DISPLAY"):
        pytest.skip("needs an X display: run under xvfb-run (scripts/test.sh does)")
    site = tmp_path / "neixiang"
    site.mkdir()
    for name in ("site.yaml", "services.yaml"):
        shutil.copy(SAMPLE / name, site / name)
    shots, work = tmp_path / "shots", tmp_path / "work"
    up = UpRun(site, work, free_port(), free_port(), "--open-now", "--screenshots", str(shots), "--exit")
    try:
        rc = up.proc.wait(400)
    finally:
        up.stop(ctrl_c=False)
    out = up.out
    missing = [p.stem for p in (work / "logs").glob("*.log") if f"screenshot: {shots / p.stem}.png" not in out]
    tails = "".join(f"\n--- {work}/logs/{n}.log\n" + _tail(work / "logs" / f"{n}.log") for n in missing if "-" in n)
    assert rc == 0, out + tails
    assert "no process is left" in out and "DEMONSTRATION (--open-now)" in out
    faces = [
        "kiosk-1",
        "kiosk-2",
        "counter-c01",
        "counter-c07",
        "counter-c15",
        "counter-c17",
        "display-1",
        "supervisor-1",
    ]
    places = {}
    for node in faces:
        line = next(x for x in out.splitlines() if f"window '{node}' on display" in x)
        at, size = line.split(" at ")[1].split()[:2]
        places[node] = (*map(int, at.split(",")), *map(int, size.split("x")))
    for node, (_x, _y, w, h) in places.items():
        with Image.open(shots / f"{node}.png") as shot:
            assert shot.size == (w, h), node  # the window got the size up gave it
            colours = shot.convert("RGB").resize((32, 32)).getcolors(1024)
            assert colours and len(colours) > 3, node  # drawn, not a black or blank frame
    with Image.open(shots / "hall.png") as whole:
        assert whole.size == (
            max(x + w for x, y, w, h in places.values()),
            max(y + h for x, y, w, h in places.values()),
        )
    assert "DEMONSTRATION" in (work / "logs" / "broker.log").read_text()  # the broker was told: HALL_DEMO
