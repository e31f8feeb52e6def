"""Mosquitto's password file, written in its own format without running `mosquitto_passwd`.

Mosquitto 2.0 stores `user:$7$ITERATIONS$SALT$HASH`: PBKDF2-HMAC-SHA512 over the password with a
12-byte salt, 64 bytes of output, salt and hash in standard base64 (what `mosquitto_passwd -b` writes,
with 101 iterations). Writing it here keeps passwords off command lines, where any local user could
read them in /proc while `mosquitto_passwd -b` runs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from .files import write_secret

ITERATIONS = 1000  # passwords are 144 random bits: the work factor only has to be reasonable


def hash_password(password: str, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    salt = os.urandom(12) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, 64)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def check_password(password: str, hashed: str) -> bool:
    """True when `password` matches a `$7$` (PBKDF2-SHA512) entry."""
    try:
        _, kind, iterations, salt_b64, digest_b64 = hashed.split("$")
    except ValueError:
        return False
    if kind != "7":
        return False
    salt, digest = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
    mine = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, int(iterations), len(digest))
    return hmac.compare_digest(mine, digest)


def read_passwd(path: Path) -> dict[str, str]:
    """user -> hash, in file order; an absent file is empty."""
    entries: dict[str, str] = {}
    if not Path(path).exists():
        return entries
    for line in Path(path).read_text().splitlines():
        if line.strip() and not line.startswith("#") and ":" in line:
            user, hashed = line.split(":", 1)
            entries[user] = hashed
    return entries


def write_passwd(path: Path, entries: dict[str, str]) -> None:
    write_secret(path, "".join(f"{user}:{hashed}\n" for user, hashed in entries.items()))
