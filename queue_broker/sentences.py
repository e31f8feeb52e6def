"""A table of sentences in Simplified Chinese and English, kept in a YAML file beside the code that shows
them (where the people who word them edit and review them), loaded and checked once at start: the kiosk's
screens (kiosk_app/kiosk/texts.yaml) and the self-service transaction's (selfservice/texts.yaml)."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import yaml

__all__ = ["load_sentences"]


class _UniqueKeyLoader(yaml.SafeLoader):
    """yaml's safe loader, but a key written twice is an error (it would silently keep the second)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ValueError(f"{key!r} twice (line {key_node.start_mark.line + 1})")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _fields(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name}


def load_sentences(path: Path, *, english_required: bool = False) -> dict[str, tuple[str, str]]:
    """{key: (zh, en)}, en "" where there is none. Refused, naming the file and the key: a key written
    twice; an entry that is not `zh` (words) and `en` (words; optional unless `english_required`) and
    nothing else; an English sentence that names a {field} its Chinese does not."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 - a safe loader
    except ValueError as exc:
        raise ValueError(f"{path.name}: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: not a mapping of keys to sentences")
    needed, needs = ({"zh", "en"}, "zh and en") if english_required else ({"zh"}, "zh (and optionally en)")
    sentences: dict[str, tuple[str, str]] = {}
    for key, entry in data.items():
        if not isinstance(entry, dict) or set(entry) - {"zh", "en"} or needed - set(entry):
            raise ValueError(f"{path.name}: {key}: needs {needs}, nothing else")
        zh, en = entry["zh"], entry.get("en", "")
        for language, sentence in (("zh", zh), ("en", en)):
            if not isinstance(sentence, str):  # e.g. an unquoted No, which YAML reads as false
                raise ValueError(f"{path.name}: {key}: {language} is not words (quote it)")
        # the code fills the Chinese sentence's {fields}; the English may leave one out (a reason given
        # in Chinese words), never name another
        extra = _fields(en) - _fields(zh)
        if extra:
            raise ValueError(f"{path.name}: {key}: en names {sorted(extra)}, which zh does not")
        sentences[key] = (zh, en)
    return sentences
