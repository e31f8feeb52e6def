"""Blind mode at the kiosk (issue 23 item 1): a real kiosk window (a child process) with the tactile keypad's
and the headphone jack's simulators (the real decoders and debouncer inside), the real queue broker and a
real Mosquitto. A ticket taken with keys alone, with what was said checked in order and rendered to WAVs by
espeak-ng (no sound card here: the kiosk's `auto` player keeps the files; we read what went to it); help
reaching the floor marked 视障; the jack, a long press and walking away starting and ending the mode; junk from
the keypad refused with a plain message and nothing changed."""

from __future__ import annotations

import wave

import pytest

from tests.ui.hall import KIOSK_DEVICES, Node

from ..voice.conftest import needs_espeak
from .conftest import kiosk_hall

pytestmark = pytest.mark.ui

SCREEN = {"width": 720, "height": 1280, "diagonal_in": 14.3}
DEVICES = [
    *KIOSK_DEVICES,
    {"id": "keys", "kind": "tactile_keypad", "backend": "simulator", "options": {}},
    {"id": "jack", "kind": "audio_jack", "backend": "simulator", "options": {"settle_ms": 50}},
]


def press(kiosk, key_name: str) -> dict:
    """One key of the tactile keypad; returns the kiosk's state once the mode has answered it."""
    before = len(kiosk.state()["blind_spoken"])
    kiosk.device("tactile_keypad", "press", args=[key_name])
    return kiosk.wait_for(lambda s: len(s["blind_spoken"]) > before, 10, f"an answer to {key_name}")


def said_since(state: dict, before: int) -> list[str]:
    return state["blind_spoken"][before:]


def wav_seconds(path: str) -> float:
    with wave.open(path) as w:
        return w.getnframes() / w.getframerate()


@needs_espeak
def test_a_ticket_with_keys_alone_spoken_in_order_and_help_marked_visually_impaired(
    mosquitto, tmp_path, site_id, display
):
    with kiosk_hall(mosquitto.url, tmp_path, site_id, display, kiosk=SCREEN, kiosk_devices=DEVICES) as h:
        kiosk, watcher = h.kiosk, h.watcher
        st = press(kiosk, "KEY_KP5")  # any key starts the mode; it is not taken as a choice
        assert st["blind_active"] and st["blind_by"] == "key" and st["screen"] == "blind"
        assert st["blind_screen"] == "home" and st["blind_spoken"][-1] == "第一项，常办事项。"
        press(kiosk, "KEY_KP8")  # 第二项 按部门选择事项
        press(kiosk, "KEY_KP2")  # back to 常办事项
        press(kiosk, "KEY_KP5")  # open it: the kiosk's frequent items, zh-general first
        st = press(kiosk, "KEY_NUMERIC_POUND")  # # chooses too: the item's details
        assert st["blind_screen"] == "service"
        st = press(kiosk, "KEY_ENTER")  # the keypad's OK key: 取号
        st = kiosk.wait_for(lambda s: s["blind_number"], 10, "the ticket")
        assert [t.number for t in h.broker.tickets()] == ["A001"]  # one ticket, taken by keys alone
        said = st["blind_spoken"]
        # everything said, in order: welcome, home, 常办事项, the item, 取号, the number twice, where to sit
        order = [
            "您已进入语音导航。按2键和8键上下选择，按5键或井号键确认，按星号键返回，按1键重听，按0键呼叫工作人员。",
            "首页，共六项。",
            "第一项，常办事项。",
            "第二项，按部门选择事项。",
            "常办事项，共四项。",
            "第一项，综合咨询受理，编号一。",
            "正在取号，请稍候。",
            "取号成功。",
            "您的号码是：",
            "诶，零，零，一",
            "再说一遍：",
            "诶，零，零，一",
        ]
        positions = [said.index(line) for line in order[:-1]] + [len(said) - 1 - said[::-1].index(order[-1])]
        assert positions == sorted(positions), said
        assert any(line.startswith("综合咨询受理。综合受理，现在等候") for line in said)  # the item's details
        assert any(line.startswith("前面还有") for line in said[positions[-1] :])
        # rendered by espeak-ng and handed to the player: the ticket's step, slow enough to follow
        st = kiosk.wait_for(lambda s: any(p["text"].startswith("取号成功") for p in s["blind_played"]), 30, "spoken")
        ticket_wav = next(p for p in st["blind_played"] if p["text"].startswith("取号成功"))
        assert ticket_wav["rate"] == 150 and wav_seconds(ticket_wav["wav"]) > 6
        assert "诶，零，零，一" in ticket_wav["text"]
        kiosk.wait_for(lambda s: s["print_phase"] == "printed", 10, "the paper ticket too")
        assert "A001" in " ".join(kiosk.texts())  # a sighted helper reads it on the screen
        kiosk.screenshot("blind-ticket")

        # 请工作人员引导: the floor gets an alert marked 视障
        press(kiosk, "KEY_KP8")
        before = len(kiosk.state()["blind_spoken"])
        kiosk.device("tactile_keypad", "press", args=["KEY_KP5"])
        st = kiosk.wait_for(lambda s: "已通知工作人员，请在原地稍候，工作人员会来帮您。" in said_since(s, before), 10)
        alert = watcher.wait_for("event/alert", lambda b: b.get("rule") == "help" and b["state"] == "raised")
        assert alert["need"] == "visually_impaired" and "视障" in alert["message"] and alert["node_id"] == "kiosk-1"
        assert st["blind_screen"] == "help"
        before = len(st["blind_spoken"])
        kiosk.device("tactile_keypad", "press", args=["KEY_KP5"])  # 取消求助
        kiosk.wait_for(lambda s: "已取消求助。" in said_since(s, before), 10)
        watcher.wait_for("event/alert", lambda b: b.get("id") == alert["id"] and b["state"] == "cleared")
        assert len(h.broker.tickets()) == 1  # still the one ticket
        assert kiosk.state()["ui_errors"] == 0


