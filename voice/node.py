"""The voice node: hall events in, announcements out of one speaker, never two at once.

Three threads, each with one job:
- paho's network thread only puts (kind, payload, arrival time) on the intake queue;
- the intake thread parses, filters by zone, composes and renders (cache first) in arrival order,
  then puts the rendered announcement on the play queue (recalls replace, overflow drops the oldest);
- the player thread plays the play queue's head to the end, logs it, and takes the next.
So rendering the next call overlaps the current one's playback, and playback never overlaps itself.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from datetime import UTC, datetime
from pathlib import Path

from devices.health import HealthReporter
from queue_broker import __version__
from queue_broker.config.models import SiteConfig
from queue_broker.link import HallLink, Inbound
from queue_broker.protocol import ProtocolError, parse
from queue_broker.protocol.messages import CalledEvent, NoticeEvent, RebalancedEvent
from queue_broker.watchdog import Watchdog

from .announce import Announcement, Composer
from .cache import SegmentCache
from .engines import TtsEngine, TtsError, make_engine
from .player import PLAY_MARGIN_S, NullPlayer, Player, PlayerError, SleepPlayer, make_player
from .playlog import PlaybackLog
from .playqueue import PlayQueue
from .settings import SpeechSettings

log = logging.getLogger(__name__)

VERSION = __version__
SPEAKER = "speaker"  # device id of the node's loudspeaker in node/{node}/device/{device}


class VoiceNodeError(Exception):
    """The node cannot start as configured; `str()` says why in a sentence."""


class VoiceNode:
    def __init__(
        self,
        cfg: SiteConfig,
        node_id: str,
        settings: SpeechSettings | None = None,
        *,
        engine: TtsEngine | None = None,
        player: Player | None = None,
        url: str | None = None,
        watchdog: Watchdog | None = None,
    ):
        entry = next((n for n in cfg.nodes if n.id == node_id), None)
        if entry is None:
            raise VoiceNodeError(f"node {node_id!r} is not in the site's nodes")
        if entry.role != "voice":
            raise VoiceNodeError(f"node {node_id!r} has role {entry.role!r}, not 'voice'")
        self.cfg = cfg
        self.node_id = node_id
        self.zone = entry.zone
        self.settings = settings = settings or SpeechSettings()
        self._counter_zone = {c.id: c.zone for c in cfg.counters}
        self._counter_number = {c.id: c.number for c in cfg.counters}
        self._queue_name = {q.id: q.name for q in cfg.queues}

        base = Path(cfg.data_dir) / "voice"
        self.output_dir = Path(settings.output_dir) if settings.output_dir else None
        self._spool = self.output_dir or base / "spool" / node_id  # without output_dir, WAVs go once played
        self._spool.mkdir(parents=True, exist_ok=True)
        self.playlog = PlaybackLog(settings.playback_log or base / f"{node_id}-playback.jsonl")

        try:
            self.engine = engine or make_engine(settings.engine, settings.engine_timeout_s)
            self.composer = Composer(
                cfg.voice, settings, SegmentCache(settings.cache_dir or base / "cache", self.engine)
            )
        except (TtsError, ValueError) as exc:
            raise VoiceNodeError(str(exc)) from None
        self.player = player or make_player(settings.player, settings.player_command)
        self.queue = PlayQueue(cfg.voice.max_queue, on_drop=self._discard)

        self.link = HallLink(
            url or cfg.mqtt.url,
            cfg.site.id,
            node_id,
            "voice",
            VERSION,
            ca_file=cfg.mqtt.ca_file,
            zone=self.zone,
            keepalive=cfg.mqtt.keepalive_s,
        )
        self.health = HealthReporter(self.link.publish_device_health)
        self._intake: queue.Queue[tuple[str, bytes, float] | None] = queue.Queue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._seen: deque[tuple[str, int]] = deque(maxlen=256)
        self._unknown_counters: set[str] = set()
        self.ready = threading.Event()  # set once prewarming is done and events are being handled
        # both work loops beat systemd's watchdog (queue_broker/watchdog.py): a renderer or a player that
        # hangs past its own time-outs stops the pings, and systemd restarts the node
        self.watchdog = watchdog or Watchdog.from_env()
        self._intake_beat = self.watchdog.loop("voice intake")
        self._player_beat = self.watchdog.loop("voice player")

    # --- life cycle ----------------------------------------------------------------------------
    def start(self) -> VoiceNode:
        topics = self.link.topics
        self.link.subscribe(topics.event("called"), self._receiver("called"))
        if self.cfg.voice.announce_rebalance:
            self.link.subscribe(topics.event("rebalanced"), self._receiver("rebalanced"))
        if self.cfg.voice.announce_notices:
            self.link.subscribe(topics.event("notice"), self._receiver("notice"))
        self._report_player()
        self._threads = [
            threading.Thread(target=self._intake_loop, name=f"{self.node_id}-intake", daemon=True),
            threading.Thread(target=self._player_loop, name=f"{self.node_id}-player", daemon=True),
        ]
        for t in self._threads:
            t.start()
        self.link.start()
        self.watchdog.start()
        return self

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._intake.put(None)
        for left in self.queue.close():
            self._discard(left)
        for t in self._threads:
            t.join(timeout)
        self.link.stop()
        self.engine.close()
        self.watchdog.stop()

    def _report_player(self) -> None:
        if isinstance(self.player, NullPlayer):
            # said once, here; every announcement is still rendered and logged with played=false
            where = (
                f"; announcements are written to {self.output_dir}"
                if self.output_dir
                else "; announcements are rendered and logged, not kept (set output_dir to keep them)"
            )
            log.warning("no audio output: %s%s", self.player.reason or "no player", where)
            self.health.report(
                SPEAKER, "speaker", "fault", f"没有可用的声音输出（{self.player.reason}），叫号只记录不播放"
            )
        elif isinstance(self.player, SleepPlayer):
            self.health.report(SPEAKER, "speaker", "degraded", "替代播放器：只计时，不出声")
        else:
            self.health.report(SPEAKER, "speaker", "ready", f"扬声器正常（经 {self.player.name} 播放）")

    # --- intake --------------------------------------------------------------------------------
    def _receiver(self, kind: str):
        def receive(topic: str, payload: bytes, inbound: Inbound) -> None:
            self._intake.put((kind, payload, time.monotonic()))

        return receive

    def _intake_loop(self) -> None:
        if self.settings.prewarm:
            started = time.monotonic()
            numbers = sorted(c.number for c in self.cfg.counters if c.zone == self.zone)
            try:
                with self._intake_beat.busy(self._render_budget(len(numbers) + 10)):
                    count = self.composer.prewarm(numbers)
                log.info(
                    "voice cache ready: %d phrases for zone %s in %.2f s", count, self.zone, time.monotonic() - started
                )
            except TtsError as exc:
                log.error("could not prerender the fixed phrases: %s", exc)
        self.ready.set()
        self.watchdog.ready(f"announcing calls of zone {self.zone}")
        while not self._stop.is_set():
            self._intake_beat.beat()
            try:
                job = self._intake.get(timeout=1.0)
            except queue.Empty:
                continue
            if job is None:
                break
            kind, payload, received = job
            try:
                announcement = self._compose(kind, payload)
                if announcement is not None:
                    announcement.received_mono = received
                    with self._intake_beat.busy(self._render_budget(4)):
                        self._render(announcement)
                    self.queue.put(announcement)
            except ProtocolError as exc:
                log.warning("dropped a malformed event/%s: %s", kind, exc)
            except TtsError as exc:
                log.error("could not render event/%s: %s", kind, exc)
            except Exception:  # a bug for one event must not silence the hall
                log.exception("event/%s could not be announced", kind)

    def _compose(self, kind: str, payload: bytes) -> Announcement | None:
        if kind == "called":
            ev = parse(CalledEvent, payload)
            if not self._here(ev.counter_id, ev.zone):
                return None
            if (ev.ticket_id, ev.recall) in self._seen:  # QoS 1 may deliver twice
                log.info("ignored a second delivery of the call of %s (recall %d)", ev.number, ev.recall)
                return None
            self._seen.append((ev.ticket_id, ev.recall))
            return self.composer.called(ev)
        if kind == "rebalanced":
            moved = parse(RebalancedEvent, payload)
            if not self._here(moved.counter_id, None):
                return None
            number = moved.counter_number or self._counter_number.get(moved.counter_id)
            if number is None:
                log.warning("rebalance of unknown counter %s not announced", moved.counter_id)
                return None
            names = [self._queue_name.get(q, q) for q in moved.to_queue_ids]
            return self.composer.rebalanced(moved, number, names)
        if kind == "notice":
            notice = parse(NoticeEvent, payload)
            if notice.zone is not None and notice.zone != self.zone:
                return None
            return self.composer.notice(notice)
        return None

    def _render_budget(self, phrases: int) -> float:
        """How long rendering `phrases` phrases may take before the node counts as hung: each is killed
        after the engine's time-out, so more than that for all of them is a hang of our own."""
        return phrases * self.settings.engine_timeout_s

    def _here(self, counter_id: str, event_zone: str | None) -> bool:
        """Is this counter in our zone? The site file's zone wins over the event's (the file is what
        the hall installed the speakers by); a counter neither knows is announced, once logged."""
        zone = self._counter_zone.get(counter_id) or event_zone
        if zone is None:
            if counter_id not in self._unknown_counters:
                self._unknown_counters.add(counter_id)
                log.warning("counter %s has no zone in the site file or the event; announcing it", counter_id)
            return True
        return zone == self.zone

    def _render(self, a: Announcement) -> None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")[:-3]
        name = f"{stamp}-{a.kind}-{a.ticket or abs(hash(a.key)) % 10**8}.wav"
        self.composer.render(a, self._spool / name)

    def _discard(self, a: Announcement) -> None:
        if self.output_dir is None and a.wav is not None:
            a.wav.unlink(missing_ok=True)

    # --- playback ------------------------------------------------------------------------------
    def _player_loop(self) -> None:
        while not self._stop.is_set():
            self._player_beat.beat()
            a = self.queue.get(timeout=0.5)
            if a is None:
                continue
            error = None
            start_mono, start_wall = time.monotonic(), datetime.now(UTC)
            try:
                assert a.wav is not None
                # the player is killed PLAY_MARGIN_S after the WAV's end; stuck longer than that is a hang
                with self._player_beat.busy(a.duration_s + 2 * PLAY_MARGIN_S):
                    self.player.play(a.wav, a.duration_s)
                if self.player.plays_sound:
                    self.health.report(SPEAKER, "speaker", "ready", f"扬声器正常（经 {self.player.name} 播放）")
            except PlayerError as exc:
                error = str(exc)
                log.error("could not play %s: %s", a.display, exc)
                self.health.report(SPEAKER, "speaker", "fault", f"播放失败：{error}")
            end_mono, end_wall = time.monotonic(), datetime.now(UTC)
            self.playlog.write(
                {
                    "kind": a.kind,
                    "ticket": a.ticket,
                    "ticket_id": a.ticket_id,
                    "counter_id": a.counter_id,
                    "counter_number": a.counter_number,
                    "recall": a.recall,
                    "text": a.text,
                    "display": a.display,
                    "wav": str(a.wav) if self.output_dir else None,
                    "duration_s": round(a.duration_s, 3),
                    "received_mono": a.received_mono,
                    "start_mono": start_mono,
                    "end_mono": end_mono,
                    "start": start_wall.isoformat(timespec="milliseconds"),
                    "end": end_wall.isoformat(timespec="milliseconds"),
                    "player": self.player.name,
                    "played": self.player.plays_sound and error is None,
                    "error": error,
                }
            )
            self._discard(a)
