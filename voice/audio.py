"""WAV in and out, silence trimming, concatenation and the chime: the stdlib `wave` module + numpy.

Inside the package audio is a mono float32 numpy array in [-1, 1] at `RATE` Hz, the rate espeak-ng
writes; anything an engine writes in another format is converted on reading (`read_wav`), so every
cached segment can be concatenated with every other.
"""

from __future__ import annotations

import os
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 22050  # espeak-ng's output rate (pyttsx3's espeak driver writes the same)


def read_wav(path: str | os.PathLike, rate: int = RATE) -> np.ndarray:
    """Any PCM WAV (8/16/32-bit, any channels, any rate) as mono float32 at `rate`."""
    with wave.open(str(path), "rb") as w:
        width, channels, src_rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
        raw = w.readframes(w.getnframes())
    if width == 1:
        data = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 2:
        data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 4:
        data = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 2147483648.0
    else:
        raise ValueError(f"{path}: {8 * width}-bit samples are not supported")
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1)
    if src_rate != rate and len(data):
        n = int(round(len(data) * rate / src_rate))
        data = np.interp(np.linspace(0, len(data) - 1, n), np.arange(len(data)), data).astype(np.float32)
    return data


def write_wav(path: str | os.PathLike, samples: np.ndarray, rate: int = RATE) -> Path:
    """16-bit mono WAV, written to a temporary file and renamed: a reader never sees half a file."""
    path = Path(path)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".wav", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f, wave.open(f, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(pcm.tobytes())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def wav_duration(path: str | os.PathLike) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


def silence(seconds: float, rate: int = RATE) -> np.ndarray:
    return np.zeros(int(round(seconds * rate)), dtype=np.float32)


def trim(
    samples: np.ndarray, rate: int = RATE, threshold: float = 0.005, before_s: float = 0.02, after_s: float = 0.04
) -> np.ndarray:
    """Cut the engine's leading and trailing silence (espeak-ng ends every text with ~0.4 s) so the
    joins between cached segments are ours to set. The low threshold keeps aspirated onsets (请 qǐng)."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    if not len(loud):
        return samples[:0]
    start = max(0, loud[0] - int(before_s * rate))
    end = min(len(samples), loud[-1] + 1 + int(after_s * rate))
    return samples[start:end]


def concat(parts: list[np.ndarray]) -> np.ndarray:
    if not parts:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate([p.astype(np.float32, copy=False) for p in parts])


def chime(
    rate: int = RATE,
    tones: tuple[float, float] = (659.25, 523.25),
    tone_s: tuple[float, float] = (0.45, 0.75),
    level: float = 0.45,
) -> np.ndarray:
    """A two-tone "ding-dong" (E5 then C5), generated rather than shipped: each tone a sine with a
    quieter octave for a bell-like colour, a 10 ms fade-in (no click) and an exponential decay with a
    final fade-out to exact zero."""
    parts = []
    for freq, seconds in zip(tones, tone_s, strict=True):
        t = np.arange(int(seconds * rate), dtype=np.float64) / rate
        wave_ = np.sin(2 * np.pi * freq * t) + 0.3 * np.sin(2 * np.pi * 2 * freq * t)
        envelope = np.exp(-t * 3.0 / seconds)
        attack = min(len(t), int(0.010 * rate))
        envelope[:attack] *= np.linspace(0.0, 1.0, attack)
        release = min(len(t), int(0.050 * rate))
        envelope[-release:] *= np.linspace(1.0, 0.0, release)
        parts.append(wave_ * envelope)
    out = np.concatenate(parts)
    return (level * out / np.max(np.abs(out))).astype(np.float32)


@dataclass(frozen=True)
class Loudness:
    """Is this speech? `rms` over the whole clip, `active` the share of 20 ms frames above -40 dBFS."""

    duration_s: float
    rms: float
    active: float


def loudness(samples: np.ndarray, rate: int = RATE, frame_s: float = 0.02, floor: float = 0.01) -> Loudness:
    if not len(samples):
        return Loudness(0.0, 0.0, 0.0)
    n = int(frame_s * rate)
    frames = samples[: len(samples) // n * n].reshape(-1, n) if len(samples) >= n else samples.reshape(1, -1)
    frame_rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
    return Loudness(len(samples) / rate, rms, float(np.mean(frame_rms > floor)))