def test_the_jack_a_long_press_and_walking_away_start_and_end_the_mode(mosquitto, tmp_path, site_id, display):
    screen = {**SCREEN, "blind_idle_timeout_s": 6}
    with kiosk_hall(mosquitto.url, tmp_path, site_id, display, kiosk=screen, kiosk_devices=DEVICES) as h:
        kiosk = h.kiosk
        # headphones in, the plug bouncing: one start, said first
        kiosk.device("audio_jack", "bounce", args=[True, 4, 0.005])
        st = kiosk.wait_for(lambda s: s["blind_active"], 10, "the mode")
        assert st["blind_by"] == "jack" and st["headphones"] and st["screen"] == "blind"
        assert st["blind_spoken"][0] == "已检测到耳机。"
        kiosk.screenshot("blind")
        kiosk.device("audio_jack", "unplug")  # headphones out: the mode ends, the kiosk is home again
        st = kiosk.wait_for(lambda s: not s["blind_active"] and s["screen"] == "home", 10, "the end")
        assert not st["headphones"]

        # in elderly mode and in English: the same mode, English words, the slower voice
        kiosk.tap("header.elderly")
        kiosk.tap("header.language")
        kiosk.wait_for(lambda s: s["elderly"] and s["language"] == "en")
        kiosk.device("audio_jack", "plug")
        st = kiosk.wait_for(lambda s: s["blind_active"] and s["blind_spoken"], 10, "the mode in English")
        assert st["blind_spoken"][0] == "Headphones detected."
        assert "Voice guidance on" in " ".join(kiosk.texts())
        st = press(kiosk, "KEY_KP8")
        assert st["blind_spoken"][-1].startswith("2: ")
        st = kiosk.wait_for(lambda s: s["blind_played"], 30, "a step rendered")
        assert st["blind_played"][0]["rate"] == 120  # elderly: slower
        kiosk.device("audio_jack", "unplug")
        st = kiosk.wait_for(lambda s: not s["blind_active"] and s["screen"] == "home")
        assert st["language"] == "zh" and st["elderly"]  # the flow is over (the language too); elderly is the kiosk's
        kiosk.tap("header.elderly")

        # a long press anywhere (2 s) starts it; what the finger rested on is not pressed
        kiosk.call("long_press", tid="home.priority", seconds=2.4)
        st = kiosk.wait_for(lambda s: s["blind_active"], 10, "the mode by a long press")
        assert st["blind_by"] == "long_press" and not st["help_active"] and st["screen"] == "blind"
        # nobody presses a key: 您还在吗, then the mode ends by itself
        st = kiosk.wait_for(lambda s: not s["blind_active"], 25, "the walk-away end")
        assert "您还在吗？请按任意键继续。" in st["blind_spoken"] and st["screen"] == "home"

        # a sighted helper's 退出语音导航 ends it too
        kiosk.device("tactile_keypad", "press", args=["KEY_KP1"])  # a key starts it again
        kiosk.wait_for(lambda s: s["blind_active"] and s["blind_by"] == "key", 10, "the mode by a key")
        kiosk.tap("blind.exit")
        kiosk.wait_for(lambda s: not s["blind_active"] and s["screen"] == "home")
        assert h.broker.tickets() == [] and kiosk.state()["ui_errors"] == 0


