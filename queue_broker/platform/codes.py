"""Checks on the national codes: the 18-character 统一社会信用代码 of a department (GB 32100-2015, with its
check character) and the shape of item codes. Used by `catalog import` to report bad records by line."""

from __future__ import annotations

import re

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")  # an item code is also the site's service id: a topic level


def uscc_check_char(first17: str) -> str:
    """The 18th character of a 统一社会信用代码 whose first 17 are `first17`."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """None for a valid 统一社会信用代码, else what is wrong with it, in words."""
    code = code.strip().upper()
    if len(code) != 18:
        return f"{code!r} has {len(code)} characters; a 统一社会信用代码 has 18"
    bad = [c for c in code if c not in USCC_CHARS]
    if bad:
        return f"{code!r} holds {bad[0]!r}, which no 统一社会信用代码 uses"
    if uscc_check_char(code[:17]) != code[17]:
        return f"{code!r} fails its check character (should end in {uscc_check_char(code[:17])})"
    return None


def code_problem(code: str, what: str) -> str | None:
    if not code:
        return f"{what} is missing"
    if not CODE_RE.match(code):
        return f"{what} {code!r} may hold only letters, digits, '_', '.', '-' (at most 64)"
    return None
