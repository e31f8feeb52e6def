"""Spoken guidance for hall screens (the kiosk's elderly mode), through the voice package.

`Speaker.say(text)` returns at once; a worker thread renders the sentence with the voice package's
engine (espeak-ng, voice `cmn-latn-pinyin`, which reads Mandarin characters correctly), keeps the
WAV in a cache (the same guidance sentences recur all day) and plays it with the voice package's
player. Only the latest sentence matters: one that is still waiting when a newer one comes is
dropped, so the voice never lags behind the screen. Without espeak-ng or a sound card the kiosk
still works; `last_text` tells what would have been said.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from voice.engines import TtsEngine
    from voice.player import Player

log = logging.getLogger(__name__)


class Speaker:
    def __init__(
        self,
        *,
        voice: str = "cmn-latn-pinyin",
        rate: int = 140,
        cache_dir: str | None = None,
        player: str = "auto",
        enabled: bool = True,
    ):
        self.voice = voice
        self.rate = rate
        self.enabled = enabled
        self.cache = Path(cache_dir or Path(tempfile.gettempdir()) / "hall-kiosk-speech")
        self.last_text = ""
        self.spoken = 0
        self._player_kind = player
        self._engine: TtsEngine | None = None
        self._player: Player | None = None
        self._wanted: str | None = None
        self._cv = threading.Condition()
        self._stop = False
        self._thread: threading.Thread | None = None
        self.problem = ""

    def start(self) -> Speaker:
        if self.enabled and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="speaker", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify()

    def say(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        self.last_text = text
        if not self.enabled:
            return
        with self._cv:
            self._wanted = text
            self._cv.notify()

    def silence(self) -> None:
        with self._cv:
            self._wanted = None

    def _setup(self) -> bool:
        if self._engine is not None:
            return True
        try:
            from voice.engines import make_engine
            from voice.player import make_player

            self._engine = make_engine("espeak-ng", timeout_s=10)
            self._player = make_player(self._player_kind)
            self.cache.mkdir(parents=True, exist_ok=True)
            return True
        except Exception as exc:
            self.problem = f"no speech: {exc}"
            log.warning("spoken guidance is off: %s", exc)
            self.enabled = False
            return False

    def _run(self) -> None:
        while True:
            with self._cv:
                while self._wanted is None and not self._stop:
                    self._cv.wait()
                if self._stop:
                    return
                # not None: the wait above ends on a wanted text or on stop
                text, self._wanted = cast(str, self._wanted), None
            if not self._setup():
                return
            engine, player = cast("TtsEngine", self._engine), cast("Player", self._player)  # made by _setup
            try:
                from voice.audio import wav_duration

                key = hashlib.sha256(f"{self.voice}|{self.rate}|{text}".encode()).hexdigest()[:24]
                path = self.cache / f"{key}.wav"
                if not path.exists():
                    tmp = path.with_suffix(".part.wav")
                    engine.render(text, tmp, voice=self.voice, rate=self.rate)
                    tmp.replace(path)
                player.play(path, wav_duration(path))
                self.spoken += 1
            except Exception as exc:
                log.warning("could not speak %r: %s", text[:20], exc)
