"""Writing generated files: secrets are created 0600 from the first byte, everything else 0644.

A secret file is never created world-readable and then narrowed: it is opened with O_CREAT and mode
0600 under a temporary name in the same folder, then renamed over the old one, so a reader sees the
old file or the new one, never a half-written or wider-open one.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_MODE = 0o600
PUBLIC_MODE = 0o644
SCRIPT_MODE = 0o755


def _write(path: Path, data: bytes, mode: int) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)  # the umask may have narrowed it further; make it exactly `mode`
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_secret(path: Path, data: str | bytes) -> Path:
    """A file that holds a password, a private key or a password hash: mode 0600."""
    return _write(path, data.encode() if isinstance(data, str) else data, SECRET_MODE)


def write_public(path: Path, data: str | bytes, executable: bool = False) -> Path:
    return _write(path, data.encode() if isinstance(data, str) else data, SCRIPT_MODE if executable else PUBLIC_MODE)


def new_password() -> str:
    """144 random bits, URL-safe (it goes into mqtts://node:password@host:port unescaped)."""
    return secrets.token_urlsafe(18)
