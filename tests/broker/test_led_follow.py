"""The counter's LED strip shows the number called there (issue 23 item 2, for deaf citizens): the real
queue broker on the real Mosquitto, the counter terminal's own MQTT link, and the LED simulator behind a
real pseudo-terminal decoding the frames the strip would receive."""

from __future__ import annotations

from devices.health import HealthReporter
from devices.led import open_led
from devices.led.follow import LedFollower, called_text, text_for
from queue_broker.config.models import DeviceConfig
from tests.waiting import wait_for


def _shown(display, expected, timeout=5.0):
    def now():
        got = display.simulator.shown(1)
        return got.text if got else None

    wait_for(
        lambda: now() == expected, timeout, f"the strip to show {expected!r}", describe=lambda: f"it shows {now()!r}"
    )
    return display.simulator.shown(1)


def test_texts():
    assert called_text("A001") == "请A001号"
    assert called_text("A001", recall=1) == "请A001号 再次呼叫"
    assert called_text("A001", recall=2, last_call=True) == "请A001号 最后呼叫"
    assert called_text("A001", resumed=True) == "请A001号 续办"
    assert text_for({"status": "paused", "serving": None}) == "暂停服务"
    assert text_for({"status": "closed", "serving": None}) is None
    assert text_for({"status": "open", "serving": None}, "欢迎") == "欢迎"
    serving = {"number": "B012", "state": "serving", "recalls": 1}
    assert text_for({"status": "open", "serving": serving}) == "请B012号 再次呼叫"


def test_the_strip_follows_calls_recalls_holds_and_pauses(hall, kiosk, desk):
    display = open_led(DeviceConfig(id="led-W1", kind="led", backend="simulator"), HealthReporter())
    follower = LedFollower(display, "W1", 1).attach(desk.link)
    try:
        desk.counter("W1", "open", operator_id="demo", pin="123456")
        a1, a2 = kiosk.issue()["ticket"], kiosk.issue()["ticket"]
        desk.counter("W2", "open", operator_id="demo", pin="123456")
        kiosk.issue("bdc-transfer")
        desk.counter("W1", "call-next")
        assert _shown(display, f"请{a1['number']}号").counter_number == 1
        desk.counter("W2", "call-next")  # another counter's call leaves this strip alone
        desk.counter("W1", "recall")
        _shown(display, f"请{a1['number']}号 再次呼叫")
        desk.counter("W1", "recall")
        _shown(display, f"请{a1['number']}号 最后呼叫")
        desk.counter("W1", "hold")
        _shown(display, None)  # nobody at the counter: cleared
        desk.counter("W1", "call-next")
        _shown(display, f"请{a2['number']}号")
        desk.counter("W1", "finish", outcome="done")
        desk.counter("W1", "resume-held", number=a1["number"])
        _shown(display, f"请{a1['number']}号 续办")
        desk.counter("W1", "finish", outcome="done")
        desk.counter("W1", "pause")
        _shown(display, "暂停服务")
        # a strip started now (a new follower) reads the counter's state: paused
        desk.counter("W1", "resume")
        desk.counter("W1", "call-next")
        late = LedFollower(display, "W1", 1)
        late.on_counters(
            {"counters": [{"id": "W1", "status": "open", "serving": {"number": "A009", "state": "called"}}]}
        )
        _shown(display, "请A009号")
        late.close()
    finally:
        follower.close()
        display.close()
