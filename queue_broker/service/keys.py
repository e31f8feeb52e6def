"""The key that hashes ID numbers: from the environment, a file, or made once in the data folder."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping

log = logging.getLogger(__name__)


def load_id_hash_key(data_dir: str, env: Mapping[str, str] = os.environ) -> bytes:
    if env.get("HALL_ID_HASH_KEY"):
        return env["HALL_ID_HASH_KEY"].encode()
    return _hash_key(data_dir, env, "HALL_ID_HASH_KEY_FILE", "id-hash.key", "ID hash key")


def load_selfservice_hash_key(data_dir: str, env: Mapping[str, str] = os.environ) -> bytes:
    """The kiosks' key that hashes a self-service citizen's ID number for the audit record (issue 24): the
    number itself never leaves the kiosk but on cmd/ticket/issue (docs/protocol.md). One per hall, given to
    every kiosk by provisioning (HALL_SELFSERVICE_KEY_FILE); without one, made once in the data folder."""
    return _hash_key(data_dir, env, "HALL_SELFSERVICE_KEY_FILE", "selfservice-hash.key", "self-service hash key")


def _hash_key(data_dir: str, env: Mapping[str, str], file_var: str, name: str, what: str) -> bytes:
    path = env.get(file_var) or os.path.join(data_dir, name)
    if os.path.exists(path):
        with open(path, "rb") as f:
            key = f.read().strip()
        if len(key) < 16:
            raise ValueError(f"the {what} in {path} is too short (at least 16 bytes)")
        return key
    if env.get(file_var):
        raise ValueError(f"{file_var} names {path}, which does not exist")
    os.makedirs(data_dir, exist_ok=True)
    key = secrets.token_hex(32).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    log.warning("no %s was configured: created %s (mode 0600); back it up with the database", what, path)
    return key


def load_materials_key(data_dir: str, env: Mapping[str, str] = os.environ) -> bytes:
    """The 256-bit key that encrypts materials on file (issue 23): from HALL_MATERIALS_KEY_FILE, or
    `materials.key` in the data folder, made once (0600, written whole before it is visible). Losing it
    loses every material on file: back it up with the database; it never leaves the hall server."""
    path = env.get("HALL_MATERIALS_KEY_FILE") or os.path.join(data_dir, "materials.key")
    if os.path.exists(path):
        with open(path, "rb") as f:
            key = f.read()
        if len(key) != 32:
            raise ValueError(f"the materials key in {path} must be 32 bytes, not {len(key)}")
        return key
    if env.get("HALL_MATERIALS_KEY_FILE"):
        raise ValueError(f"HALL_MATERIALS_KEY_FILE names {path}, which does not exist")
    os.makedirs(data_dir, exist_ok=True)
    key = secrets.token_bytes(32)
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    log.warning("no materials key was configured: created %s (mode 0600); back it up with the database", path)
    return key
