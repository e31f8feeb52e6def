"""Every sentence the self-service screens show, Chinese first (the kiosk's language), English second:
the table is selfservice/texts.yaml, where the people who word them edit it; `text` fills one in.
`{...}` fields are filled by the session; none of them is ever a name or a number in full."""

from __future__ import annotations

from pathlib import Path

import yaml

LANGUAGES = ("zh", "en")
TEXTS_FILE = Path(__file__).with_name("texts.yaml")


def load_texts(path: Path = TEXTS_FILE) -> dict[str, dict[str, str]]:
    """key -> language -> sentence; every entry must give each of LANGUAGES, as text, and nothing else."""
    table = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(table, dict):
        raise ValueError(f"{path}: not a mapping of key -> sentences")
    for key, entry in table.items():
        if not isinstance(entry, dict) or sorted(entry) != sorted(LANGUAGES):
            raise ValueError(f"{path}: {key!r} must give exactly {', '.join(LANGUAGES)}")
        if not all(isinstance(sentence, str) for sentence in entry.values()):
            raise ValueError(f"{path}: {key!r} has a sentence that is not text (quote it)")
    return table


TEXTS: dict[str, dict[str, str]] = load_texts()


def text(key: str, language: str = "zh", **fields: object) -> str:
    entry = TEXTS[key]
    return entry.get(language, entry["zh"]).format(**fields)
