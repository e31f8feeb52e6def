"""The voice node pets systemd's watchdog only while its work loops make progress (issue 19 item 1).

A real sd_notify socket of the test's own, a real Mosquitto, real espeak-ng rendering; the players are
stand-ins (no sound card here): SleepPlayer waits as long as the WAV lasts, and `HungPlayer` never
returns, as `aplay` stuck on a wedged sound driver (uninterruptible, so even its time-out cannot end it).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from queue_broker.config.loader import load_site_config
from queue_broker.watchdog import Notifier, Watchdog
from tests.waiting import wait_for
from voice import node as voice_node
from voice.node import VoiceNode
from voice.player import SleepPlayer
from voice.playlog import read_log
from voice.settings import SpeechSettings

from .conftest import FAST_VOICE, called, needs_espeak, write_site

pytestmark = needs_espeak


class HungPlayer:
    name = "hung"
    plays_sound = True

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def play(self, path: Path, duration_s: float) -> None:
        self.entered.set()
        self.release.wait(60)


def start(tmp_path, mosquitto, site_id, notify, player) -> VoiceNode:
    cfg = load_site_config(write_site(tmp_path, site_id, mosquitto.url, FAST_VOICE))
    speech = SpeechSettings(playback_log=str(tmp_path / "play.jsonl"), cache_dir=str(tmp_path / "cache"))
    dog = Watchdog(Notifier(str(notify.path)), interval_s=0.1, stale_after_s=1.0)
    node = VoiceNode(cfg, "voice-ground", speech, player=player, watchdog=dog).start()
    assert node.link.wait_connected(5) and node.ready.wait(20)
    notify.wait_for("READY=1")
    time.sleep(0.1)
    return node


def test_a_hung_player_stops_the_pings(tmp_path, mosquitto, site_id, hall_broker, notify, monkeypatch):
    monkeypatch.setattr(voice_node, "PLAY_MARGIN_S", 0.2)  # the player's own time-out, shortened for the test
    player = HungPlayer()
    node = start(tmp_path, mosquitto, site_id, notify, player)
    try:
        time.sleep(1.2)
        now = time.monotonic()  # idle and well: pinging (every 0.1 s; never half a second without)
        assert notify.longest_silence("WATCHDOG=1", now - 1.0, now) < 0.5
        hall_broker.publish(hall_broker.topics.event("called"), called("A001", "c01", 1)).wait_for_publish(5)
        assert player.entered.wait(10)
        notify.wait_for("STATUS=hung: voice player", timeout=10)
        quiet_from = time.monotonic()
        time.sleep(1.0)
        assert notify.pings(since=quiet_from) == 0
        player.release.set()
        notify.wait_for("STATUS=running", timeout=5, since=quiet_from)
    finally:
        player.release.set()
        node.stop()


def test_a_working_node_keeps_pinging_through_announcements(tmp_path, mosquitto, site_id, hall_broker, notify):
    node = start(tmp_path, mosquitto, site_id, notify, SleepPlayer())
    try:
        since = time.monotonic()
        topic = hall_broker.topics.event("called")
        for i, counter in enumerate(("c01", "c02", "c03")):
            hall_broker.publish(topic, called(f"A00{i}", counter, i + 1)).wait_for_publish(5)
        wait_for(lambda: len(read_log(node.playlog.path)) == 3, 30, "three announcements played")
        assert not notify.lines("STATUS=hung")
        # pinging all along, playing or not: never silent for as long as the watchdog's staleness (1 s),
        # at a pace of 0.1 s (a count of pings would measure how busy the machine was, not the node)
        silence = notify.longest_silence("WATCHDOG=1", since, time.monotonic())
        assert silence < 1.0, f"no ping for {silence:.2f} s while announcing"
    finally:
        node.stop()
