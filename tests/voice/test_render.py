"""Real WAV files from espeak-ng: plausible durations, speech rather than silence, the cache at work."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from queue_broker.config.models import VoiceConfig
from voice.announce import Composer
from voice.audio import RATE, chime, loudness, read_wav, silence, trim, wav_duration, write_wav
from voice.cache import SegmentCache
from voice.engines import EspeakNgEngine, Pyttsx3Engine, TtsTimeout
from voice.settings import SpeechSettings

from .conftest import called, needs_espeak

ROOT = Path(__file__).resolve().parents[2]
pytestmark = needs_espeak


def composer(tmp_path: Path, engine=None, **voice) -> Composer:
    return Composer(
        VoiceConfig(**voice), SpeechSettings(), SegmentCache(tmp_path / "cache", engine or EspeakNgEngine())
    )


def assert_speech(samples: np.ndarray, min_s: float, max_s: float) -> None:
    level = loudness(samples)
    assert min_s <= level.duration_s <= max_s, level
    assert level.rms > 0.03, level  # espeak-ng speech is about 0.1 RMS; silence is 0
    assert level.active > 0.5, level  # most 20 ms frames carry sound: speech, not a click in silence


@pytest.mark.parametrize(("number", "counter"), [("A001", 1), ("A012", 3), ("B100", 10), ("C010", 12), ("D999", 20)])
def test_call_renders_as_speech(tmp_path, number, counter):
    c = composer(tmp_path, repeat=1, chime=False)
    a = c.render(c.called(called(number, "c01", counter)), tmp_path / "call.wav")
    samples = read_wav(a.wav)
    # 请X三位号到N号窗口办理 at 150 words a minute: about 4.5 s
    assert_speech(samples, 3.0, 7.0)
    assert wav_duration(a.wav) == pytest.approx(a.duration_s, abs=0.001)


def test_full_announcement_chime_repeat_english(tmp_path):
    c = composer(tmp_path, template_en="Ticket {number}, please go to counter {counter}.")
    a = c.render(c.called(called("A012", "c12", 12)), tmp_path / "call.wav")
    samples = read_wav(a.wav)
    assert a.spoken == ["请诶零一二号到十二号窗口办理", "Ticket A0 1 2, please go to counter 12."]
    assert 14.0 <= a.duration_s <= 26.0  # chime, then (Mandarin + English) twice
    ding_dong = chime(RATE)  # the chime comes first and is what we generated
    assert np.allclose(samples[: len(ding_dong)], ding_dong, atol=1e-4)
    assert_speech(samples[int(1.5 * RATE) :], 12.0, 25.0)


def test_segments_join_like_one_sentence(tmp_path):
    """The concatenated segments last about as long as espeak-ng speaking the sentence in one go."""
    c = composer(tmp_path, repeat=1, chime=False)
    joined = c.render(c.called(called("A012", "c03", 3)), tmp_path / "joined.wav").duration_s
    EspeakNgEngine().render("请诶零一二号到三号窗口办理", tmp_path / "whole.wav", voice="cmn-latn-pinyin", rate=150)
    whole = len(trim(read_wav(tmp_path / "whole.wav"))) / RATE
    assert joined == pytest.approx(whole, rel=0.2)


def test_cache_renders_each_phrase_once(tmp_path):
    c = composer(tmp_path, repeat=2)
    c.render(c.called(called("A001", "c03", 3)), tmp_path / "1.wav")
    assert (c.cache.misses, c.cache.hits) == (5, 5)  # 请 / number / 号到 / 三 / 号窗口办理, then the repeat
    c.render(c.called(called("A002", "c03", 3)), tmp_path / "2.wav")
    assert c.cache.misses == 6  # only the new ticket number
    c.render(c.called(called("A002", "c03", 3, recall=1)), tmp_path / "3.wav")
    assert c.cache.misses == 6  # a recall is all cache
    other_rate = Composer(VoiceConfig(rate=200), SpeechSettings(), c.cache)
    other_rate.render(other_rate.called(called("A002", "c03", 3)), tmp_path / "4.wav")
    assert c.cache.misses == 11  # the rate is part of the key
    # the same files are there for the next process
    again = composer(tmp_path, repeat=2)
    again.render(again.called(called("A002", "c03", 3)), tmp_path / "5.wav")
    assert again.cache.misses == 0


def test_prewarm_covers_fixed_parts_and_counters(tmp_path):
    c = composer(tmp_path)
    assert c.prewarm([1, 2, 3]) == 6  # 请, 号到, 号窗口办理, 一, 二, 三
    c.render(c.called(called("A001", "c03", 3)), tmp_path / "1.wav")
    assert c.cache.misses == 6 + 1


def test_silence_is_not_speech():
    level = loudness(silence(2.0))
    assert level.rms == 0 and level.active == 0


def test_wav_conversion(tmp_path):
    """A segment in another format (stereo 44.1 kHz) is converted, so concatenation never mixes formats."""
    import wave

    t = np.arange(44100) / 44100
    tone = (0.5 * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2")
    with wave.open(str(tmp_path / "stereo.wav"), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(np.repeat(tone, 2).tobytes())
    data = read_wav(tmp_path / "stereo.wav")
    assert len(data) == RATE and abs(np.max(np.abs(data)) - 0.5) < 0.01
    write_wav(tmp_path / "out.wav", data)
    assert wav_duration(tmp_path / "out.wav") == pytest.approx(1.0)


def test_pyttsx3_engine_matches_espeak_ng(tmp_path):
    engine = Pyttsx3Engine()
    try:
        a = composer(tmp_path / "p", engine, repeat=1, chime=False)
        pa = a.render(a.called(called("B100", "c12", 12)), tmp_path / "p.wav")
    finally:
        engine.close()
    b = composer(tmp_path / "e", repeat=1, chime=False)
    pb = b.render(b.called(called("B100", "c12", 12)), tmp_path / "e.wav")
    assert pa.duration_s == pytest.approx(pb.duration_s, rel=0.02)
    assert_speech(read_wav(pa.wav), 3.0, 7.0)


PYTTSX3_DIRECT = textwrap.dedent("""
    import pyttsx3, sys
    e = pyttsx3.init("espeak")
    e.setProperty("voice", "cmn-latn-pinyin")
    for i in range(3):
        e.save_to_file("请三号", sys.argv[1] + f"/{i}.wav")
        e.runAndWait()
    sys.stderr.write("done")
