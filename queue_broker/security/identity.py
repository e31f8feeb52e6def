"""ID numbers and names: validated, hashed with a key (HMAC-SHA256) and masked. The clear value
never goes further than the function that receives it."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
ID18 = re.compile(r"^\d{17}[\dX]$")
FOREIGN15 = re.compile(r"^[A-Z]{3}\d{12}$")  # the older foreign permanent-resident card


class IdentityError(ValueError):
    pass


def check_digit(first17: str) -> str:
    return CHECK[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def birth_date(id_number: str) -> date | None:
    """Birth date of an 18-character GB 11643 number (resident cards, HMT permits, new foreign cards)."""
    if not ID18.match(id_number):
        return None
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def validate_id_number(id_number: str) -> str:
    """Return the normalised number or raise IdentityError with a reason that does not repeat it."""
    n = id_number.strip().upper()
    if FOREIGN15.match(n):
        return n
    if not ID18.match(n):
        raise IdentityError("the ID number must have 18 characters (17 digits and a digit or X)")
    if check_digit(n[:17]) != n[17]:
        raise IdentityError("the ID number's check digit is wrong")
    born = birth_date(n)
    if born is None or born.year < 1880:
        raise IdentityError("the ID number holds no valid birth date")
    return n


def age_on(id_number: str, today: date) -> int | None:
    born = birth_date(id_number)
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def holder_hash(key: bytes, id_number: str) -> str:
    return hmac.new(key, id_number.encode(), hashlib.sha256).hexdigest()


def mask_id_number(id_number: str) -> str:
    """'411325199001011234' -> '4113**********1234'. Eight characters or fewer are masked whole:
    keeping four and four of them would keep all of them."""
    s = id_number.strip()
    if len(s) <= 8:
        return "*" * len(s)
    return s[:4] + "*" * (len(s) - 8) + s[-4:]


def mask_name(name: str) -> str:
    """'张三' -> '张*', '欧阳娜娜' -> '欧***'; a single character is masked."""
    s = name.strip()
    if len(s) <= 1:
        return "*" * len(s)
    return s[0] + "*" * (len(s) - 1)


def mask_address(address: str, keep: int = 6) -> str:
    """'河南省南阳市内乡县城关镇县衙路1号' -> '河南省南阳市****': province and city stay."""
    s = address.strip()
    if len(s) <= keep:
        return s[: max(0, len(s) // 2)] + "*" * (len(s) - len(s) // 2)
    return s[:keep] + "****"
