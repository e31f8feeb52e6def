"""Every sentence the kiosk shows or says, in Simplified Chinese first and English second: the table is
`texts.yaml` beside this module (where they are written and reviewed), loaded and checked at start.

Plain words for citizens, many of them elderly: no codes, no jargon, and never "you must book
online" (seed art. 19). `t(key, lang, **values)` formats one; the formatters below turn numbers
(wait times, time limits, materials) into the same plain words on screen and on paper.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from queue_broker.protocol.messages import Material
from queue_broker.sentences import load_sentences

TEXTS_FILE = Path(__file__).with_name("texts.yaml")


def load_texts(path: Path = TEXTS_FILE) -> dict[str, tuple[str, str]]:
    """{key: (zh, en)} from the texts file; en "" where there is none (the elderly mode's speech)."""
    return load_sentences(path)


TEXT = load_texts()


def t(key: str, lang: str = "zh", **values: Any) -> str:
    zh, en = TEXT[key]
    text = en if lang == "en" and en else zh
    return text.format(**values) if values else text


def minutes(seconds: int) -> int:
    return max(0, round(seconds / 60))


def wait_text(low_s: int, high_s: int, lang: str = "zh") -> str:
    """An honest range in whole minutes: '约 5–12 分钟'; under a minute: '马上就到'."""
    lo, hi = sorted((minutes(low_s), minutes(high_s)))
    if hi == 0:
        return "马上就到" if lang == "zh" else "moments"
    hi = max(hi, lo + 1) if lo else hi  # a range, not a false promise of the minute
    if lo == 0:
        return f"不到 {hi} 分钟" if lang == "zh" else f"under {hi} min"
    return f"约 {lo}–{hi} 分钟" if lang == "zh" else f"about {lo}–{hi} min"


def time_limit_text(days: int, lang: str = "zh") -> str:
    if days <= 0:
        return "即办（材料齐全当场办结）" if lang == "zh" else "on the spot"
    return f"{days} 个工作日" if lang == "zh" else f"{days} working days"


def material_text(m: Material, lang: str = "zh") -> str:
    counts = []
    if m.originals:
        counts.append(f"原件 {m.originals} 份")
    if m.copies:
        counts.append(f"复印件 {m.copies} 份")
    parts = [m.name]
    if counts:
        parts.append("（" + "，".join(counts) + "）")
    if m.form:
        parts.append(f"［{m.form}］")
    if not m.required:
        parts.append("（如有）")
    if m.note:
        parts.append(f"：{m.note}")
    return "".join(parts)
