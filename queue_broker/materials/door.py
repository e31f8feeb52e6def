"""The materials door: where boards put pages and counters fetch them, on the hall server (issue 23 item 5).

Pages never travel on MQTT. A board asks the broker over MQTT (`cmd/counter/{c}/materials` or
`cmd/ticket/materials`) for a one-time address; the reply comes on that board's own reply topic, which
only it may read. The address is a path with a 128-bit random token on this small HTTP server (HTTPS
with the hall's certificate on the LAN; plain HTTP only on the loopback):

- `PUT /materials/upload/{token}` with the page (PNG or JPEG; `Content-Length` required): refused
  before the body is read when it is larger than `materials.max_bytes` (413), then checked
  (`checks.check_upload`: format, pixels, page edges for a raw photo, size, ID card, blank, blurred:
  422 with the plain reason), encrypted and written (`vault`), and staged: 201 `{"ok": true,
  "material": {"id", ...figures}}`. The board then attaches it with an MQTT `attach` (committed there).
- `GET /materials/download/{token}`: the page, decrypted, for a counter's screen (`Cache-Control:
  no-store`).

A token is good once, for `materials.token_minutes`, for one owner (ticket or case) and one node. The
door logs method, status and size, never a token, a page or anything read from one.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger("queue_broker.materials")

CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg"}


class _Handler(BaseHTTPRequestHandler):
    server_version = "hall-materials"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 30  # a board that stops sending mid-page does not hold a thread for ever

    @property
    def store(self) -> Any:
        return self.server.materials  # type: ignore[attr-defined]

    def _send(self, status: int, body: dict[str, Any], close: bool = False) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)

    def _refuse(self, status: int, code: str, message: str, close: bool = False) -> None:
        self._send(status, {"ok": False, "error": {"code": code, "message": message}}, close)

    def _token(self, prefix: str) -> str | None:
        path = self.path.split("?", 1)[0]
        return path[len(prefix) :] if path.startswith(prefix) and "/" not in path[len(prefix) :] else None

    def do_PUT(self) -> None:  # noqa: N802 - http.server's naming
        token = self._token("/materials/upload/")
        if token is None:
            self._refuse(404, "not_found", "没有这个地址", close=True)
            return
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self._refuse(411, "invalid_request", "上传材料须带 Content-Length", close=True)
            return
        status, body = self.store.upload(token, int(length), self.rfile)
        self._send(status, body, close=status >= 400)

    def do_GET(self) -> None:  # noqa: N802
        token = self._token("/materials/download/")
        if token is None:
            self._refuse(404, "not_found", "没有这个地址", close=True)
            return
        found = self.store.download(token)
        if isinstance(found, tuple) and len(found) == 2 and isinstance(found[1], dict):
            self._send(*found, close=True)
            return
        data, fmt = found
        self.send_response(200)
        self.send_header("Content-Type", CONTENT_TYPES.get(fmt, "application/octet-stream"))
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802
        self._refuse(405, "invalid_request", "上传请用 PUT，查看请用 GET", close=True)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        pass  # the default line carries the path, and the path carries the token: log_request says less

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        kind = (
            "upload" if self.path.startswith("/materials/upload/") else "download" if "/download/" in self.path else "?"
        )
        log.info("materials door: %s %s -> %s", self.command, kind, code)


class Door:
    """The HTTP(S) server, on its own threads. `materials` is the MaterialsService it serves."""

    def __init__(self, materials: Any, listen: str, tls_cert: str | None = None, tls_key: str | None = None):
        host, port = listen.rsplit(":", 1)
        self.server = ThreadingHTTPServer((host.strip("[]"), int(port)), _Handler)
        self.server.daemon_threads = True
        self.server.materials = materials  # type: ignore[attr-defined]
        self.tls = tls_cert is not None
        if tls_cert is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.load_cert_chain(tls_cert, tls_key)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self._thread = threading.Thread(target=self.server.serve_forever, name="materials-door", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def start(self) -> Door:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
