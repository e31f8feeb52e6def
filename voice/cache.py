"""Phrases rendered once and kept as WAV files on disk, trimmed and ready to concatenate.

The key is a hash of everything that changes the sound: engine and its version, voice, rate, text
(and a format number for this module's own trimming). The counter parts, the template's fixed
parts and the chime are the same in every announcement, so after the first few calls only the ticket
number is new, and a recall finds even that in the cache.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import unicodedata
from pathlib import Path

import numpy as np

from .audio import RATE, chime, read_wav, trim, write_wav
from .engines import TtsEngine

log = logging.getLogger(__name__)

FORMAT = 1  # bump when trim() or the stored format changes: old entries are then simply not found


def speakable(text: str) -> bool:
    """Does the text hold anything to say (a letter, digit or ideograph), not just punctuation?"""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


class SegmentCache:
    def __init__(self, root: str | os.PathLike, engine: TtsEngine):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.engine = engine
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()

    def _path(self, *parts: object) -> Path:
        key = hashlib.sha256("\x1f".join(str(p) for p in (FORMAT, *parts)).encode()).hexdigest()
        return self.root / key[:2] / f"{key}.wav"

    def path_for(self, text: str, voice: str, rate: int) -> Path:
        return self._path("speech", self.engine.identity(), voice, rate, text)

    def speech(self, text: str, voice: str, rate: int) -> np.ndarray:
        """The phrase as samples: from disk, or rendered now and stored."""
        text = text.strip()
        if not speakable(text):
            return np.zeros(0, dtype=np.float32)
        path = self.path_for(text, voice, rate)
        if path.exists():
            try:
                data = read_wav(path)
                with self._lock:
                    self.hits += 1
                return data
            except (OSError, EOFError, ValueError) as exc:  # a damaged entry is rendered again
                log.warning("voice cache entry %s is unreadable (%s); rendering again", path.name, exc)
        with self._lock:
            self.misses += 1
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, raw = tempfile.mkstemp(prefix=".raw-", suffix=".wav", dir=path.parent)
        os.close(fd)
        try:
            self.engine.render(text, Path(raw), voice=voice, rate=rate)
            data = trim(read_wav(raw))
        finally:
            Path(raw).unlink(missing_ok=True)
        write_wav(path, data)
        return data

    def chime(self) -> np.ndarray:
        path = self._path("chime", RATE)
        if path.exists():
            return read_wav(path)
        data = chime(RATE)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_wav(path, data)
        return data
