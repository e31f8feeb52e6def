"""Materials at rest: each page encrypted with the hall's materials key (AES-256-GCM, `cryptography`), one
file per material in `DATA_DIR/materials/`, named by its id (which says nothing about the citizen).

File format: `HMAT1` | 12-byte random nonce | ciphertext with its 16-byte tag. The associated data binds
a file to its hall and material id, so a file renamed or copied to another id does not decrypt. Files
are written to a temporary name (0600) and renamed, never seen half-written. Erasing a material deletes
its file; what stays in freed disk blocks is ciphertext, and the key never leaves the hall server.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"HMAT1"
SUFFIX = ".hmat"
ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class VaultError(RuntimeError):
    pass


class Vault:
    def __init__(self, root: str | Path, key: bytes, site: str):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        self._aead = AESGCM(key)
        self.site = site

    def path(self, material_id: str) -> Path:
        if not ID_RE.match(material_id):
            raise VaultError("not a material id")
        return self.root / f"{material_id}{SUFFIX}"

    def _aad(self, material_id: str) -> bytes:
        return f"hall-material:{self.site}:{material_id}".encode()

    def put(self, material_id: str, data: bytes) -> Path:
        nonce = secrets.token_bytes(12)
        blob = MAGIC + nonce + self._aead.encrypt(nonce, data, self._aad(material_id))
        path = self.path(material_id)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(blob)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return path

    def get(self, material_id: str) -> bytes:
        try:
            blob = self.path(material_id).read_bytes()
        except FileNotFoundError:
            raise VaultError("the material is not on file (erased, or never kept)") from None
        if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + 12 + 16:
            raise VaultError("the material's file is damaged")
        nonce = blob[len(MAGIC) : len(MAGIC) + 12]
        try:
            return self._aead.decrypt(nonce, blob[len(MAGIC) + 12 :], self._aad(material_id))
        except Exception:
            raise VaultError("the material's file does not decrypt with this hall's key") from None

    def erase(self, material_id: str) -> bool:
        try:
            self.path(material_id).unlink()
            return True
        except FileNotFoundError:
            return False

    def ids(self) -> Iterator[str]:
        for p in self.root.glob(f"*{SUFFIX}"):
            yield p.name[: -len(SUFFIX)]

    def clear_temporaries(self) -> None:
        for p in self.root.glob(".*.tmp"):
            p.unlink(missing_ok=True)
