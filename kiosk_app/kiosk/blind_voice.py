"""The blind mode's voice: each `voice.guide.Step` rendered to a WAV (espeak-ng through the voice package's
`GuideVoice` and its phrase cache) and handed to the player the kiosk's spoken guidance uses (`make_player`,
`auto`: aplay with a sound card, else a NullPlayer that keeps the files).

`say(step, rate)` returns at once; a worker thread renders and plays. A newer step interrupts: one still
waiting is dropped, so the voice never lags behind the keys (the guide marks every step `interrupt`).
`on_played(path, text, rate)` tells the kiosk what went to the player (on the worker thread)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from ..common.speech import LatestOnlyVoice

if TYPE_CHECKING:  # numpy and the voice engines load with the first step said, not with the kiosk
    from voice.guide import GuideVoice, Step
    from voice.player import Player

log = logging.getLogger(__name__)


class BlindVoice(LatestOnlyVoice["tuple[Step, int]"]):
    thread_name = "blind-voice"
    what = "blind mode voice"

    def __init__(self, folder: Path, on_played: Callable[[str, str, int], None], player: str = "auto"):
        super().__init__()
        self.folder = folder
        self.on_played = on_played
        self._player_kind = player
        self._voice: GuideVoice | None = None
        self._player: Player | None = None
        self._count = 0

    def say(self, step: Step, rate: int) -> None:
        if not step.lines:
            return
        self._want((step, rate))
        self._start_thread()

    def _make_voice(self) -> None:  # no espeak-ng: the mode still shows every sentence on screen
        from voice.guide import GuideVoice
        from voice.player import make_player

        self.folder.mkdir(parents=True, exist_ok=True)
        self._voice = GuideVoice(self.folder / "phrases")
        self._player = make_player(self._player_kind)

    def _speak(self, wanted: tuple[Step, int]) -> None:
        step, rate = wanted
        voice, player = cast("GuideVoice", self._voice), cast("Player", self._player)  # made by _setup
        try:
            from voice.audio import write_wav

            self._count += 1
            samples = voice.samples(step, rate)  # only new phrases are rendered; the rest is cached
            path = write_wav(self.folder / f"step-{self._count % 50:02d}.wav", samples)
            self.on_played(str(path), step.text, rate)
            player.play(path, voice.duration_s(samples))
        except Exception as exc:
            log.warning("blind mode: a step could not be spoken: %s", exc)
