"""The voice node on a real Mosquitto, fed as the queue broker feeds it (HallLink node 'broker').

Playback goes through SleepPlayer, which waits as long as each WAV lasts: this machine has no sound
card, and that stand-in is the only thing not real here. Rendering is real espeak-ng, and every
assertion reads the node's own playback log.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from queue_broker.config.loader import load_site_config
from tests.waiting import wait_for
from voice.node import VoiceNode, VoiceNodeError
from voice.player import SleepPlayer
from voice.playlog import read_log
from voice.settings import SpeechSettings

from .conftest import FAST_VOICE, called, needs_espeak, wait_listening, write_site

ROOT = Path(__file__).resolve().parents[2]
pytestmark = needs_espeak


def start_node(
    tmp_path: Path, url: str, site_id: str, node_id: str = "voice-ground", voice: dict | None = None, **settings
) -> VoiceNode:
    cfg = load_site_config(write_site(tmp_path, site_id, url, {**FAST_VOICE, **(voice or {})}))
    speech = SpeechSettings(
        playback_log=str(tmp_path / f"{node_id}.jsonl"), cache_dir=str(tmp_path / "cache"), **settings
    )
    node = VoiceNode(cfg, node_id, speech, player=SleepPlayer()).start()
    assert node.link.wait_connected(5) and node.ready.wait(10)
    wait_listening(url, site_id, node_id)
    return node


def publish(link, *events) -> None:
    for ev in events:
        link.publish(link.topics.event("called"), ev).wait_for_publish(5)


def played(node: VoiceNode) -> list[dict]:
    return read_log(node.playlog.path)


def test_burst_plays_one_after_another_in_order_and_recall_replaces(tmp_path, mosquitto, site_id, hall_broker):
    node = start_node(tmp_path, mosquitto.url, site_id, voice={"chime": True})
    try:
        publish(
            hall_broker,
            called("A001", "c01", 1),
            called("A002", "c02", 2),
            called("A003", "c03", 3),
            called("B004", "c12", 12),
            called("A003", "c03", 3, recall=1),
        )  # A003 is still waiting: its recall takes its place
        # every event taken in (the recall, published last, has replaced A003) and all that was queued
        # played: nothing more can come
        wait_for(lambda: node.queue.replaced == 1 and not node.queue.waiting() and len(played(node)) >= 4, 30)
        log = played(node)
    finally:
        node.stop()
    assert [(e["ticket"], e["recall"]) for e in log] == [("A001", 0), ("A002", 0), ("A003", 1), ("B004", 0)]
    assert log[3]["text"] == "必零零四号到十二号窗口"
    for before, after in zip(log, log[1:], strict=False):
        assert after["start_mono"] >= before["end_mono"], (before, after)  # never two at once
        assert after["start_mono"] - before["end_mono"] < 0.5  # and no dead air between queued calls
    for e in log:
        assert 2.0 < e["duration_s"] < 5.0  # chime and real speech of real length
        assert e["end_mono"] - e["start_mono"] == pytest.approx(e["duration_s"], abs=0.2)
    assert node.queue.replaced == 1
    # the first call started playing soon after it was published
    assert log[0]["start_mono"] - log[0]["received_mono"] < 1.0


def test_only_own_zone_is_announced(tmp_path, mosquitto, site_id, hall_broker):
    ground = start_node(tmp_path / "g", mosquitto.url, site_id, "voice-ground")
    first = start_node(tmp_path / "f", mosquitto.url, site_id, "voice-first")
    try:
        publish(
            hall_broker,
            called("A005", "c20", 20),  # counter 20 is upstairs in the site file
            called("A006", "c20", 20, zone="ground"),  # the site file's zone wins over the event's
            called("A007", "c99", 9, zone="first"),  # unknown to the file: the event's zone decides
            called("A008", "c02", 2),
        )
        wait_for(lambda: played(ground), timeout=15)
        wait_for(lambda: len(played(first)) >= 3, timeout=25)
    finally:
        ground.stop()
        first.stop()
    assert [e["ticket"] for e in played(ground)] == ["A008"]
    assert [e["ticket"] for e in played(first)] == ["A005", "A006", "A007"]


def test_malformed_events_are_logged_and_dropped(tmp_path, mosquitto, site_id, hall_broker, caplog):
    node = start_node(tmp_path, mosquitto.url, site_id)
    topic = hall_broker.topics.event("called")
    try:
        with caplog.at_level(logging.INFO, logger="voice.node"):
            for bad in (
                b"not json",
                b"[1, 2]",
                b'{"number": "A001"}',
                b'{"at": "x", "counter_number": "3"}',
                b"\xff\xfe",
                b"",
            ):
                hall_broker.publish(topic, bad).wait_for_publish(5)
            good = called("A009", "c01", 1)
            publish(hall_broker, good, good)  # a QoS 1 duplicate is announced once
            wait_for(lambda: played(node), timeout=15)
            # the duplicate came right behind the first and was seen for what it is: nothing more comes
            wait_for(lambda: any("ignored a second delivery" in r.message for r in caplog.records), 5, "the dup")
    finally:
        node.stop()
    assert [e["ticket"] for e in played(node)] == ["A009"]
    assert sum("dropped a malformed event/called" in r.message for r in caplog.records) == 6


def test_overflow_drops_oldest_waiting(tmp_path, mosquitto, site_id, hall_broker):
    node = start_node(tmp_path, mosquitto.url, site_id, voice={"max_queue": 2})
    try:
        publish(hall_broker, *[called(f"A1{i:02d}", "c01", 1) for i in range(6)])
        # all six taken in (one played at once, three dropped, two kept) and the queue empty: no more comes
        wait_for(lambda: node.queue.dropped == 3 and not node.queue.waiting() and len(played(node)) >= 3, 20)
    finally:
        node.stop()
    tickets = [e["ticket"] for e in played(node)]
    assert tickets == ["A100", "A104", "A105"]  # the one playing, then the two newest
    assert node.queue.dropped == 3


def test_rebalance_and_notice_when_the_hall_asks(tmp_path, mosquitto, site_id, hall_broker):
    from datetime import UTC, datetime

    from queue_broker.protocol.messages import NoticeEvent, RebalancedEvent

    node = start_node(tmp_path, mosquitto.url, site_id, voice={"announce_rebalance": True, "announce_notices": True})
    now = datetime.now(UTC)
    notice_topic = hall_broker.topics.all_events().removesuffix("#") + "notice"
    try:
        hall_broker.publish(
            hall_broker.topics.event("rebalanced"),
            RebalancedEvent(at=now, counter_id="c03", from_queue_ids=["ZH"], to_queue_ids=["SB"], reason="wait"),
        ).wait_for_publish(5)
        hall_broker.publish(notice_topic, NoticeEvent(at=now, text="楼上", zone="first")).wait_for_publish(5)
        hall_broker.publish(notice_topic, NoticeEvent(at=now, text="午休")).wait_for_publish(5)
        # the notice for zone "first" came before 午休, which is played: it was taken in (and left out)
        wait_for(lambda: any(e["text"] == "请注意，午休" for e in played(node)), timeout=15)
    finally:
        node.stop()
    assert [(e["kind"], e["text"]) for e in played(node)] == [
        ("rebalanced", "请注意，三号窗口现在办理社会保险业务"),
        ("notice", "请注意，午休"),
    ]


def test_node_must_be_a_voice_node(tmp_path, mosquitto, site_id):
    cfg = load_site_config(write_site(tmp_path, site_id, mosquitto.url))
    with pytest.raises(VoiceNodeError, match="role 'kiosk'"):
        VoiceNode(cfg, "kiosk-1")
    with pytest.raises(VoiceNodeError, match="not in the site's nodes"):
        VoiceNode(cfg, "voice-9")


def test_cli_run_without_audio_device(tmp_path, mosquitto, site_id, hall_broker):
    """`python -m voice run` as a service: no sound card here, said once; WAVs kept in --output-dir."""
    site = write_site(tmp_path, site_id, mosquitto.url, FAST_VOICE)
    log_path, out_dir = tmp_path / "play.jsonl", tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "voice",
            "run",
            "--config",
            str(site),
            "--node",
            "voice-ground",
            "--player",
            "auto",
            "--output-dir",
            str(out_dir),
            "--playback-log",
            str(log_path),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PATH": "/usr/bin:/bin"},  # no aplay on this PATH, whatever the machine has
    )
    online: list[bytes] = []
    hall_broker.subscribe(
        hall_broker.topics.node_status("voice-ground"), lambda _t, payload, _i: online.append(payload)
    )
    try:
        wait_listening(mosquitto.url, site_id, "voice-ground", timeout=30)  # started, prewarmed, subscribed
        publish(hall_broker, called("C010", "c12", 12), called("C011", "c01", 1))
        assert wait_for(lambda: len(read_log(log_path)) >= 2, timeout=15)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert err.count("no audio output") == 1, err
    log = read_log(log_path)
    assert [e["ticket"] for e in log] == ["C010", "C011"] and not any(e["played"] for e in log)
    assert log[0]["text"] == "西零一零号到十二号窗口"
    assert sorted(p.name for p in out_dir.glob("*.wav")) == sorted(Path(e["wav"]).name for e in log)


def test_cli_refuses_bad_config(tmp_path):
    bad = tmp_path / "site.yaml"
    bad.write_text("site: {id: x}\n")
    done = subprocess.run(
        [sys.executable, "-m", "voice", "run", "--config", str(bad), "--node", "v"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "site.yaml:1" in done.stderr
