"""A department's records service for the tests: real HTTP on a free loopback port, answering the
contract of docs/selfservice.md with records from the simulator's makers, or, on demand, slowly,
wrongly or not at all.

    with FakeDepartment() as dept:
        dept.behave("slow", "ok")        # the next two requests; then `dept.default`
        adapter = HttpDepartmentAdapter("sw", "税务局", HttpDepartment(url=dept.url, ...))
"""

from __future__ import annotations

import json
import threading
from collections import deque
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from queue_broker.protocol import Holder
from selfservice.adapter import QueryParams
from selfservice.errors import AdapterError
from selfservice.sample_records import MAKERS, citizen

BEHAVIOURS = (
    "ok",  # the record (or 404/403 as the simulator's rules say)
    "slow",  # the record after `slow_s`
    "drip",  # headers at once, then the body a few bytes every 0.2 s
    "hang",  # never answers (until the server stops)
    "drop",  # closes the connection without a word
    "garbage",  # 200 with bytes that are not JSON
    "bad_record",  # 200 with JSON that is not a valid record
    "wrong_citizen",  # 200 with another citizen's record
    "not_found",  # 404
    "not_allowed",  # 403
    "error500",  # 500
    "unavailable",  # 503
    "unauthorised",  # 401
)


class FakeDepartment:
    def __init__(self, issuer: str = "国家税务总局内乡县税务局", token: str | None = None, slow_s: float = 2.0):
        self.issuer = issuer
        self.token = token
        self.slow_s = slow_s
        self.default = "ok"
        self.requests: list[dict[str, Any]] = []  # bodies and headers received, in order
        self._next: deque[str] = deque()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep the test output clean
                pass

            def do_POST(self) -> None:
                fake._serve(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/records"
        self._thread = threading.Thread(target=self.server.serve_forever, name="fake-department", daemon=True)

    def __enter__(self) -> FakeDepartment:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()

    def behave(self, *behaviours: str) -> None:
        for b in behaviours:
            if b not in BEHAVIOURS:
                raise ValueError(f"unknown behaviour {b!r}")
        with self._lock:
            self._next.extend(behaviours)

    # --- the service --------------------------------------------------------------------------
    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length", "0"))
        raw = h.rfile.read(length)
        with self._lock:
            behaviour = self._next.popleft() if self._next else self.default
            self.requests.append({"body": json.loads(raw), "headers": dict(h.headers), "behaviour": behaviour})
        if self.token is not None and h.headers.get("Authorization") != f"Bearer {self.token}":
            behaviour = "unauthorised"
        if behaviour == "hang":
            self._stop.wait()
            return
        if behaviour == "drop":
            h.close_connection = True
            h.connection.close()
            return
        if behaviour == "slow":
            if self._stop.wait(self.slow_s):
                return
        if behaviour == "garbage":
            return self._send(h, 200, b"<html>502 Bad Gateway from the provincial exchange</html>")
        if behaviour == "bad_record":
            return self._json(h, 200, {"document": {"kind": "social_insurance_record", "title": "x"}})
        if behaviour in ("not_found", "not_allowed", "error500", "unavailable", "unauthorised"):
            status = {"not_found": 404, "not_allowed": 403, "error500": 500, "unavailable": 503, "unauthorised": 401}
            return self._json(h, status[behaviour], {"error": {"code": behaviour, "message": "测试"}})
        body = json.loads(raw)
        holder = Holder(**body["holder"])
        params = QueryParams(document=body["document"], months=body["params"]["months"], year=body["params"]["year"])
        try:
            doc = MAKERS[body["document"]](citizen("fake-department", holder), params, datetime.now(UTC), self.issuer)
        except AdapterError as exc:
            code = {"not_found": 404, "not_allowed": 403}[exc.code]
            return self._json(h, code, {"error": {"code": exc.code, "message": exc.reason}})
        if behaviour == "wrong_citizen":  # a mix-up on the department's side: another citizen's record
            doc = doc.model_copy(update={"holder_name_masked": "另**", "holder_id_masked": "1101**********002X"})
        payload = {"document": json.loads(doc.model_dump_json())}
        if behaviour == "drip":
            data = json.dumps(payload, ensure_ascii=False).encode()
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            for i in range(0, len(data), 64):
                if self._stop.wait(0.2):
                    return
                try:
                    h.wfile.write(data[i : i + 64])
                    h.wfile.flush()
                except OSError:
                    return
            return
        self._json(h, 200, payload)

    def _json(self, h: BaseHTTPRequestHandler, status: int, obj: Any) -> None:
        self._send(h, status, json.dumps(obj, ensure_ascii=False).encode(), "application/json")

    def _send(self, h: BaseHTTPRequestHandler, status: int, data: bytes, ctype: str = "text/html") -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        except OSError:
            pass
