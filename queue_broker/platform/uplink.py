"""The broker's uplink to the provincial platforms (docs/platform.md, "Ratings up"):

- on the engine thread, after each commit: every rating, every step of a 差评 rectification and every
  "result ready" notice becomes a record in the outbox (`outbox.py`, on disk) — so nothing waits in memory;
- on a thread of its own: due records go to the endpoint in batches (HTTP POST, JSON, the province's keys
  from the mapping file), and only what the answer acknowledges is marked sent; a refused connection, a
  timeout, an HTTP error or an answer that is not the acknowledgement the mapping describes is a failure,
  retried with exponential back-off (`platform.retry_base_s` doubling up to `retry_max_s`);
- at start, the ratings the engine holds are put again (the same content changes nothing), which covers
  a crash between a commit and its outbox write.

`status()` is what `state/platform` and `cmd/supervisor/uplink` show: pending, oldest, last
acknowledgement, last error. Without `platform.ratings_endpoint` records wait (and say so).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config.loader import load_yaml_model
from ..config.models import SiteConfig
from ..engine import events as ev
from .outbox import Pending, PlatformOutbox
from .ratings import ProvinceMapping, dig, map_record, rating_record

log = logging.getLogger("queue_broker.platform")

RATING, NOTICE = "rating", "notice"
RATING_EVENTS = (ev.RATING_SUBMITTED, ev.RATING_DEFAULTED)
NOTICE_TEMPLATE = (
    "【{site}】您申请的“{task}”（办件编号 {case_no}）已办结，请携带本人身份证件到综合出件窗口取号领取，取件码 {code}。"
)
POST_TEMPLATE = "【{site}】您申请的“{task}”（办件编号 {case_no}）已办结，结果将通过{carrier}寄递，请注意查收。"


def load_mapping(config: SiteConfig) -> ProvinceMapping:
    name = config.platform.ratings_mapping
    if not name:
        return ProvinceMapping()
    path = Path(name)
    if not path.is_absolute() and config.source_path:
        path = Path(config.source_path).parent / path
    return load_yaml_model(path, ProvinceMapping)


def platform_token(env: Mapping[str, str]) -> str | None:
    if env.get("HALL_PLATFORM_TOKEN"):
        return env["HALL_PLATFORM_TOKEN"]
    if env.get("HALL_PLATFORM_TOKEN_FILE"):
        return Path(env["HALL_PLATFORM_TOKEN_FILE"]).read_text(encoding="utf-8").strip()
    return None


class SendFailed(RuntimeError):
    pass


class PlatformUplink:
    def __init__(
        self,
        config: SiteConfig,
        env: Mapping[str, str] = os.environ,
        path: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.config = config
        # the wall clock, not the hall's: back-off and "pending since" are about the platform's real time
        # (a test's injected hall clock stands still)
        self.clock = clock
        self.outbox = PlatformOutbox(path or os.path.join(config.data_dir, "platform-outbox.db"))
        self.mapping = load_mapping(config)
        self.token = platform_token(env)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_result: dict[str, str | None] = {RATING: None, NOTICE: None}
        self.on_change: Callable[[], None] = lambda: None  # called from the uplink thread after a try

    # ------------------------------------------------------------ life
    def start(self) -> PlatformUplink:
        self._thread = threading.Thread(target=self._run, name="hall-uplink", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(15)
        self.outbox.close()

    def wake(self) -> None:
        self._wake.set()

    # ------------------------------------------------------------ the engine thread
    def reconcile(self, engine: Any) -> int:
        """Put every rating the engine holds (unchanged content is not sent again)."""
        index = {tid: no for (tid, _sid), no in engine.application_by_ticket.items()}
        now, n = self.clock(), 0
        for ticket_id in list(engine.ratings):
            record = rating_record(engine, ticket_id, index)
            if record is not None and self.outbox.put(RATING, record["eval_id"], record, now):
                n += 1
        if n:
            log.info("%d rating records put in the platform outbox at start", n)
            self.wake()
        return n

    def after_commit(self, engine: Any, events: Iterable[Any]) -> None:
        now, changed = self.clock(), False
        for e in events:
            for kind, key, payload in self._records(engine, e):
                changed |= self.outbox.put(kind, key, payload, now)
        if changed:
            self.wake()

    def _records(self, engine: Any, e: Any) -> list[tuple[str, str, dict[str, Any]]]:
        d = e.data
        if e.type in RATING_EVENTS:
            record = rating_record(engine, d["ticket_id"])
            return [(RATING, record["eval_id"], record)] if record else []
        if e.type in (ev.CASE_OPENED, ev.CASE_STEP):
            case = engine.cases.get(d["id"] if e.type == ev.CASE_OPENED else d["case_id"])
            if case is None or case.kind != "bad_rating" or not case.ticket_id:
                return []
            record = rating_record(engine, case.ticket_id)
            if record is None:  # the ticket left memory (weeks later): its last record, rectification updated
                from .ratings import with_rectification

                stored = self.outbox.payload(RATING, f"{engine.config.site.id}-{case.ticket_id}")
                if stored is None:
                    log.warning("rectification of %s: no rating record to update", case.ticket_id)
                    return []
                record = with_rectification(stored, engine, case.ticket_id)
            return [(RATING, record["eval_id"], record)]
        if e.type == ev.APPLICATION_STEP and d.get("action") == "result-ready":
            app = engine.applications[d["case_no"]]
            if app.delivery == "post":
                text = POST_TEMPLATE.format(
                    site=engine.config.site.short_name or engine.config.site.name,
                    task=app.task_name,
                    case_no=app.case_no,
                    carrier=app.carrier or "邮政",
                )
            else:
                text = NOTICE_TEMPLATE.format(
                    site=engine.config.site.short_name or engine.config.site.name,
                    task=app.task_name,
                    case_no=app.case_no,
                    code=app.pickup_code,
                )
            notice = {
                "case_no": app.case_no,
                "task_code": app.codes.get("task_code"),
                "dept_code": app.codes.get("dept_code"),
                "delivery": app.delivery,
                "pickup_code": app.pickup_code,
                "text": text,
                "at": e.at.isoformat(),
            }
            return [(NOTICE, app.case_no, notice)]
        return []

    # ------------------------------------------------------------ the uplink thread
    def endpoint(self, kind: str) -> str | None:
        return self.config.platform.ratings_endpoint if kind == RATING else self.config.platform.notice_endpoint

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(timeout=1.0)
            self._wake.clear()
            tried = False
            for kind in (RATING, NOTICE):
                try:
                    tried |= self.send_due(kind) is not None
                except Exception:  # never let the uplink thread die
                    log.exception("platform uplink (%s) failed", kind)
            if tried:
                self.on_change()

    def send_due(self, kind: str) -> int | None:
        """Send what is due of `kind`, batch after batch; how many were acknowledged, None when nothing
        was due (or there is no endpoint)."""
        url = self.endpoint(kind)
        if not url:
            return None
        pf, acked, tried = self.config.platform, 0, False
        while not self._stopping.is_set():
            batch = self.outbox.due(kind, self.clock(), pf.batch_size)
            if not batch:
                return acked if tried else None
            tried = True
            try:
                ids = self._post(url, kind, batch)
            except SendFailed as exc:
                self.outbox.failed(batch, str(exc), self.clock(), pf.retry_base_s, pf.retry_max_s)
                self.last_result[kind] = str(exc)
                log.warning("platform %s: %d records not sent (%s); retried with back-off", kind, len(batch), exc)
                return acked
            now = self.clock()
            by_key = {p.key: p for p in batch}
            for key in ids:
                p = by_key.get(key)
                if p is not None and self.outbox.acked(kind, key, p.revision, now):
                    acked += 1
            missing = [p for p in batch if p.key not in ids]
            if missing:  # the answer acknowledged only some: the rest are tried again later
                self.outbox.failed(
                    missing, "not in the platform's acknowledgement", now, pf.retry_base_s, pf.retry_max_s
                )
                return acked
            self.last_result[kind] = None
        return acked

    def _post(self, url: str, kind: str, batch: list[Pending]) -> set[str]:
        """POST the batch; the keys the answer acknowledges. SendFailed for anything else."""
        m = self.mapping if kind == RATING else ProvinceMapping()
        # the revision rides along (a platform may drop an older copy that arrives late); `revision: null`
        # in the mapping's fields leaves it out
        records = [map_record({**p.payload, "revision": p.revision}, m) for p in batch]
        body: Any = {m.wrap: records, **m.extra} if m.wrap else records
        data = json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")
        req = urllib.request.Request(url, data=data, method="POST")
        req.add_header("Content-Type", "application/json; charset=utf-8")
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=self.config.platform.timeout_s) as resp:
                raw = resp.read(1_000_000)
        except urllib.error.HTTPError as exc:
            raise SendFailed(f"HTTP {exc.code} from the platform") from None
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SendFailed(f"cannot reach the platform: {reason}") from None
        try:
            answer = json.loads(raw)
        except ValueError:
            raise SendFailed(f"the platform's answer is not JSON: {raw[:80]!r}") from None
        rule = m.response
        if dig(answer, rule.ok_path) not in rule.ok_values:
            raise SendFailed(f"the platform did not acknowledge ({rule.ok_path}={dig(answer, rule.ok_path)!r})")
        if rule.acked_path is None:
            return {p.key for p in batch}
        listed = dig(answer, rule.acked_path)
        if not isinstance(listed, list):
            raise SendFailed(f"the platform's answer has no list at {rule.acked_path}")
        id_key = (m.fields.get("eval_id") or "eval_id") if kind == RATING else "case_no"
        ids = {str(rec.get(id_key)): p.key for rec, p in zip(records, batch, strict=True)}
        return {ids[str(x)] for x in listed if str(x) in ids}

    # ------------------------------------------------------------ what the supervisor sees
    def status(self, kind: str = RATING) -> dict[str, Any]:
        s = self.outbox.summary(kind)
        return {
            "configured": bool(self.endpoint(kind)),
            "pending": s["pending"],
            "oldest_pending_at": s["oldest_pending_at"],
            "last_ack_at": s["last_ack_at"],
            "last_error": s["last_error"] if self.endpoint(kind) else f"no {kind} endpoint configured",
            "next_try_at": s["next_try_at"] if s["pending"] else None,
        }

    def pending_list(self, limit: int = 50) -> list[dict[str, Any]]:
        return [
            {
                "kind": p.kind,
                "key": p.key,
                "attempts": p.attempts,
                "next_try_at": p.next_try_at,
                "last_error": p.last_error,
                "since": p.created_at,
            }
            for p in self.outbox.pending(limit=limit)
        ]
