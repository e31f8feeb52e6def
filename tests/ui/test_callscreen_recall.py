"""A number called again is seen, not only heard (issue 23 item 2, the call screen's part): the call
screen, a real Kivy app in its own process (under Xvfb), the real queue broker and a real Mosquitto;
the counter's recalls sent as a counter terminal sends them. The recall's words show under the number, the
number's panel takes other colours than a first call's (read back from the rendered frame), the recent
calls mark it, and a screen started in the middle of a recalled call highlights it from `state/counters`.
The wording and the choice of the call in progress are checked without a window too."""

from __future__ import annotations

from datetime import UTC, datetime

import cv2
import pytest

from kiosk_app.callscreen.recall import again_text, call_in_progress

from .hall import write_site
from .harness import HallParts, ScreenProcess, step

TIMEOUT = pytest.mark.timeout(180)

# kiosk_app/callscreen/colours.py, as RGB
PANEL, FLASH = (0x0C, 0x27, 0x44), (0xB3, 0x26, 0x1E)
AGAIN, AGAIN_FLASH = (0x4A, 0x14, 0x8C), (0xD8, 0x1B, 0x60)


def test_the_words_of_a_number_called_again():
    assert again_text(0) == ""
    assert again_text(1) == "再次呼叫"
    assert again_text(2, last_call=True) == "最后一次呼叫"
    assert again_text(0, resumed=True) == "续办 · 请回窗口"


def test_the_call_in_progress_is_the_latest_one_still_calling():
    def counter(number, serving):
        return {"id": f"W{number}", "number": number, "zone": "main", "serving": serving}

    at = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    counters = [
        counter(1, {"number": "A001", "state": "called", "recalls": 2, "called_at": at.replace(minute=5)}),
        counter(2, {"number": "B001", "state": "called", "recalls": 0, "called_at": at.replace(minute=1)}),
        counter(3, {"number": "C001", "state": "serving", "recalls": 0, "called_at": at.replace(minute=9)}),
        counter(4, None),
    ]
    assert call_in_progress(counters) == {"number": "A001", "counter_number": 1, "recalls": 2, "zone": "main"}
    assert call_in_progress(counters[2:]) is None  # serving is no call any more


def hero_colour(cs: ScreenProcess, name: str) -> tuple[int, int, int]:
    """The number panel's colour in the frame rendered now, just inside its left edge."""
    box = next(w for w in cs.call("widgets") if w["tid"] == "cs.hero.number")
    path = cs.screenshot(name)
    image = cv2.imread(str(path))
    height = image.shape[0]
    b, g, r = image[int(height - box["y"] - box["h"] / 2), int(box["x"] + 4)]
    return int(r), int(g), int(b)


def near(colour: tuple[int, int, int], *choices: tuple[int, int, int]) -> bool:
    return any(max(abs(a - b) for a, b in zip(colour, c, strict=True)) <= 6 for c in choices)


@pytest.mark.ui
@TIMEOUT
def test_the_call_screen_highlights_a_number_called_again(mosquitto, site_id, tmp_path):
    site = write_site(tmp_path, site_id)
    with HallParts(mosquitto.url, site_id, tmp_path) as hall:
        hall.broker(site)
        kiosk = hall.node("kiosk-1", "kiosk")
        desk = hall.node("counter-x", "counter")
        cs = hall.screen("callscreen", site, "display-1", "cs")
        for _ in range(2):
            kiosk.issue("zh-general")
        cs.connect()
        cs.wait_for(lambda s: s["online"] and s["has_state"], 30, "the first state")
        desk.open_counters("W1")

        with step("a first call: no recall words, the usual colours"):
            assert desk.send(desk.t.counter_cmd("W1", "call-next"))["ticket"]["number"] == "A001"
            st = cs.wait_for(lambda s: s["hero_number"] == "A001", 5, "A001 called")
            assert st["hero_again"] == "" and "再次呼叫" not in cs.screen_text()
            assert near(hero_colour(cs, str(tmp_path / "first")), PANEL, FLASH)

        with step("called again: the words under the number and the recall's own colours"):
            assert desk.send(desk.t.counter_cmd("W1", "recall"))["ok"]
            st = cs.wait_for(lambda s: s["hero_recall"] == 1, 5, "the recall")
            assert st["hero_again"] == "再次呼叫" and st["flashing"]
            assert "第1次重呼" in cs.wait_text("再次呼叫")
            assert near(hero_colour(cs, "callscreen-recall"), AGAIN, AGAIN_FLASH)
            assert st["metrics"]["calls"][-1]["again"] == "再次呼叫"

        with step("the last call before a no-show says so"):
            assert desk.send(desk.t.counter_cmd("W1", "recall"))["ok"]
            st = cs.wait_for(lambda s: s["hero_recall"] == 2, 5, "the second recall")
            assert st["hero_again"] == "最后一次呼叫" and "第2次重呼" in cs.wait_text("最后一次呼叫")

        with step("after the flashing the panel keeps the recall's colour"):
            st = cs.wait_for(lambda s: not s["flashing"], 15, "the flashing over")
            assert near(hero_colour(cs, str(tmp_path / "steady")), AGAIN)

        with step("the next number is a first call again; the recalled one is marked in the recent calls"):
            assert desk.send(desk.t.counter_cmd("W1", "no-show"))["ok"]
            assert desk.send(desk.t.counter_cmd("W1", "call-next"))["ticket"]["number"] == "A002"
            st = cs.wait_for(lambda s: s["hero_number"] == "A002", 5, "A002 called")
            assert st["hero_again"] == "" and st["recent"][0]["number"] == "A001" and st["recent"][0]["again"]
            cs.wait_text("1号窗口  再次呼叫")

        with step("a call screen started during a recalled call highlights it at once"):
            assert desk.send(desk.t.counter_cmd("W1", "recall"))["ok"]
            cs.wait_for(lambda s: s["hero_again"] == "再次呼叫", 5, "A002 recalled")
            late = hall.screen("callscreen", site, "display-1", "late")
            late.connect()
            st = late.wait_for(lambda s: s["hero_number"] == "A002", 30, "the call in progress from the state")
            assert st["hero_again"] == "再次呼叫" and st["hero_window"] == "1号窗口" and st["hero_recall"] == 1
            assert late.state()["ui_errors"] == 0 and cs.state()["ui_errors"] == 0
