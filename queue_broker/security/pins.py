"""Operator and supervisor PINs: PBKDF2-SHA256 hashes in the site file, checked in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

ITERATIONS = 200_000


def hash_pin(pin: str, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


_cache: dict[tuple[str, str], bool] = {}


def check_pin(pin: str, pin_hash: str) -> bool:
    # PBKDF2 is slow on purpose; the same (pin, hash) pair is remembered so a counter that logs in
    # many times a day does not stall the broker's single command thread each time.
    key = (hashlib.sha256(pin.encode()).hexdigest(), pin_hash)
    if key in _cache:
        return _cache[key]
    try:
        _, iterations, salt_b64, digest_b64 = pin_hash.split("$")
        digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), base64.b64decode(salt_b64), int(iterations))
        ok = hmac.compare_digest(digest, base64.b64decode(digest_b64))
    except (ValueError, TypeError):
        ok = False
    if len(_cache) < 10_000:
        _cache[key] = ok
    return ok
