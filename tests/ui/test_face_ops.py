"""The faces' part of the operator's kit (issue 19 items 1 and 6): a face pets systemd's watchdog only
while its Kivy loop turns, and its log carries journald priorities, Kivy's own lines included, without
the clipboard tracebacks Kivy logged as CRITICAL (issue 17 item 8).

A real face process (the counter terminal: it has text fields, which load Kivy's clipboard) in a real
window, started as systemd starts a unit: with a test's own sd_notify socket (tests/notify_socket.py) in
NOTIFY_SOCKET and WATCHDOG_USEC, or with its stderr on the stream of a real journald of the test's own
(tests/journald.py, as root). Its loop is stalled on purpose by the remote control's `stall`, which
blocks Kivy's UI thread as a callback that never returns would: the process and its other threads
(MQTT, the watchdog's pinging thread) keep running, only the loop makes no progress."""

from __future__ import annotations

import threading
import time

import pytest

from tests.waiting import wait_for

from .hall import write_site
from .harness import ScreenError, ScreenProcess, step

pytestmark = [pytest.mark.ui, pytest.mark.timeout(240)]

WATCHDOG_USEC = 6_000_000  # WatchdogSec=6 for the test: a check a second, the loop stale after 3 s


def pings_between(notify, start: float, end: float) -> int:
    with notify._lock:
        return sum(1 for at, line in notify.messages if line == "WATCHDOG=1" and start <= at <= end)


def test_a_face_pings_only_while_its_kivy_loop_turns(notify, mosquitto, site_id, tmp_path):
    site = write_site(tmp_path, site_id)
    env = {"NOTIFY_SOCKET": str(notify.path), "WATCHDOG_USEC": str(WATCHDOG_USEC)}
    ct = ScreenProcess("counter", site, "counter-W1", mosquitto.url, tmp_path / "ct", env=env)
    try:
        ct.connect()
        with step("READY=1 with the first frame, then a ping about every second"):
            assert notify.wait_for("READY=1", 40).startswith("READY=1")
            since = time.monotonic()
            wait_for(lambda: notify.pings(since=since) >= 3, 10, "three pings from a working face")
            assert not notify.lines("STATUS=hung")

        with step("the Kivy loop hangs for 9 s: the pings stop and the unit's status says which loop"):
            stalled: dict = {}

            def stall() -> None:
                stalled["result"] = ct.call("stall", seconds=9)
                stalled["ended"] = time.monotonic()

            caller = threading.Thread(target=stall)
            stalled_at = time.monotonic()
            caller.start()
            hung = notify.wait_for("STATUS=hung: kivy", timeout=8, since=stalled_at)
            assert "no progress for" in hung
            quiet_from = time.monotonic()
            caller.join(30)
            assert stalled.get("result", {}).get("stalled_s") == 9, stalled
            assert stalled["ended"] - quiet_from > 3  # a quiet stretch long enough to mean something
            assert pings_between(notify, quiet_from, stalled["ended"]) == 0, notify.lines()
            assert ct.proc.poll() is None  # the process is up all along: only the watchdog can tell

        with step("the loop turns again: pings again"):
            notify.wait_for("STATUS=running", timeout=10, since=stalled["ended"] - 0.1)
            wait_for(lambda: pings_between(notify, stalled["ended"], time.monotonic()) >= 2, 10, "pings again")
    finally:
        ct.close()
    assert notify.lines()[-1] == "STOPPING=1"  # an orderly end says so


def test_a_faces_log_has_journald_priorities_and_no_clipboard_tracebacks(journal, mosquitto, site_id, tmp_path):
    site = write_site(tmp_path, site_id)
    with journal.stream("hall-counter-W1") as stream:
        ct = ScreenProcess(
            "counter",
            site,
            "counter-W1",
            mosquitto.url,
            tmp_path / "ct",
            env={**journal.stream_env(stream), "HALL_LOG_LEVEL": "INFO"},
            output=stream.fileno(),
        )
    try:
        ct.connect()
        ct.wait_for(lambda s: s["online"], 30, "the counter terminal online")
        ct.type("login.operator", "demo")  # a text field at work (Kivy's clipboard is what logged CRITICAL)
        with pytest.raises(ScreenError, match="AttributeError"):
            ct.call("call", method="no_such_action")  # an error in the face, logged with its traceback
    finally:
        ct.close()

    def entries(*args: str) -> list[dict]:
        return journal.entries("-t", "hall-counter-W1", *args)

    wait_for(lambda: any("remote command call failed" in e["MESSAGE"] for e in entries("-p", "err")), 10, "the error")
    errors = [e["MESSAGE"] for e in entries("-p", "err")]
    assert errors[0] == "kiosk_app.common.remote: remote command call failed"
    assert errors[-1].startswith("AttributeError:") and any(m.startswith("Traceback") for m in errors)
    assert not entries("-p", "crit"), [e["MESSAGE"] for e in entries("-p", "crit")]  # no CRITICAL at all
    everything = entries()
    messages = [e["MESSAGE"] for e in everything]
    # the one traceback is the error above: none from Kivy's cut buffer (xclip, xsel not found)
    assert not [m for m in messages if "Cutbuffer" in m or "FileNotFoundError" in m], messages
    assert sum(m.startswith("Traceback") for m in messages) == 1
    # Kivy's own lines come through Python's logging: the face's format, priority info
    kivy = [e for e in everything if e["MESSAGE"].startswith("kivy: ")]
    assert any(e["MESSAGE"].startswith("kivy: GL: OpenGL version") and e["PRIORITY"] == "6" for e in kivy)
    assert (
        "kiosk_app.common.launch: clipboard: ClipboardSDL2; X cut buffer off (no xclip/xsel on a hall board)"
        in messages
    )
    # info, the error above, and Kivy's warning that it writes a fresh configuration (a new KIVY_HOME)
    assert {e["PRIORITY"] for e in everything} <= {"3", "4", "6"}
