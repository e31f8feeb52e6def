"""The one small interface every department adapter has, and the factory that picks a backend.

    department = open_department(site_cfg.site.self_service.departments[0])
    document = department.query(holder, QueryParams(document="social_insurance_record", months=12))

`query` returns a `Document` or raises one of `selfservice.errors` (NotFound, NotAllowed, AdapterTimeout,
ServiceDown, BadAnswer); nothing else escapes. Backends: `simulator` (selfservice/simulator.py) and
`http` (selfservice/http.py), chosen by the site file, as devices choose theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from queue_broker.config.selfservice import Department, DocumentKind
from queue_broker.protocol import Holder
from queue_broker.security.identity import mask_id_number, mask_name

from .document import Document
from .errors import BadAnswer

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class QueryParams:
    """What is asked for. `months` is the period ending with the last full month; `year` (tax records)
    asks for a calendar year instead. `request_id` is the session's transaction id: a department that
    logs requests can match a retry to the first try."""

    document: DocumentKind
    months: int = 12
    year: int | None = None
    request_id: str = ""


class DepartmentAdapter(Protocol):
    id: str
    name: str

    def query(self, holder: Holder, params: QueryParams) -> Document: ...

    def close(self) -> None: ...


def check_answer(document: Document, holder: Holder, params: QueryParams) -> Document:
    """A department's record must be the kind asked for and name the citizen asked about (masked forms
    compared): a service that mixes up two citizens must not print one's record for the other."""
    if document.kind != params.document:
        raise BadAnswer(f"asked for {params.document}, the department answered {document.kind}")
    if document.holder_id_masked != mask_id_number(holder.id_number) or document.holder_name_masked != mask_name(
        holder.name
    ):
        raise BadAnswer("the department's record names another citizen")
    return document


def open_department(cfg: Department, clock: Clock = utcnow) -> DepartmentAdapter:
    if cfg.backend == "http":
        from .http import HttpDepartmentAdapter

        assert cfg.http is not None  # the config model requires it
        return HttpDepartmentAdapter(cfg.id, cfg.name, cfg.http)
    from .simulator import SimulatedDepartmentAdapter

    return SimulatedDepartmentAdapter(cfg.id, cfg.name, cfg.simulator, clock=clock)
