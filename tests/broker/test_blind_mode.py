"""The blind mode's parts together, without Kivy (issue 23 item 1; the screen binding is phase 2): the
headphone jack starts it, the tactile keypad (simulator, the real decoder) drives the spoken navigation,
its actions go to the real queue broker over the real Mosquitto as a kiosk sends them, a ticket is taken
with keys alone, every step is rendered to a WAV by espeak-ng, the help request reaches the floor as an
alert marked 视障, and junk from the keypad changes nothing."""

from __future__ import annotations

from devices.health import HealthReporter
from devices.jack import open_jack
from devices.tactile import open_tactile_keypad
from queue_broker.config.models import DeviceConfig
from tests.waiting import wait_for
from voice.audio import RATE
from voice.guide import BlindGuide, GuideVoice

from ..voice.conftest import needs_espeak


class Kiosk:
    """What the kiosk's blind mode will do in phase 2: keys into the guide, actions to the broker, answers
    back into the guide, each step spoken (here: rendered, and its duration kept)."""

    def __init__(self, node, guide: BlindGuide, voice: GuideVoice, tmp_path):
        self.node, self.guide, self.voice, self.tmp = node, guide, voice, tmp_path
        self.steps = []
        self.seconds = 0.0

    def speak(self, step) -> None:
        self.steps.append(step)
        path = self.voice.render(step, self.tmp / f"step-{len(self.steps):03d}.wav", rate=self.guide.rate)
        self.seconds += path.stat().st_size / 2 / RATE
        if step.action is not None:
            self.act(step.action)

    def act(self, action) -> None:
        t = self.node.t
        if action.kind == "issue":
            reply = self.node.issue(action.service_id)
            self.speak(
                self.guide.ticket_issued(reply["ticket"])
                if reply["ok"]
                else self.guide.issue_failed(reply["error"]["message"], action.service_id)
            )
        elif action.kind in ("help", "cancel_help"):
            reply = self.node.send(
                t.ticket_cmd("help"), kiosk_id="kiosk-1", need=action.need, cancel=action.kind == "cancel_help"
            )
            if action.kind == "help":
                self.speak(self.guide.help_sent(reply["ok"], (reply.get("error") or {}).get("message", "")))
            else:
                self.speak(self.guide.help_cancelled())

    def on_key(self, key: str) -> None:
        self.speak(self.guide.key(key))


@needs_espeak
def test_a_ticket_and_a_help_request_with_keys_alone(hall, kiosk, recorder, tmp_path):
    desk = hall.node("counter-W1", "counter")
    desk.counter("W1", "open", operator_id="demo", pin="123456")
    catalog = hall.service.catalog
    guide = BlindGuide(catalog)
    guide.set_queues(hall.service.engine.queues_state(hall.clock()))
    mode = Kiosk(kiosk, guide, GuideVoice(tmp_path / "voice-cache"), tmp_path)
    health = HealthReporter()
    pad = open_tactile_keypad(DeviceConfig(id="kiosk1-keys", kind="tactile_keypad"), health, mode.on_key)
    jack = open_jack(
        DeviceConfig(id="kiosk1-jack", kind="audio_jack", options={"settle_ms": 50}), health, lambda ev: None
    )
    pad.start()
    t = 1000.0

    def press(*names):
        nonlocal t
        for name in names:
            t += 0.3
            pad.press(name, t=t)

    try:
        # the mode starts when headphones go in (the kiosk's handler, phase 2, calls start(by="jack"))
        jack.start()
        jack.bounce(True, flips=4, gap_s=0.005)
        wait_for(lambda: jack.plugged is True, 3, "the plug to settle")
        assert [e.plugged for e in jack.events] == [False, True]  # the bounce was one plug
        mode.speak(guide.start(by="jack"))
        press("KEY_F13", "KEY_A")  # junk: nothing said, nothing sent
        assert len(mode.steps) == 1
        press("KEY_KP5")  # 常办事项
        press("KEY_KP5")  # 综合咨询受理
        press("KEY_KP5")  # 取号 -> the issue goes to the broker
        ticket_step = mode.steps[-1]
        number = hall.service.engine.tickets[next(iter(hall.service.engine.tickets))].number
        assert ticket_step.screen == "ticket" and number == "A001"
        assert [line.text for line in ticket_step.lines[:3]] == ["取号成功。", "您的号码是：", "诶，零，零，一"]
        said = [line.text for step in mode.steps for line in step.lines]
        assert said.index("常办事项，共三项。") < said.index("正在取号，请稍候。") < said.index("取号成功。")
        assert mode.seconds > 10  # every step rendered, the ticket read slowly enough to follow
        issued = recorder.wait_for("/event/issued", lambda b: b["number"] == "A001")
        assert issued["kiosk_id"] == "kiosk-1"
        # 请工作人员引导: the help request marked 视障
        press("KEY_KP8", "KEY_NUMERIC_POUND")
        alert = recorder.wait_for("/event/alert", lambda b: b.get("kind") == "help")
        assert alert["need"] == "visually_impaired" and "视障" in alert["message"]
        assert mode.steps[-1].lines[0].text == "已通知工作人员，请在原地稍候，工作人员会来帮您。"
        press("KEY_KP5")  # 取消求助
        recorder.wait_for("/event/alert", lambda b: b.get("kind") == "help" and b.get("state") == "cleared")
        assert mode.steps[-1].lines[0].text == "已取消求助。"
        # the counter calls A001: the blind citizen hears the hall's own call; the counter sees nothing personal
        called = desk.counter("W1", "call-next")
        assert called["ticket"]["number"] == "A001"
    finally:
        pad.stop()
        jack.stop()
