"""Search the catalog by Chinese or by pinyin (initials or full), e.g. `bdc` finds 不动产登记.

Pinyin comes from pypinyin, loaded without its phrase dictionary (PYPINYIN_NO_PHRASES: 12 MB of
memory instead of 56 MB on a kiosk board). A character with several readings gets all of them
(heteronym), so `yh` and `yx` both find 银行, and 长者 is found by `zz` and `cz`: a query may match a
reading the phrase would not use, never miss the right one. Each item is indexed by its name, its
keywords and categories, and its department, with falling weight; a query of Latin letters is
matched against the initials and the full pinyin, a query with Chinese characters against the text.
Pure and fast: 70 items are indexed in a few milliseconds.

pypinyin is needed only while an index is built (at the first search of a catalog version), so it is
imported then and unloaded again: its character table is 10 MB of a kiosk's memory otherwise, for
the whole day. Importing it again takes about 0.1 s, once per catalog version.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")  # read when pypinyin is imported
os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")

LATIN = re.compile(r"^[a-z]+$")


def _keep_alnum(chars: str) -> list[str]:
    return [c.lower() for c in chars if c.isalnum()]


@contextmanager
def pypinyin_loaded() -> Iterator[None]:
    """pypinyin for the time of the block; unloaded after it unless it was loaded before (its
    modules refer to each other: the next garbage collection frees them).

    Other threads import modules meanwhile (paho's network thread, device threads), so `sys.modules`
    is read through a copy, taken in one step under the GIL: walking the live dictionary failed with
    "dictionary changed size during iteration" and ended the kiosk (seen during `up`)."""
    before = "pypinyin" in sys.modules
    try:
        yield
    finally:
        if not before:
            for name in [m for m in sys.modules.copy() if m == "pypinyin" or m.startswith("pypinyin.")]:
                sys.modules.pop(name, None)


def readings(text: str) -> list[tuple[str, ...]]:
    """Every reading of every character (Latin letters and digits stand for themselves)."""
    from pypinyin import Style, pinyin

    out = []
    # pypinyin's types say the errors callback returns a str; it takes a list as the readings too (converter.py)
    for options in pinyin(text, style=Style.NORMAL, heteronym=True, errors=_keep_alnum):  # type: ignore[arg-type]
        out.append(tuple(dict.fromkeys(o.lower() for o in options if o)))
    return [r for r in out if r]


def initials(text: str) -> str:
    """The initials of the most common reading of each character: 不动产登记 -> bdcdj."""
    return "".join(r[0][0] for r in readings(text))


def full_pinyin(text: str) -> str:
    return "".join(r[0] for r in readings(text))


def normalise_query(query: str) -> str:
    q = unicodedata.normalize("NFKC", query).strip().lower()
    return "".join(q.split())


@dataclass(frozen=True)
class _Field:
    text: str
    initial_sets: tuple[frozenset[str], ...]  # per character: the initials of all its readings
    pinyin: str
    weight: int

    def initials_at(self, q: str) -> int | None:
        """The first position where every letter of q is an initial of the next characters, or None."""
        sets = self.initial_sets
        for start in range(len(sets) - len(q) + 1):
            if all(q[j] in sets[start + j] for j in range(len(q))):
                return start
        return None


class SearchIndex:
    """entries: (id, name, keyword-like texts, department-like texts)."""

    def __init__(self, entries: Iterable[tuple[str, str, Iterable[str], Iterable[str]]]):
        self._rows: list[tuple[str, list[_Field]]] = []
        with pypinyin_loaded():
            for item_id, name, middle, low in entries:
                fields = [self._field(name, 3)]
                fields += [self._field(t, 2) for t in middle if t]
                fields += [self._field(t, 1) for t in low if t]
                self._rows.append((item_id, fields))

    @staticmethod
    def _field(text: str, weight: int) -> _Field:
        rs = readings(text)
        return _Field(
            text.lower(),
            tuple(frozenset(r[0] for r in options) for options in rs),
            "".join(options[0] for options in rs),
            weight,
        )

    def search(self, query: str, limit: int = 40) -> list[str]:
        q = normalise_query(query)
        if not q:
            return []
        latin = bool(LATIN.match(q))
        scored: list[tuple[int, int, str]] = []
        for order, (item_id, fields) in enumerate(self._rows):
            best = max(_score(q, f, latin) for f in fields)
            if best:
                scored.append((-best, order, item_id))
        scored.sort()
        return [item_id for _, _, item_id in scored[:limit]]


PREFIX = {3: 100, 2: 80, 1: 50}  # by field weight: name, keywords and categories, department
CONTAINS = {3: 60, 2: 40, 1: 20}


def _score(q: str, f: _Field, latin: bool) -> int:
    """A prefix beats a match inside; the name beats a keyword beats the department."""
    if latin:
        at = f.initials_at(q)
        if at == 0:
            return PREFIX[f.weight]
        if at is not None:
            return CONTAINS[f.weight]
        if len(q) >= 3 and q in f.pinyin:
            return 10 + f.weight
        return 0
    if f.text.startswith(q):
        return PREFIX[f.weight]
    if q in f.text:
        return CONTAINS[f.weight]
    return 0
