"""Partner keys (`python -m gateway key add|list|revoke`): a key is shown once, at `add`, and kept only as
its SHA-256 (keys are 256 random bits: a slow hash would add nothing) in `partner-keys.json` (0600)
under the gateway's data folder. A partner's name scopes what it sees: its own appointments only."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
PREFIX = "hgk_"


class KeyError_(ValueError):
    pass


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class PartnerKeys:
    def __init__(self, folder: str | os.PathLike[str]):
        self.path = Path(folder) / "partner-keys.json"
        self._mtime: float | None = None
        self._by_digest: dict[str, str] = {}

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"partners": {}}
        except (OSError, ValueError) as exc:
            raise KeyError_(f"{self.path} cannot be read: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("partners"), dict):
            raise KeyError_(f"{self.path} is not a partner key file")
        return data

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".partner-keys-")  # 0600 from the first byte
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        self._mtime = None

    def add(self, name: str) -> str:
        if not NAME_RE.match(name):
            raise KeyError_("a partner's name is 1 to 64 letters, digits, '.', '_' or '-'")
        data = self._read()
        old = data["partners"].get(name)
        if old and not old.get("revoked_at"):
            raise KeyError_(f"partner {name} has a key already: revoke it first")
        key = PREFIX + secrets.token_urlsafe(32)
        data["partners"][name] = {"sha256": _digest(key), "created_at": datetime.now(UTC).isoformat()}
        self._write(data)
        return key

    def revoke(self, name: str) -> None:
        data = self._read()
        rec = data["partners"].get(name)
        if rec is None or rec.get("revoked_at"):
            raise KeyError_(f"partner {name} has no key to revoke")
        rec["revoked_at"] = datetime.now(UTC).isoformat()
        self._write(data)

    def list(self) -> list[dict[str, Any]]:
        return [
            {"name": n, "created_at": r.get("created_at"), "revoked_at": r.get("revoked_at")}
            for n, r in sorted(self._read()["partners"].items())
        ]

    def partner_of(self, key: str) -> str | None:
        """The partner's name for a live key, else None. Re-reads the file when it changed (a revoke
        takes effect at once, without a restart)."""
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            mtime = -1.0
        if mtime != self._mtime:
            partners = self._read()["partners"] if mtime >= 0 else {}
            self._by_digest = {r["sha256"]: n for n, r in partners.items() if not r.get("revoked_at")}
            self._mtime = mtime
        digest = _digest(key)
        for known, name in self._by_digest.items():
            if hmac.compare_digest(known, digest):
                return name
        return None