""")

PYTTSX3_WORKER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from voice.engines import Pyttsx3Engine
    e = Pyttsx3Engine(timeout_s=5)
    for i in range(3):
        e.render("请三号", Path(sys.argv[1]) / f"{i}.wav", voice="cmn-latn-pinyin", rate=150)
    e.close()
    sys.stderr.write("done")
""")


def _run_with_full_stdout(code: str, tmp_path: Path, timeout: float) -> subprocess.CompletedProcess | None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open("/dev/full", "w") as full:
        try:
            return subprocess.run(
                [sys.executable, "-c", code, str(tmp_path)],
                stdout=full,
                stderr=subprocess.PIPE,
                timeout=timeout,
                env=env,
                text=True,
            )
        except subprocess.TimeoutExpired:
            return None


def test_pyttsx3_hang_is_contained(tmp_path):
    """pyttsx3 2.99 used directly spins forever when its stdout cannot be written (stack notes); our
    worker-process engine, run by a service whose stdout is just as broken, finishes every phrase."""
    assert _run_with_full_stdout(PYTTSX3_DIRECT, tmp_path, timeout=3) is None, "pyttsx3 no longer hangs: revisit"
    started = time.monotonic()
    done = _run_with_full_stdout(PYTTSX3_WORKER, tmp_path, timeout=20)
    assert done is not None and done.returncode == 0 and done.stderr.endswith("done"), done
    assert time.monotonic() - started < 10
    assert all(wav_duration(tmp_path / f"{i}.wav") > 0.5 for i in range(3))


def test_engines_time_out_instead_of_hanging(tmp_path):
    stuck = tmp_path / "stuck"
    stuck.write_text('#!/bin/sh\n[ "$1" = --version ] && exit 0\nexec sleep 30\n')
    stuck.chmod(0o755)
    engine = EspeakNgEngine(binary=str(stuck), timeout_s=0.5)
    started = time.monotonic()
    with pytest.raises(TtsTimeout):
        engine.render("请", tmp_path / "x.wav", voice="cmn-latn-pinyin", rate=150)
    assert time.monotonic() - started < 3
    silent = tmp_path / "silent-python"
    silent.write_text("#!/bin/sh\nexec sleep 30\n")  # a worker that never answers
    silent.chmod(0o755)
    worker = Pyttsx3Engine(timeout_s=0.5, python=str(silent))
    started = time.monotonic()
    with pytest.raises(TtsTimeout):
        worker.render("请", tmp_path / "y.wav", voice="cmn-latn-pinyin", rate=150)
    assert time.monotonic() - started < 3 and worker._proc is None  # killed, restarted on the next phrase
    worker.close()


def test_cli_render(tmp_path):
    out = tmp_path / "call.wav"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "voice",
            "render",
            "--number",
            "A012",
            "--counter",
            "3",
            "--out",
            str(out),
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["请诶零一二号到三号窗口办理"]
    assert_speech(read_wav(out)[int(1.5 * RATE) :], 7.0, 14.0)  # after the chime: the sentence twice
