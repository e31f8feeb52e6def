"""Every sentence the self-service screens show, Chinese first (the kiosk's language), English second:
the table is selfservice/texts.yaml, where the people who word them edit it; `text` fills one in.
`{...}` fields are filled by the session; none of them is ever a name or a number in full."""

from __future__ import annotations

from pathlib import Path

from queue_broker.sentences import load_sentences

TEXTS_FILE = Path(__file__).with_name("texts.yaml")


def load_texts(path: Path = TEXTS_FILE) -> dict[str, tuple[str, str]]:
    """{key: (zh, en)}: every entry gives both (a self-service page is shown in English when asked)."""
    return load_sentences(path, english_required=True)


TEXTS = load_texts()


def text(key: str, language: str = "zh", **fields: object) -> str:
    """The sentence in `language` (Chinese for any but en), its {fields} filled."""
    zh, en = TEXTS[key]
    return (en if language == "en" else zh).format(**fields)
