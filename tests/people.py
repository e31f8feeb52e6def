"""Made-up citizens for the privacy tests, the checks that find their ID numbers in what crossed, and the
test card zhang_san's fields for tests that need his card a little changed."""

from __future__ import annotations

import random
import re
from datetime import datetime

from devices.idcard.cardtext import RESIDENT, split_fields
from devices.idcard.testcards import TEST_CARDS
from queue_broker.security.identity import check_digit

SURNAMES = "欧阳 司马 上官 诸葛 皇甫 令狐 慕容 东方 尉迟 公孙".split()
GIVEN = "子涵 思远 若曦 梓萱 浩然 雨桐 俊熙 语嫣 星辰 嘉懿 沐阳 清越".split()


def citizens(n: int, rng: random.Random | int = 11643) -> list[dict[str, str]]:
    """`n` people with valid 18-digit resident ID numbers (GB 11643 check digit) and rare, distinct
    names; `rng` a generator the caller goes on using, or a seed."""
    rng = rng if isinstance(rng, random.Random) else random.Random(rng)
    people, names = [], set()
    while len(people) < n:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if name in names:
            continue
        names.add(name)
        born = datetime(rng.randint(1938, 2004), rng.randint(1, 12), rng.randint(1, 28))
        first17 = f"411325{born:%Y%m%d}{rng.randint(0, 999):03d}"
        people.append({"id_number": first17 + check_digit(first17), "name": name})
    return people


def id_numbers_in(text: str) -> set[str]:
    """Every 18-character window of digits (and a final X) whose GB 11643 check digit is right."""
    found = set()
    for run in re.finditer(r"\d{17,}[\dXx]?", text):
        s = run.group().upper()
        for i in range(len(s) - 17):
            cand = s[i : i + 18]
            if cand[:17].isdigit() and check_digit(cand[:17]) == cand[17]:
                found.add(cand)
    return found


def json_escaped(text: str) -> str:
    """`text` as json.dumps writes it by default (\\uXXXX), the other way a name could appear."""
    return "".join(f"\\u{ord(c):04x}" if ord(c) > 127 else c for c in text)


def zhang_san_fields(**changes: str) -> dict[str, str]:
    """The text fields of the test card zhang_san (devices/idcard/testcards.yaml), with `changes`: what
    `card_text(RESIDENT, ...)` and `make_card(key, RESIDENT, ...)` take."""
    return split_fields(TEST_CARDS["zhang_san"].text, RESIDENT) | changes
