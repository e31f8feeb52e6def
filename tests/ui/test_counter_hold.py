"""Hold and resume at the counter terminal (挂起, issue 23 item 4), the needs banner (item 2: a
"需要手语/文字沟通" flag set at the kiosk shows on the counter) and the counter's LED strip following the
calls (item 2: the number shown for a deaf citizen, 再次呼叫 and 续办 included). The real counter face in
its own process (Xvfb), the real queue broker and Mosquitto, the LED strip's simulator behind a
pseudo-terminal (the bytes decoded by the simulator as a screen would), driven by simulated touches."""

from __future__ import annotations

import pytest
import yaml

from queue_broker.engine import events as ev

from .hall import write_site
from .harness import HallParts, ScreenProcess, log_in_counter, step

pytestmark = [pytest.mark.ui, pytest.mark.timeout(300)]


def led_text(ct: ScreenProcess) -> str | None:
    shown = ct.do("simulators").get("led")
    return shown["text"] if shown else None


def wait_led(ct: ScreenProcess, text: str | None, what: str) -> None:
    ct.wait_for(lambda _s: led_text(ct) == text, 10, f"the LED strip shows {text!r} ({what})")


def test_hold_resume_needs_and_the_led_strip(mosquitto, site_id, tmp_path):
    site = write_site(tmp_path, site_id, counter={"rating_on_screen": False})
    raw = yaml.safe_load(site.read_text(encoding="utf-8"))
    raw["hold"] = {"max_per_counter": 1, "max_minutes": 30, "resume_at": "queue", "max_per_ticket": 2}
    site.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with HallParts(mosquitto.url, site_id, tmp_path) as hall:
        broker = hall.broker(site)
        kiosk = hall.node("kiosk-1", "kiosk")
        tidal = hall.node("counter-T1", "counter")
        ct = hall.screen("counter", site, "counter-W1", "counter")
        ct.connect()
        a001 = kiosk.issue(needs=["sign_or_text"])
        kiosk.issue()  # A002
        log_in_counter(ct)

        with step("A001 called: the needs banner on the desk, the number on the LED strip"):
            ct.tap("desk.call-next")
            ct.wait_for(lambda s: s["ticket"].get("number") == "A001", 10, "A001 called")
            ct.wait_text("请注意：需要手语/文字沟通")
            wait_led(ct, "请A001号", "called")
            ct.screenshot("counter-needs")

        with step("recalled: the strip says 再次呼叫"):
            ct.tap("desk.recall")
            wait_led(ct, "请A001号 再次呼叫", "recalled")

        with step("挂起: A001 keeps its place, the counter is free, the strip cleared"):
            ct.tap("desk.hold")
            ct.wait_text("A001 已挂起（保留排队位置")
            st = ct.wait_for(lambda s: not s["ticket"] and len(s["held_rows"]) == 1, 10, "held, listed")
            assert st["held_rows"][0]["number"] == "A001" and st["held_rows"][0]["mine"]
            assert "需要手语" not in ct.screen_text()  # the banner left with the citizen
            wait_led(ct, None, "nobody at the counter")
            (held,) = broker.stored(ev.TICKET_HELD)
            assert held["ticket_id"] == a001["id"] and held["counter_id"] == "W1"

        with step("A002 called, a second hold refused in plain Chinese (the site's limit is 1)"):
            ct.tap("desk.call-next")
            ct.wait_for(lambda s: s["ticket"].get("number") == "A002", 10, "A002 called")
            assert "需要手语" not in ct.screen_text()  # A002 asked for nothing
            ct.tap("desk.hold")
            text = ct.wait_text(
                "挂起失败：1号窗口 综合受理已有 1 位办事群众挂起（A001），最多 1 位：请先续办或释放一位"
            )
            assert "already has" not in text and "full" not in text
            assert ct.state()["ticket"]["number"] == "A002" and len(broker.stored(ev.TICKET_HELD)) == 1

        with step("the held list with the site's limit; 恢复 while serving A002 refused in plain Chinese"):
            ct.tap("desk.held")
            ct.wait_for(lambda s: s["screen"] == "held", 5, "the held list")
            text = ct.wait_text("A001　综合")
            assert "每窗口最多挂起1位，每个号最多2次，30分钟内可在本队列任一窗口恢复" in text
            assert "本窗口挂起" in text
            ct.screenshot("counter-held")
            ct.tap("held.resume.A001")
            ct.wait_text("恢复失败：1号窗口 综合受理正在办理 A002：请先办结或挂起")

        with step("A002 finished; A001 back with the paper: resumed here, banner again, strip says 续办"):
            ct.key("escape")
            ct.tap("desk.finish")
            ct.wait_for(lambda s: not s["ticket"], 10, "A002 finished")
            ct.tap("desk.held")
            ct.tap("held.resume.A001")
            st = ct.wait_for(lambda s: s["ticket"].get("number") == "A001" and s["screen"] == "desk", 10, "resumed")
            assert st["phase"] == "called"
            ct.wait_for(lambda s: s["held_rows"] == [], 10, "nobody on hold any more")
            ct.wait_text("请注意：需要手语/文字沟通")
            ct.wait_text("A001 已恢复办理（续办）")
            wait_led(ct, "请A001号 续办", "resumed")
            ct.screenshot("counter-resumed")
            assert [e["ticket_id"] for e in broker.stored(ev.TICKET_RESUMED)] == [a001["id"]]

        with step("a citizen held at the tidal counter 12 is resumed here (any counter of the queue)"):
            ct.tap("desk.finish")
            ct.wait_for(lambda s: not s["ticket"], 10, "A001 finished")
            a003 = kiosk.issue()
            tidal.open_counters("T1")
            assert tidal.send(tidal.t.counter_cmd("T1", "call-next"))["ticket"]["number"] == "A003"
            assert tidal.send(tidal.t.counter_cmd("T1", "hold"))["ok"]
            st = ct.wait_for(lambda s: [r["number"] for r in s["held_rows"]] == ["A003"], 10, "A003 listed")
            assert not st["held_rows"][0]["mine"]
            ct.tap("desk.held")
            ct.wait_text("A003　综合")
            assert "12号窗口 潮汐挂起" in ct.screen_text()
            ct.tap("held.resume.A003")
            ct.wait_for(lambda s: s["ticket"].get("number") == "A003", 10, "A003 resumed at W1")
            wait_led(ct, "请A003号 续办", "resumed from another counter")
            resumed = broker.stored(ev.TICKET_RESUMED)[-1]
            assert resumed["ticket_id"] == a003["id"] and resumed["counter_id"] == "W1"

        with step("finished and paused: the strip says 暂停服务"):
            ct.tap("desk.finish")
            ct.wait_for(lambda s: not s["ticket"], 10, "A003 finished")
            ct.tap("desk.pause")
            wait_led(ct, "暂停服务", "paused")
        assert ct.state()["ui_errors"] == 0


def test_a_restarted_terminal_reads_its_citizen_back_with_the_banner(mosquitto, site_id, tmp_path):
    site = write_site(tmp_path, site_id, counter={"rating_on_screen": False})
    with HallParts(mosquitto.url, site_id, tmp_path) as hall:
        hall.broker(site)
        kiosk = hall.node("kiosk-1", "kiosk")
        first = hall.screen("counter", site, "counter-W1", "first")
        kiosk.issue(needs=["sign_or_text"])
        first.connect()
        log_in_counter(first)
        first.tap("desk.call-next")
        first.wait_text("请注意：需要手语/文字沟通")
        first.close()  # the terminal restarts while A001 is at the counter
        second = hall.screen("counter", site, "counter-W1", "second").connect()
        log_in_counter(second)
        st = second.wait_for(lambda s: s["ticket"].get("needs") == ["sign_or_text"], 10, "A001 read back")
        assert st["ticket"]["number"] == "A001" and st["phase"] == "called"
        second.wait_text("请注意：需要手语/文字沟通")
        assert second.state()["ui_errors"] == 0
