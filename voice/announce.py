"""From an event to an announcement: the script (chime, phrases, pauses) and its WAV.

An announcement is a list of items; each phrase is one cached segment. The template
`请{number}号到{counter}号窗口办理` becomes five phrases, 请 / 诶零一二 / 号到 / 十二 / 号窗口办理: the
fixed ones and the counter are rendered once for the life of the cache, the ticket number once per
ticket. The WAV is the concatenation of the cached segments with short pauses in between.
"""

from __future__ import annotations

import string
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from queue_broker.config.models import VoiceConfig
from queue_broker.protocol.messages import CalledEvent, NoticeEvent, RebalancedEvent

from .audio import RATE, concat, silence, write_wav
from .cache import SegmentCache
from .normalise import Normaliser
from .settings import TEMPLATE_FIELDS, SpeechSettings, template_fields


@dataclass(frozen=True)
class Speech:
    text: str
    voice: str


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class Chime:
    pass


Item = Speech | Pause | Chime


@dataclass
class Announcement:
    """One thing to play. `key` identifies what a later copy replaces (a ticket's recall)."""

    kind: str  # called, rebalanced, notice
    key: str
    items: list[Item]
    spoken: list[str]  # each sentence as given to the engine, once (not repeated)
    display: str  # the same with the number as printed, for logs
    ticket: str | None = None
    ticket_id: str | None = None
    counter_id: str | None = None
    counter_number: int | None = None
    recall: int = 0
    received_mono: float = field(default_factory=time.monotonic)
    wav: Path | None = None
    duration_s: float = 0.0

    @property
    def text(self) -> str:
        return " / ".join(self.spoken)


def check_templates(voice: VoiceConfig) -> None:
    """Raise ValueError for a template naming a field that does not exist (at start, not at 9:00)."""
    for name, template in (("voice.template", voice.template), ("voice.template_en", voice.template_en)):
        unknown = template_fields(template) - TEMPLATE_FIELDS
        if unknown:
            raise ValueError(f"{name}: unknown field(s) {sorted(unknown)}; use {{number}} and {{counter}}")


class Composer:
    def __init__(
        self, voice: VoiceConfig, settings: SpeechSettings, cache: SegmentCache, normaliser: Normaliser | None = None
    ):
        check_templates(voice)
        self.voice = voice
        self.settings = settings
        self.cache = cache
        self.normaliser = normaliser or Normaliser.with_overrides(
            settings.letters, one_as_yao=settings.one_as_yao, counter_reading=settings.counter_reading
        )

    # --- scripts ---------------------------------------------------------------------------------
    def _sentence(self, template: str, values: dict[str, str], voice: str) -> list[Item]:
        items: list[Item] = []
        for literal, name, _, _ in string.Formatter().parse(template):
            for text in (literal, values[name] if name is not None else ""):
                if text.strip():
                    if items:
                        items.append(Pause(self.settings.gap_s))
                    items.append(Speech(text.strip(), voice))
        return items

    def _wrap(self, sentences: list[list[Item]], repeat: int) -> list[Item]:
        s = self.settings
        items: list[Item] = [Chime(), Pause(s.chime_pause_s)] if self.voice.chime else []
        for i in range(repeat):
            if i:
                items.append(Pause(s.repeat_pause_s))
            for j, sentence in enumerate(sentences):
                if j:
                    items.append(Pause(s.language_pause_s))
                items.extend(sentence)
        return items

    def called(self, ev: CalledEvent) -> Announcement:
        n = self.normaliser
        zh = {"number": n.ticket_zh(ev.number), "counter": n.counter_zh(ev.counter_number)}
        sentences = [self._sentence(self.voice.template, zh, self.voice.voice)]
        spoken = [self.voice.template.format(**zh)]
        if self.voice.template_en:
            en = {"number": n.ticket_en(ev.number), "counter": n.counter_en(ev.counter_number)}
            sentences.append(self._sentence(self.voice.template_en, en, self.settings.english_voice))
            spoken.append(self.voice.template_en.format(**en))
        return Announcement(
            kind="called",
            key=f"called:{ev.ticket_id}",
            items=self._wrap(sentences, self.voice.repeat),
            spoken=spoken,
            display=self.voice.template.format(number=ev.number, counter=ev.counter_number),
            ticket=ev.number,
            ticket_id=ev.ticket_id,
            counter_id=ev.counter_id,
            counter_number=ev.counter_number,
            recall=ev.recall,
        )

    def called_text(self, number: str, counter: int) -> list[str]:
        """The sentences `called` would speak, without building anything (for the CLI and docs)."""
        n = self.normaliser
        out = [self.voice.template.format(number=n.ticket_zh(number), counter=n.counter_zh(counter))]
        if self.voice.template_en:
            out.append(self.voice.template_en.format(number=n.ticket_en(number), counter=n.counter_en(counter)))
        return out

    def rebalanced(self, ev: RebalancedEvent, counter_number: int, queue_names: list[str]) -> Announcement:
        values = {"counter": self.normaliser.counter_zh(counter_number), "queues": "、".join(queue_names)}
        template = self.settings.rebalance_template
        return Announcement(
            kind="rebalanced",
            key=f"rebalanced:{ev.counter_id}",
            items=self._wrap([self._sentence(template, values, self.voice.voice)], 1),
            spoken=[template.format(**values)],
            display=template.format(counter=counter_number, queues="、".join(queue_names)),
            counter_id=ev.counter_id,
            counter_number=counter_number,
        )

    def notice(self, ev: NoticeEvent) -> Announcement:
        text = self.settings.notice_prefix + ev.text
        return Announcement(
            kind="notice",
            key=f"notice:{ev.text}",
            items=self._wrap([[Speech(text, self.voice.voice)]], 1),
            spoken=[text],
            display=text,
        )

    # --- audio -----------------------------------------------------------------------------------
    def samples(self, items: list[Item]) -> np.ndarray:
        parts = []
        for item in items:
            if isinstance(item, Speech):
                parts.append(self.cache.speech(item.text, item.voice, self.voice.rate))
            elif isinstance(item, Pause):
                parts.append(silence(item.seconds))
            else:
                parts.append(self.cache.chime())
        return concat(parts)

    def render(self, announcement: Announcement, path: Path) -> Announcement:
        data = self.samples(announcement.items)
        write_wav(path, data)
        announcement.wav = path
        announcement.duration_s = len(data) / RATE
        return announcement

    def prewarm(self, counter_numbers: list[int]) -> int:
        """Render the chime, the templates' fixed parts and these counters now; returns the phrase count."""
        self.cache.chime()
        phrases: set[tuple[str, str]] = set()
        n = self.normaliser
        templates = [(self.voice.template, self.voice.voice, n.counter_zh)]
        if self.voice.template_en:
            templates.append((self.voice.template_en, self.settings.english_voice, n.counter_en))
        for template, voice, counter_text in templates:
            for literal, _, _, _ in string.Formatter().parse(template):
                if literal.strip():
                    phrases.add((literal.strip(), voice))
            if "counter" in template_fields(template):
                phrases.update((counter_text(number), voice) for number in counter_numbers)
        for text, voice in sorted(phrases):
            self.cache.speech(text, voice, self.voice.rate)
        return len(phrases)
