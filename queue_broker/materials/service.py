"""Materials on file in the running broker (issue 23 item 5): the MQTT actions, the door, the sweep.

    materials = MaterialsService(hall_service).start()   # after HallService(...); before or after start()

It hooks the broker's requests (`cmd/counter/{c}/materials`, `cmd/ticket/materials`) and ticks:
- `upload` / `open` answer with a one-time address on the door (a DirectReply: nothing to commit);
- `attach` becomes the engine's AttachMaterial (committed before the ok), `list` ListMaterials,
  `remove` RemoveMaterial (erased: its file goes at the next sweep);
- every tick: materials past `retention_days` are erased (EraseMaterials), and files are deleted once
  the erasure is committed (a file with no material on file and no fresh upload is deleted: the sweep
  runs before the erasing task in a tick, so a file goes only after the tick that erased it committed).
Where the files are: `DATA_DIR/materials/` on the hall server, encrypted (vault.py), key in
`DATA_DIR/materials.key` or HALL_MATERIALS_KEY_FILE (service/keys.py).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from ..engine import commands as cmd
from ..engine.rejected import Rejected
from ..protocol import access as a
from ..service.keys import load_materials_key
from ..service.runner import DirectReply, HallService
from .door import Door
from .vault import Vault, VaultError

log = logging.getLogger("queue_broker.materials")


@dataclass
class Token:
    kind: str  # upload | download
    node: str
    owner: tuple[str, str]
    expires: float  # time.monotonic()
    source: str = "camera"
    material_id: str | None = None
    counter_id: str | None = None
    kiosk_id: str | None = None


@dataclass
class Staged:
    """An uploaded page, checked and encrypted, waiting for its `attach`."""

    owner: tuple[str, str]
    node: str
    meta: dict[str, Any]
    source: str
    at: float = field(default_factory=time.monotonic)


class MaterialsService:
    def __init__(self, service: HallService, env: dict[str, str] | None = None):
        import os

        self.service = service
        self.rules = service.config.materials
        environ = dict(os.environ if env is None else env)
        self.vault = Vault(
            Path(service.config.data_dir) / "materials",
            load_materials_key(service.config.data_dir, environ),
            service.config.site.id,
        )
        self.vault.clear_temporaries()
        self._lock = threading.Lock()
        self.tokens: dict[str, Token] = {}
        self.staged: dict[str, Staged] = {}
        self.door: Door | None = None
        self.refusals = 0  # pages refused by the checks (no content kept)

    # ------------------------------------------------------------ life
    def start(self) -> MaterialsService:
        self.door = Door(self, self.rules.listen, self.rules.tls_cert, self.rules.tls_key).start()
        self.service.request_hooks.append(self.on_request)
        # the sweep first: a file is deleted only in a tick after the one whose erasure was committed
        self.service.tick_tasks.extend([self.sweep, self.expire])
        log.info("materials door listening on %s (%s)", self.rules.listen, "TLS" if self.door.tls else "loopback only")
        return self

    def stop(self) -> None:
        if self.door is not None:
            self.door.stop()

    @property
    def base_url(self) -> str:
        if self.rules.public_url:
            return self.rules.public_url.rstrip("/")
        host = self.rules.listen.rsplit(":", 1)[0]
        port = self.door.port if self.door else int(self.rules.listen.rsplit(":", 1)[1])
        return f"{'https' if self.rules.tls_cert else 'http'}://{host}:{port}"

    # ------------------------------------------------------------ MQTT actions (engine thread)
    def on_request(self, match: Any, req: Any, sender: str | None, now: datetime) -> Any:
        if not isinstance(req, a.CounterMaterials):
            return None
        counter_id = match.params.get("counter") if match.kind == "counter" else None
        kiosk_id = req.kiosk_id if isinstance(req, a.TicketMaterials) else None
        if kiosk_id is not None and sender is not None and sender != kiosk_id:
            raise Rejected("forbidden", "自助机只能以本机编号（kiosk_id）添加材料")
        if kiosk_id is not None and req.action in ("open", "remove"):
            raise Rejected("forbidden", "自助机只能上传、添加和查看材料，不能打开或删除")
        engine = self.service.engine
        node = sender or kiosk_id or counter_id or "?"
        if req.action == "upload":
            owner = engine.material_owner(req.ticket_id, req.case_id, counter_id, kiosk_id, now)
            token = self._mint(
                Token("upload", node, owner, self._until(), req.source or "camera", None, counter_id, kiosk_id)
            )
            return DirectReply(
                upload={
                    "url": f"{self.base_url}/materials/upload/{token}",
                    "expires_at": (now + timedelta(minutes=self.rules.token_minutes)).isoformat(),
                    "max_bytes": self.rules.max_bytes,
                    "formats": ["png", "jpeg"],
                }
            )
        if req.action == "attach":
            if not req.material_id:
                raise Rejected("invalid_request", "缺少材料编号（material_id）")
            if req.material_id in engine.materials:  # a retry after the reply was lost
                return cmd.AttachMaterial(req.material_id, "", "", {}, req.ticket_id, req.case_id, counter_id, kiosk_id)
            with self._lock:
                staged = self.staged.get(req.material_id)
            owner = engine.material_owner(req.ticket_id, req.case_id, counter_id, kiosk_id, now)
            if staged is None or staged.owner != owner or staged.node != node:
                raise Rejected("not_found", "本处没有为这个号上传过这页材料，请重新上传")
            return cmd.AttachMaterial(
                req.material_id,
                req.title or "",
                staged.source,
                staged.meta,
                req.ticket_id,
                req.case_id,
                counter_id,
                kiosk_id,
                by=node,
            )
        if req.action == "list":
            return cmd.ListMaterials(req.ticket_id, req.case_id, counter_id, kiosk_id)
        if req.action == "open":
            rec = engine.materials.get(req.material_id or "")
            if rec is None:
                raise Rejected("not_found", "没有这份材料（已删除或从未添加）")
            kind, owner_id = rec.owner
            engine.material_owner(
                owner_id if kind == "ticket" else None, owner_id if kind == "case" else None, counter_id, None, now
            )
            token = self._mint(Token("download", node, rec.owner, time.monotonic() + 60, material_id=rec.id))
            return DirectReply(
                download={
                    "url": f"{self.base_url}/materials/download/{token}",
                    "expires_at": (now + timedelta(seconds=60)).isoformat(),
                    "material": engine.material_view(rec),
                }
            )
        # remove
        if not req.material_id:
            raise Rejected("invalid_request", "缺少材料编号（material_id）")
        with self._lock:  # attached and removed between two sweeps: no upload grace for its file
            self.staged.pop(req.material_id, None)
        return cmd.RemoveMaterial(req.material_id, counter_id, req.reason or "", by=node)

    def _until(self) -> float:
        return time.monotonic() + 60 * self.rules.token_minutes

    def _mint(self, token: Token) -> str:
        value = secrets.token_urlsafe(16)
        with self._lock:
            self.tokens[value] = token
        return value

    def _take(self, value: str, kind: str) -> Token | None:
        with self._lock:
            token = self.tokens.pop(value, None)
        if token is None or token.kind != kind or token.expires < time.monotonic():
            return None
        return token

    # ------------------------------------------------------------ the door (its own threads)
    def upload(self, value: str, length: int, body: BinaryIO) -> tuple[int, dict[str, Any]]:
        import cv2  # OpenCV only once a page arrives: a broker that never sees one never loads it

        from .checks import MaterialRefused, check_upload, image_size

        if length > self.rules.max_bytes:
            # refused unread; the token stays good for a smaller page
            return 413, _error(
                "too_large",
                f"文件过大（{length / 1e6:.1f} MB），上限 {self.rules.max_bytes / 1e6:.0f} MB：请降低分辨率或改用扫描后重新上传",
            )
        token = self._take(value, "upload")
        if token is None:
            return 404, _error("not_found", "这个上传地址无效或已过期：请在窗口或自助机上重新开始")
        data = body.read(length)
        if len(data) != length:
            return 400, _error("invalid_request", "这页材料没有传完整，请重新发送")
        try:
            image, check = check_upload(data, self.rules, token.source)
            fmt = image_size(data)[0]
            if token.source == "photo":  # the straightened page is kept, not the whole photo
                ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
                data, fmt = encoded.tobytes(), "jpeg"
        except MaterialRefused as exc:
            self.refusals += 1
            log.info("materials door: a page was refused (%s)", exc.code)
            return 422, _error(exc.code, exc.message)
        material_id = secrets.token_urlsafe(12)
        self.vault.put(material_id, data)
        meta = {**check.as_dict(), "bytes": len(data), "format": fmt, "sha256": hashlib.sha256(data).hexdigest()}
        with self._lock:
            self.staged[material_id] = Staged(token.owner, token.node, meta, token.source)
        return 201, {"ok": True, "material": {"id": material_id, **meta}}

    def download(self, value: str) -> tuple[bytes, str] | tuple[int, dict[str, Any]]:
        token = self._take(value, "download")
        if token is None or token.material_id is None:
            return 404, _error("not_found", "这个查看地址无效或已过期：请在窗口终端上重新打开")
        rec = self.service.engine.materials.get(token.material_id)
        if rec is None:
            return 410, _error("gone", "这份材料已过保存期限或已删除")
        try:
            return self.vault.get(rec.id), str(rec.meta.get("format", "png"))
        except VaultError as exc:
            log.error("materials door: material %s: %s", rec.id, exc)
            return 500, _error("internal", "这份材料无法读取，请联系管理员")

    # ------------------------------------------------------------ ticks (engine thread)
    def expire(self, engine: Any, now: datetime) -> list[Any]:
        due = engine.materials_due(now)
        return [cmd.EraseMaterials(tuple(due))] if due else []

    def sweep(self, engine: Any, now: datetime) -> list[Any]:
        """Delete files of materials no longer on file, and uploads never attached in time. No commands."""
        mono = time.monotonic()
        stale_after = 60 * self.rules.staged_minutes
        with self._lock:
            for value in [v for v, t in self.tokens.items() if t.expires < mono]:
                del self.tokens[value]
            staged = dict(self.staged)
        for material_id in list(self.vault.ids()):
            if material_id in engine.materials:
                with self._lock:
                    self.staged.pop(material_id, None)
                continue
            fresh = staged.get(material_id)
            if fresh is not None and mono - fresh.at < stale_after:
                continue
            if self.vault.erase(material_id):
                log.info("materials: erased the file of %s", material_id)
            with self._lock:
                self.staged.pop(material_id, None)
        return []


def _error(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message}}