def test_junk_from_the_keypad_gives_a_plain_message_and_changes_nothing(mosquitto, tmp_path, site_id, display):
    with kiosk_hall(mosquitto.url, tmp_path, site_id, display, kiosk=SCREEN, kiosk_devices=DEVICES) as h:
        kiosk, watcher = h.kiosk, h.watcher
        press(kiosk, "KEY_KP5")
        st = press(kiosk, "KEY_KP8")
        before = st["blind_spoken"]
        assert before[-1] == "第二项，按部门选择事项。"
        for _ in range(12):  # keys this keypad does not have (another device on the port, a fault)
            kiosk.device("tactile_keypad", "press", args=["KEY_F13"])
        st = kiosk.wait_for(lambda s: s["blind_message"], 10, "a plain message")
        assert st["blind_message"].startswith("无障碍键盘发送了无法识别的按键，已忽略")
        assert st["blind_spoken"] == [*before, "键盘发出了无法识别的按键，已忽略。"]  # said once, nothing chosen
        assert st["blind_screen"] == "home" and st["screen"] == "blind"
        assert st["devices"]["keys"]["state"] == "degraded"
        health = watcher.wait_for("node/kiosk-1/device/keys", lambda b: b["state"] == "degraded")
        assert "无法识别" in health["message"]
        # a real key of the pad that means nothing here: a short hint, still nothing changed
        st = press(kiosk, "KEY_LEFT")
        assert st["blind_spoken"][-1] == "请按2键或8键选择，按5键确认，按星号键返回。"
        st = press(kiosk, "KEY_KP1")  # repeat: still on 按部门选择事项, where the citizen was
        assert st["blind_spoken"][-1] == "第二项，按部门选择事项。" and st["blind_message"] == ""
        assert h.broker.tickets() == [] and kiosk.state()["ui_errors"] == 0


def test_the_sign_or_text_choice_travels_with_the_ticket_to_the_counter(mosquitto, tmp_path, site_id, display):
    """Issue 23 item 2: 需要手语/文字沟通 chosen on the item screen goes out as the ticket's `needs` on
    cmd/ticket/issue; the counter that calls the ticket reads it (its banner is the counter's own test)."""
    with kiosk_hall(mosquitto.url, tmp_path, site_id, display, kiosk=SCREEN) as h:
        kiosk = h.kiosk
        kiosk.tap("home.item.zh-general")
        kiosk.tap("item.sign")
        kiosk.wait_for(lambda s: s["sign_or_text"], 5, "the choice")
        assert "需要手语/文字沟通：已选，点此取消" in kiosk.texts()
        kiosk.screenshot("item-sign-or-text")
        kiosk.tap("item.take")
        st = kiosk.wait_for(lambda s: s["ticket_phase"] == "shown", 10, "the ticket")
        assert "needs" not in st["ticket"]  # the kiosk's reply does not repeat it
        kiosk.wait_text("已告知窗口：您需要手语或文字沟通")
        kiosk.screenshot("ticket-sign-or-text")
        first = st["ticket"]["number"]
        kiosk.tap("ticket.done")  # the next citizen starts without it
        kiosk.wait_for(lambda s: s["screen"] == "home" and not s["sign_or_text"])
        kiosk.tap("home.item.zh-general")
        kiosk.tap("item.take")
        second = kiosk.wait_for(lambda s: s["ticket_phase"] == "shown", 10, "the second ticket")["ticket"]["number"]
        needs = {t.number: t.needs for t in h.broker.tickets()}
        assert needs == {first: ("sign_or_text",), second: ()}
        assert "已告知窗口" not in " ".join(kiosk.texts())

        desk = Node(mosquitto.url, site_id, "counter-W1", "counter")
        try:
            desk.open_counters("W1")
            called = desk.send(desk.t.counter_cmd("W1", "call-next"))
            assert called["ticket"]["number"] == first and called["ticket"]["needs"] == ["sign_or_text"]
        finally:
            desk.stop()
        assert kiosk.state()["ui_errors"] == 0
