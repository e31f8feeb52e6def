"""A `Step` of the spoken navigation as a WAV: each line a cached phrase (espeak-ng through the voice
package's engine and `SegmentCache`: Mandarin with `cmn-latn-pinyin`, English with `en`), joined with
its pause. The guidance sentences recur all day, so after the first citizen only new numbers render."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..audio import RATE, concat, silence, write_wav
from ..cache import SegmentCache
from ..engines import TtsEngine, make_engine
from .model import Step

VOICES = {"zh": "cmn-latn-pinyin", "en": "en"}


class GuideVoice:
    def __init__(self, cache_dir: str | Path, engine: TtsEngine | None = None, voices: dict[str, str] | None = None):
        self.engine = engine or make_engine("espeak-ng", timeout_s=10)
        self.cache = SegmentCache(cache_dir, self.engine)
        self.voices = {**VOICES, **(voices or {})}

    def samples(self, step: Step, rate: int = 150) -> np.ndarray:
        parts = []
        for line in step.lines:
            parts.append(self.cache.speech(line.text, self.voices[line.language], rate))
            parts.append(silence(line.pause_s))
        return concat(parts) if parts else np.zeros(0, dtype=np.float32)

    def render(self, step: Step, path: str | Path, rate: int = 150) -> Path:
        """Write the step's speech to `path`; returns it. An empty step writes a short silence."""
        data = self.samples(step, rate)
        return write_wav(path, data if len(data) else silence(0.1))

    @staticmethod
    def duration_s(samples: np.ndarray) -> float:
        return len(samples) / RATE
