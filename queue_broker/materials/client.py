"""A board's side of materials on file: put one page on a ticket's (or case's) file, and fetch a page for
the counter's screen. The counter terminal and the kiosk call these (phase 2 screens); tests call them.

    reply = attach_page(link.request, topics.counter_cmd("W1", "materials"), {"ticket_id": tid},
                        png_bytes, title="户口簿 第1页", source="camera", ca_file=cfg.mqtt.ca_file)

Three steps: `upload` over MQTT (a one-time address, on this node's own reply topic), the page over
HTTP(S) to that address, `attach` over MQTT (committed: the ok means it is on file). Each refusal comes
back as `{"ok": false, "error": {"code", "message"}}` with the plain sentence to show and read out. A
page larger than the hall takes is refused here, before a byte is sent.

A page captured by the kiosk's camera should be captured to memory-backed storage (`/dev/shm`) and its
file deleted once read: `capture_page` does that, so no clear copy stays on the board's disk.
"""

from __future__ import annotations

import json
import os
import ssl
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

Request = Callable[[str, dict[str, Any], float], dict[str, Any]]  # HallLink.request(topic, payload, timeout)


def _context(url: str, ca_file: str | None) -> ssl.SSLContext | None:
    if not url.startswith("https:"):
        return None
    return ssl.create_default_context(cafile=ca_file)


def _refused(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message}}


def _new_id() -> str:
    return os.urandom(9).hex()


def _call(req: urllib.request.Request, ca_file: str | None, timeout: float) -> bytes | dict[str, Any]:
    """The door's answer: the body of a success, or its refusal (or ours, when it cannot be reached)."""
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=_context(req.full_url, ca_file)) as resp:
            return bytes(resp.read())
    except urllib.error.HTTPError as exc:
        try:
            refusal: dict[str, Any] = json.loads(exc.read())
            return refusal
        except ValueError:
            return _refused("unavailable", f"大厅服务器返回错误（HTTP {exc.code}）")
    except (urllib.error.URLError, OSError) as exc:
        return _refused("unavailable", f"无法连接大厅服务器的材料服务（{exc}）")


def put_page(url: str, data: bytes, ca_file: str | None = None, timeout: float = 30.0) -> dict[str, Any]:
    content_type = "image/png" if data[:4] == b"\x89PNG" else "image/jpeg"
    req = urllib.request.Request(url, data=data, method="PUT", headers={"Content-Type": content_type})
    answer = _call(req, ca_file, timeout)
    return json.loads(answer) if isinstance(answer, bytes) else answer


def attach_page(
    request: Request,
    topic: str,
    owner: dict[str, Any],
    data: bytes,
    *,
    title: str = "",
    source: str = "camera",
    ca_file: str | None = None,
    timeout: float = 30.0,
    request_id: str | None = None,
) -> dict[str, Any]:
    """Upload one page and attach it; the broker's reply to `attach`, or a refusal (never raises for a
    refusal of the hall's)."""
    rid = request_id or _new_id()
    first = request(topic, {"request_id": f"{rid}-u", "action": "upload", "source": source, **owner}, timeout)
    if not first.get("ok"):
        return first
    upload = first["upload"]
    if len(data) > upload["max_bytes"]:
        limit = upload["max_bytes"] / 1e6
        return _refused(
            "too_large", f"文件过大（{len(data) / 1e6:.1f} MB），上限 {limit:.0f} MB：请降低分辨率或改用扫描后重新上传"
        )
    put = put_page(upload["url"], data, ca_file, timeout)
    if not put.get("ok"):
        return put
    material_id = put["material"]["id"]
    payload = {"request_id": f"{rid}-a", "action": "attach", "material_id": material_id, "title": title, **owner}
    return request(topic, payload, timeout)


def fetch_page(
    request: Request, topic: str, material_id: str, *, ca_file: str | None = None, timeout: float = 30.0
) -> tuple[bytes, dict[str, Any]] | dict[str, Any]:
    """(the page's bytes, its listing) for the counter's screen; or a refusal. Keep it in memory only."""
    reply = request(topic, {"request_id": _new_id(), "action": "open", "material_id": material_id}, timeout)
    if not reply.get("ok"):
        return reply
    answer = _call(urllib.request.Request(reply["download"]["url"]), ca_file, timeout)
    return (answer, reply["download"]["material"]) if isinstance(answer, bytes) else answer


def capture_page(camera: Any, timeout: float | None = None) -> bytes:
    """Photograph the page under the kiosk's camera (devices.camera: found, straightened) into memory:
    the capture's files go to /dev/shm (RAM) when there is one, and are deleted as soon as they are read."""
    shm = Path("/dev/shm")
    folder = tempfile.mkdtemp(prefix="hall-page-", dir=shm if shm.is_dir() else None)
    path = Path(folder) / "page.png"
    try:
        result = camera.capture_document(path, timeout)
        return Path(result.path).read_bytes()
    finally:
        for p in (path, path.with_name(path.name + ".json")):
            p.unlink(missing_ok=True)
        os.rmdir(folder)
