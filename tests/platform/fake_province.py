"""A small fake of a provincial 好差评 interface: a real HTTP server (the standard library's) on a free
loopback port, speaking the keys of tests' mapping file. It records every arrival and can be told to be
down (the socket closed: connection refused), to fail (HTTP 503), to answer garbage (200 with an HTML
error page), to acknowledge twice (every id listed twice, and the previous batch's ids again), or to
acknowledge only part of a batch. Its answer when all is well:
`{"code": "0", "msg": "成功", "data": {"accepted": [evalId, ...]}}`."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from provisioning.mosquitto import free_port


class FakeProvince:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.mode = "ok"  # ok | fail | garbage | twice | partial
        self.arrivals: list[dict] = []  # every record that arrived, in order (also when not acknowledged)
        self.acknowledged: list[tuple[str, str]] = []  # (evalId, revision) acknowledged, in order
        self.resent_after_ack: list[tuple[str, str]] = []  # arrivals of a record already acknowledged
        self.requests = 0
        self.tokens: list[str | None] = []
        self._last_ids: list[str] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/evaluation/push"

    def start(self) -> FakeProvince:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the standard library's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = fake._answer(body, self.headers.get("Authorization"))
                data = answer.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _answer(self, body: bytes, auth: str | None) -> tuple[int, str]:
        with self._lock:
            self.requests += 1
            self.tokens.append(auth)
            records = json.loads(body)["evalList"]
            done = set(self.acknowledged)
            self.resent_after_ack += [
                (r["evalId"], r["version"]) for r in records if (r["evalId"], r["version"]) in done
            ]
            self.arrivals.extend(records)
            if self.mode == "fail":
                return 503, '{"code": "503", "msg": "服务维护中"}'
            if self.mode == "garbage":
                return 200, "<html><body>502 Bad Gateway</body></html>"
            take = records[: max(1, len(records) // 2)] if self.mode == "partial" else records
            ids = [r["evalId"] for r in take]
            self.acknowledged.extend((r["evalId"], r["version"]) for r in take)
            if self.mode == "twice":  # every id twice, and the previous batch's again
                ids = ids + ids + self._last_ids
            self._last_ids = [r["evalId"] for r in take]
            return 200, json.dumps({"code": "0", "msg": "成功", "data": {"accepted": ids}}, ensure_ascii=False)

    def acknowledged_records(self) -> list[dict]:
        """The arrivals the fake acknowledged (each (evalId, version) counted once per acknowledgement)."""
        with self._lock:
            keys = list(self.acknowledged)
            seen: dict[tuple[str, str], dict] = {}
            for r in self.arrivals:
                seen[(r["evalId"], r["version"])] = r
            return [seen[k] for k in keys]


# the province's keys this fake speaks: the sample hall's example mapping, so the example is what is tested
MAPPING = (
    Path(__file__).resolve().parents[2] / "examples" / "neixiang" / "platform" / "ratings-mapping-example.yaml"
).read_text(encoding="utf-8")
