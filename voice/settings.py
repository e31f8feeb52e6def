"""A voice node's own settings, beside the hall's `voice:` section of the site file.

The site file's VoiceConfig (template, repeat, chime, voice, rate, max_queue, ...) is shared by every
voice node of the hall. What a hall may also want to tune, and what belongs to one machine (engine,
player, paths), lives in an optional YAML file: `--speech FILE`, or `voice.yaml` beside the site
file. Every key is optional; unknown keys are refused like in the site file.

    engine: espeak-ng          # or pyttsx3
    letters: {A: 诶}           # how a ticket letter is read in Mandarin (overrides the default table)
    one_as_yao: false          # read 1 in ticket numbers as 幺
    counter_reading: number    # 12 → 十二; "digits": 12 → 一二
    english_voice: en
    player: auto               # auto (aplay when a sound card exists), aplay, command, sleep, none
    player_command: [paplay, "{path}"]
    output_dir: /var/lib/hall/voice/out   # keep every announcement WAV here
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

TEMPLATE_FIELDS = {"number", "counter"}
REBALANCE_FIELDS = {"counter", "queues"}


class SettingsError(ValueError):
    """A speech settings file that cannot be used; `str()` names the file and the key."""


def template_fields(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ValueError(f"template {template!r} is not valid: {exc}") from None


class SpeechSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    engine: Literal["espeak-ng", "pyttsx3"] = "espeak-ng"
    engine_timeout_s: float = Field(default=10.0, gt=0, le=120)
    letters: dict[str, str] = {}
    one_as_yao: bool = False
    counter_reading: Literal["number", "digits"] = "number"
    english_voice: str = "en"
    rebalance_template: str = "请注意，{counter}号窗口现在办理{queues}业务"
    notice_prefix: str = "请注意，"
    gap_s: float = Field(default=0.06, ge=0, le=1)  # between the template's parts
    repeat_pause_s: float = Field(default=0.8, ge=0, le=5)  # between repeats
    language_pause_s: float = Field(default=0.5, ge=0, le=5)  # between Mandarin and English
    chime_pause_s: float = Field(default=0.3, ge=0, le=5)  # after the chime
    player: Literal["auto", "aplay", "command", "sleep", "none"] = "auto"
    player_command: list[str] = []
    output_dir: str | None = None
    cache_dir: str | None = None
    playback_log: str | None = None
    prewarm: bool = True  # render the chime, fixed parts and this zone's counters at start

    @field_validator("letters")
    @classmethod
    def _letters(cls, v: dict[str, str]) -> dict[str, str]:
        for key in v:
            if len(key) != 1 or not key.isascii() or not key.isalpha():
                raise ValueError(f"letters: {key!r} is not a single letter A-Z")
        return {k.upper(): s for k, s in v.items()}

    @field_validator("rebalance_template")
    @classmethod
    def _rebalance_fields(cls, v: str) -> str:
        unknown = template_fields(v) - REBALANCE_FIELDS
        if unknown:
            raise ValueError(f"unknown field(s) {sorted(unknown)} (use {{counter}} and {{queues}})")
        return v


def load_settings(path: str | Path | None) -> SpeechSettings:
    if path is None:
        return SpeechSettings()
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SettingsError(f"{path}: cannot be read: {exc}") from None
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: must hold a mapping of settings")
    try:
        return SpeechSettings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise SettingsError(f"{path}: {where}: {err['msg']}") from None
