"""Spoken guidance for hall screens (the kiosk's elderly mode), through the voice package.

`Speaker.say(text)` returns at once; a worker thread renders the sentence with the voice package's
engine (espeak-ng, voice `cmn-latn-pinyin`, which reads Mandarin characters correctly), keeps the
WAV in a cache (the same guidance sentences recur all day) and plays it with the voice package's
player. Only the latest sentence matters: one that is still waiting when a newer one comes is
dropped, so the voice never lags behind the screen (`LatestOnlyVoice`, which the kiosk's blind mode
voice shares). Without espeak-ng or a sound card the kiosk still works; `last_text` tells what would
have been said.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

from devices.latest_only import LatestOnlyWorker

if TYPE_CHECKING:
    from voice.engines import TtsEngine
    from voice.player import Player

log = logging.getLogger(__name__)

Wanted = TypeVar("Wanted")


class LatestOnlyVoice(LatestOnlyWorker[Wanted]):
    """A worker thread that speaks the latest of what it is given (`_want`): one still waiting when a newer
    one comes is dropped. Its voice is made on first use (`_make_voice`); without one (no espeak-ng, no
    sound card) the thread ends, `enabled` turns False and `problem` says why."""

    thread_name = "voice"
    what = "the voice"  # for the log: "<what> is off: ..."

    def __init__(self) -> None:
        super().__init__()
        self.enabled = True
        self.problem = ""
        self._made = False

    def silence(self) -> None:
        self._drop_pending()

    def _make_voice(self) -> None:
        raise NotImplementedError

    def _speak(self, wanted: Wanted) -> None:
        raise NotImplementedError

    def _setup(self) -> bool:
        if self._made:
            return True
        try:
            self._make_voice()
        except Exception as exc:
            self.problem = f"no speech: {exc}"
            log.warning("%s is off: %s", self.what, exc)
            self.enabled = False
            return False
        self._made = True
        return True

    def _handle(self, wanted: Wanted) -> bool:
        if not self._setup():
            return False
        self._speak(wanted)
        return True


class Speaker(LatestOnlyVoice[str]):
    thread_name = "speaker"
    what = "spoken guidance"

    def __init__(
        self,
        *,
        voice: str = "cmn-latn-pinyin",
        rate: int = 140,
        cache_dir: str | None = None,
        player: str = "auto",
        enabled: bool = True,
    ):
        super().__init__()
        self.voice = voice
        self.rate = rate
        self.enabled = enabled
        self.cache = Path(cache_dir or Path(tempfile.gettempdir()) / "hall-kiosk-speech")
        self.last_text = ""
        self.spoken = 0
        self._player_kind = player
        self._engine: TtsEngine | None = None
        self._player: Player | None = None

    def start(self) -> Speaker:
        if self.enabled:
            self._start_thread()
        return self

    def say(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        self.last_text = text
        if self.enabled:
            self._want(text)

    def _make_voice(self) -> None:
        from voice.engines import make_engine
        from voice.player import make_player

        self._engine = make_engine("espeak-ng", timeout_s=10)
        self._player = make_player(self._player_kind)
        self.cache.mkdir(parents=True, exist_ok=True)

    def _speak(self, text: str) -> None:
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
