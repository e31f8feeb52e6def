"""A department's records service over HTTP(S): bounded tries, retries, a circuit breaker.

One POST per query to the configured `url` (the contract is in docs/selfservice.md):

    {"request_id", "document", "holder": {"id_number", "name"}, "params": {"months", "year"}}
    200 {"document": {...}}                                   the record (selfservice.document.Document)
    404 {"error": {"code": "not_found", "message"}}           the department does not know the citizen
    403 {"error": {"code": "not_allowed", "message"}}         known, but not to be printed at a kiosk

Each try is bounded from connection to last byte (`timeout_s`; a service that drips its answer is cut
off too) and all tries together by `deadline_s`. A timeout, a refused or dropped connection, 429 and
5xx are retried (`retries`, with `retry_backoff_s` doubling); anything else that is not a valid record
for the citizen asked about is `BadAnswer`. Consecutive failures open the breaker (`CircuitBreaker`).
The holder travels only in the request body; the errors and the log name the department and the
status, never the citizen.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from queue_broker.config.selfservice import HttpDepartment
from queue_broker.protocol import Holder
from queue_broker.protocol.messages import describe_validation_error

from .adapter import QueryParams, check_answer
from .breaker import CircuitBreaker
from .document import Document
from .errors import AdapterError, AdapterTimeout, BadAnswer, NotAllowed, NotFound, ServiceDown

log = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 2 * 1024 * 1024
RETRY_STATUS = {429, 500, 502, 503, 504}


class _ErrorBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    code: str
    message: str = ""


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    document: Document | None = None
    error: _ErrorBody | None = None


class HttpDepartmentAdapter:
    def __init__(
        self,
        id: str,
        name: str,
        cfg: HttpDepartment,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.id = id
        self.name = name
        self.cfg = cfg
        self.monotonic = monotonic
        self.sleep = sleep
        self.breaker = CircuitBreaker(cfg.breaker_failures, cfg.breaker_reset_s, monotonic)
        self.tries = 0  # requests sent (tests and the benchmark count them)
        # trust_env=False: no proxy from the environment carries citizens' numbers somewhere unplanned
        self.client = httpx.Client(verify=cfg.ca_file or True, follow_redirects=False, trust_env=False)

    def query(self, holder: Holder, params: QueryParams) -> Document:
        if not self.breaker.allow():
            raise ServiceDown(f"department {self.id}: not asked, breaker open for {self.breaker.retry_in():.0f} s more")
        try:
            document = self._with_retries(holder, params)
        except (NotFound, NotAllowed):
            self.breaker.succeeded()  # the service works; the citizen has no record here
            raise
        except AdapterError as exc:
            self.breaker.failed()
            log.warning("%s (breaker %s)", exc.reason, self.breaker.state)
            raise
        self.breaker.succeeded()
        return document

    def close(self) -> None:
        self.client.close()

    # --- tries -------------------------------------------------------------------------------------
    def _with_retries(self, holder: Holder, params: QueryParams) -> Document:
        deadline = self.monotonic() + self.cfg.deadline_s
        delay = self.cfg.retry_backoff_s
        attempt = 0
        while True:
            budget = min(self.cfg.timeout_s, deadline - self.monotonic())
            try:
                return self._once(holder, params, budget)
            except AdapterError as exc:
                attempt += 1
                if not getattr(exc, "retryable", False) or attempt > self.cfg.retries:
                    raise
                if self.monotonic() + delay + 0.05 >= deadline:
                    raise type(exc)(f"{exc.reason}; no time left for another try") from None
                log.info(
                    "department %s: %s; try %d of %d in %.1f s",
                    self.id,
                    exc.reason,
                    attempt + 1,
                    self.cfg.retries + 1,
                    delay,
                )
                self.sleep(delay)
                delay *= 2

    def _once(self, holder: Holder, params: QueryParams, budget: float) -> Document:
        self.tries += 1
        body = {
            "request_id": params.request_id,
            "document": params.document,
            "holder": {"id_number": holder.id_number, "name": holder.name},
            "params": {"months": params.months, "year": params.year},
        }
        headers = {"Accept": "application/json"}
        if params.request_id:
            headers["X-Request-Id"] = params.request_id
        token = self._token()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        ends = self.monotonic() + budget
        timeout = httpx.Timeout(budget, connect=min(self.cfg.connect_timeout_s, budget))
        try:
            with self.client.stream("POST", self.cfg.url, json=body, headers=headers, timeout=timeout) as response:
                data = bytearray()
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > MAX_ANSWER_BYTES:
                        raise BadAnswer(f"department {self.id}: answer larger than {MAX_ANSWER_BYTES} bytes")
                    if self.monotonic() > ends:
                        raise _retryable(AdapterTimeout(f"department {self.id}: answer not complete in {budget:.1f} s"))
                status = response.status_code
        except httpx.TimeoutException:
            raise _retryable(AdapterTimeout(f"department {self.id}: no answer in {budget:.1f} s")) from None
        except httpx.TransportError as exc:
            raise _retryable(ServiceDown(f"department {self.id}: {type(exc).__name__}")) from None
        return self._read(status, bytes(data), holder, params)

    def _read(self, status: int, data: bytes, holder: Holder, params: QueryParams) -> Document:
        if status in RETRY_STATUS:
            raise _retryable(ServiceDown(f"department {self.id}: HTTP {status}"))
        try:
            answer = _Answer.model_validate_json(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            what = "not JSON" if first["type"] == "json_invalid" else describe_validation_error(exc)
            raise BadAnswer(f"department {self.id}: HTTP {status}, {what}") from None
        if status == 200 and answer.document is not None:
            return check_answer(answer.document, holder, params)
        code = answer.error.code if answer.error else ""
        if status == 404 and code in ("not_found", ""):
            raise NotFound(f"department {self.id}: not found")
        if status == 403 and code in ("not_allowed", ""):
            raise NotAllowed(f"department {self.id}: not allowed")  # its message may name the citizen: not kept
        if status in (401, 407):
            raise ServiceDown(f"department {self.id}: HTTP {status}, the hall's credentials were refused")
        raise BadAnswer(f"department {self.id}: HTTP {status} with error code {_clip(code)!r}")

    def _token(self) -> str:
        if self.cfg.token_env:
            return os.environ.get(self.cfg.token_env, "").strip()
        if self.cfg.token_file:
            try:
                return Path(self.cfg.token_file).read_text().strip()
            except OSError as exc:
                raise ServiceDown(f"department {self.id}: token file unreadable ({exc.strerror})") from None
        return ""


def _retryable(exc: AdapterError) -> AdapterError:
    exc.retryable = True  # type: ignore[attr-defined]
    return exc


def _clip(text: Any, n: int = 60) -> str:
    return json.dumps(str(text), ensure_ascii=False)[1:-1][:n]
