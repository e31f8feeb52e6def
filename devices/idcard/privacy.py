"""Masked forms of personal data, for screens, logs and anything that leaves the kiosk.

Pure functions on strings, no dependencies: the queue broker imports them too, so the masked
form is the same everywhere (protocol `MaskedHolder`).
"""

from __future__ import annotations


def mask_id_number(id_number: str) -> str:
    """'411325199001011234' -> '4113**********1234': the first four and the last four stay.

    Short values (anything of 8 characters or fewer) are masked entirely: keeping 4 + 4 of them
    would keep all of them."""
    s = id_number.strip()
    if len(s) <= 8:
        return "*" * len(s)
    return s[:4] + "*" * (len(s) - 8) + s[-4:]


def mask_name(name: str) -> str:
    """'张三' -> '张*', '欧阳娜娜' -> '欧***': the first character stays. A single character is masked."""
    s = name.strip()
    if len(s) <= 1:
        return "*" * len(s)
    return s[0] + "*" * (len(s) - 1)


def mask_address(address: str, keep: int = 6) -> str:
    """'河南省南阳市内乡县城关镇县衙路1号' -> '河南省南阳市****': province and city stay, the rest goes."""
    s = address.strip()
    if len(s) <= keep:
        return s[: max(0, len(s) // 2)] + "*" * (len(s) - len(s) // 2)
    return s[:keep] + "****"
