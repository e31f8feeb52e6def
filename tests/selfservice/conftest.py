"""Fixtures of the self-service tests: a site file with records and departments (the mini hall's)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from selfservice.session import SelfServiceSession, SessionSettings
from tests.conftest import ROOT

MINI = ROOT / "tests" / "fixtures" / "mini-site.yaml"

RECORDS = {
    "records": [{"service_id": "sb-print", "document": "social_insurance_record", "department": "rsj"}],
    "departments": [
        {"id": "rsj", "name": "县人力资源和社会保障局", "backend": "simulator", "simulator": {"latency_s": 0}}
    ],
}


def write_site(path: Path, **self_service) -> Path:
    """The mini hall with `site.self_service` set to `self_service` (RECORDS when empty)."""
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    data["site"]["self_service"] = self_service or RECORDS
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def record_session(transaction_id: str, months: int = 12, **settings) -> SelfServiceSession:
    """A session of RECORDS' one service (the social insurance record from rsj), not started yet."""
    (record,) = RECORDS["records"]
    (department,) = RECORDS["departments"]
    return SelfServiceSession(
        transaction_id=transaction_id,
        service_id=record["service_id"],
        document_kind=record["document"],
        title="社会保险个人权益记录",
        department=department["name"],
        months=months,
        settings=SessionSettings(**settings),
    )


@pytest.fixture
def records_site(tmp_path) -> Path:
    return write_site(tmp_path / "site.yaml")


@pytest.fixture(scope="session")
def cupsd():
    """A real cupsd of the tests' own (own configuration, spool and socket) with cups-pdf queues."""
    from devices.a4printer.cupsd import CupsdProcess, available

    why = available()
    if why:
        pytest.skip(why)
    server = CupsdProcess().start()
    yield server
    server.cleanup()


@pytest.fixture
def pdf_queue(cupsd, request):
    """A cups-pdf queue of the test's own: (queue name, the directory its printed PDFs land in)."""
    import hashlib

    name = "Q" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:10]
    out = cupsd.add_pdf_queue(name)
    yield name, out
    cupsd.fault(name, None)


@pytest.fixture
def hall(mosquitto, site_id, tmp_path):
    """The real queue broker on the mini hall (sb-print is its self-service item), at 22:05 in the hall."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.broker.conftest import Hall
    from tests.clock import Clock

    h = Hall(
        mosquitto.url, site_id, tmp_path / "data", Clock(datetime(2026, 12, 6, 22, 5, tzinfo=ZoneInfo("Asia/Shanghai")))
    )
    h.start()
    yield h
    h.close()
