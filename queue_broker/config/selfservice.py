"""Site-file models of the self-service records (issue 24): which self-service item prints which record,
and which department adapter fetches it. Under `site.self_service` beside `hours` and `service_ids`.

    site:
      self_service:
        records:
          - {service_id: sb-record-print, document: social_insurance_record, department: rsj}
        departments:
          - {id: rsj, name: 内乡县人力资源和社会保障局, backend: simulator}
          - id: sw
            name: 国家税务总局内乡县税务局
            backend: http
            http: {url: "https://dept.example/iit/records", token_env: HALL_DEPT_SW_TOKEN}

The department's answers never pass through the hall server: the kiosk asks the department (or its
simulator) itself and keeps the record in memory for the session only (docs/selfservice.md). Secrets are
not written here: an HTTP department's token comes from the environment variable or file named.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]

# The records the simulator can make and the renderer lays out (selfservice/documents.py).
DocumentKind = Literal[
    "social_insurance_record",  # 社会保险个人权益记录（参保缴费证明）
    "medical_insurance_certificate",  # 基本医疗保险参保凭证
    "individual_income_tax_record",  # 个人所得税纳税记录（完税证明）
    "housing_fund_certificate",  # 住房公积金缴存证明
    "real_estate_query_result",  # 不动产登记信息查询结果
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HttpDepartment(_Strict):
    """A department's records service over HTTPS (the contract is in docs/selfservice.md)."""

    url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s/]+(/\S*)?$")]
    connect_timeout_s: float = Field(default=3.0, gt=0, le=30)
    timeout_s: float = Field(default=8.0, gt=0, le=60)  # one try, connect to last byte
    retries: int = Field(default=1, ge=0, le=5)  # after a timeout, a refused connection or a 502/503/504
    retry_backoff_s: float = Field(default=0.5, ge=0, le=10)  # doubled after each retry
    deadline_s: float = Field(default=15.0, gt=0, le=120)  # all tries together: the citizen is waiting
    breaker_failures: int = Field(default=3, ge=1, le=100)  # consecutive failures that open the breaker
    breaker_reset_s: float = Field(default=60.0, gt=0, le=3600)  # then one trial request after this long
    token_env: str | None = None  # environment variable holding the bearer token
    token_file: str | None = None  # or a file holding it (0600, e.g. given by systemd LoadCredential=)
    ca_file: str | None = None  # the department's CA, when it is not in the system's store

    @field_validator("token_env")
    @classmethod
    def _env_name(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^[A-Z_][A-Z0-9_]*$", v):
            raise ValueError("must be an environment variable name such as HALL_DEPT_SW_TOKEN")
        return v

    @model_validator(mode="after")
    def _deadline_covers_a_try(self) -> HttpDepartment:
        if self.deadline_s < self.timeout_s:
            raise ValueError(f"deadline_s ({self.deadline_s:g}) is shorter than one try (timeout_s {self.timeout_s:g})")
        return self


class SimulatedDepartment(_Strict):
    """The department's simulator (selfservice/simulator.py): believable records, deterministic per citizen."""

    latency_s: float = Field(default=0.3, ge=0, le=30)  # how long the department takes to answer
    seed: str = "neixiang-demo"  # what the records are derived from, with each ID number (a keyed hash)


class Department(_Strict):
    id: Id
    name: str
    backend: Literal["simulator", "http"] = "simulator"
    simulator: SimulatedDepartment = SimulatedDepartment()
    http: HttpDepartment | None = None

    @model_validator(mode="after")
    def _http_needs_its_endpoint(self) -> Department:
        if self.backend == "http" and self.http is None:
            raise ValueError(f"department {self.id} uses backend http but has no 'http:' section with its url")
        return self


class RecordItem(_Strict):
    """A self-service item that prints a record: the item, the kind of record, the department asked."""

    service_id: Id
    document: DocumentKind
    department: Id
    months: int = Field(default=12, ge=1, le=60)  # the period shown when the citizen does not choose one


def cross_reference(cfg: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Problems between the records, the departments and the catalog, with their site-file paths."""
    zone = cfg.site.self_service
    services = {s.id: s for s in cfg.services}
    departments = [d.id for d in zone.departments]
    base = ("site", "self_service")
    for i, d in enumerate(zone.departments):
        if departments.index(d.id) != i:
            yield (*base, "departments", i, "id"), f"department id {d.id!r} is used twice"
    seen: set[str] = set()
    for i, r in enumerate(zone.records):
        at = (*base, "records", i)
        if r.service_id in seen:
            yield (*at, "service_id"), f"service {r.service_id!r} has two records"
        seen.add(r.service_id)
        service = services.get(r.service_id)
        if service is None:
            yield (*at, "service_id"), f"service {r.service_id!r} is not defined"
        elif not (service.self_service or r.service_id in zone.service_ids):
            yield (*at, "service_id"), f"service {r.service_id!r} is not a self-service item"
        if r.department not in departments:
            yield (*at, "department"), f"department {r.department!r} is not defined under site.self_service.departments"
