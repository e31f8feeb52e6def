"""The site file's self-service records and departments: accepted as documented, refused with the line."""

from __future__ import annotations

import pytest

from queue_broker.config.loader import ConfigError, load_site_config
from selfservice.adapter import open_department
from selfservice.http import HttpDepartmentAdapter
from selfservice.simulator import SimulatedDepartmentAdapter
from tests.conftest import SAMPLE_SITE

from .conftest import RECORDS, write_site


def test_the_sample_hall_prints_a_record_for_each_of_its_five_self_service_items():
    cfg = load_site_config(SAMPLE_SITE)
    zone = cfg.site.self_service
    assert {r.service_id for r in zone.records} == set(zone.service_ids)
    kinds = {r.document for r in zone.records}
    assert len(kinds) == 5
    for dept in zone.departments:
        assert isinstance(open_department(dept), SimulatedDepartmentAdapter)
    kiosk = cfg.node("kiosk-1")
    assert [d.kind for d in kiosk.devices].count("a4printer") == 1


def test_an_http_department_is_opened_with_its_endpoint(tmp_path):
    site = write_site(
        tmp_path / "s.yaml",
        records=RECORDS["records"],
        departments=[
            {
                "id": "rsj",
                "name": "人社局",
                "backend": "http",
                "http": {"url": "https://rsj.example/records", "token_env": "T"},
            }
        ],
    )
    dept = load_site_config(site).site.self_service.departments[0]
    adapter = open_department(dept)
    assert isinstance(adapter, HttpDepartmentAdapter) and adapter.cfg.retries == 1 and adapter.cfg.deadline_s == 15
    adapter.close()


@pytest.mark.parametrize(
    "self_service, field, reason",
    [
        (
            {"records": RECORDS["records"], "departments": [{"id": "rsj", "name": "x", "backend": "http"}]},
            "site.self_service.departments[0]",
            "has no 'http:' section",
        ),
        (
            {"records": [{"service_id": "sb-print", "document": "marriage_certificate", "department": "rsj"}]},
            "site.self_service.records[0].document",
            "input should be",
        ),
        (
            {"records": [{"service_id": "sb-card", "document": "social_insurance_record", "department": "rsj"}]}
            | {"departments": RECORDS["departments"]},
            "site.self_service.records[0].service_id",
            "not a self-service item",
        ),
        (
            {"records": [{"service_id": "sb-print", "document": "social_insurance_record", "department": "tax"}]}
            | {"departments": RECORDS["departments"]},
            "site.self_service.records[0].department",
            "department 'tax' is not defined",
        ),
        (
            {"departments": [{"id": "a", "name": "x", "backend": "http", "http": {"url": "ftp://x"}}]},
            "site.self_service.departments[0].http.url",
            "should match pattern",
        ),
        (
            {
                "departments": [
                    {"id": "a", "name": "x", "backend": "http", "http": {"url": "https://x", "password": "p"}}
                ]
            },
            "site.self_service.departments[0].http.password",
            "unknown key",
        ),
        (
            {
                "departments": [
                    {"id": "a", "name": "x", "http": {"url": "https://x", "timeout_s": 20, "deadline_s": 10}}
                ]
            },
            "site.self_service.departments[0].http",
            "shorter than one try",
        ),
    ],
)
def test_a_wrong_records_section_is_refused_with_its_place(tmp_path, self_service, field, reason):
    site = write_site(tmp_path / "site.yaml", **self_service)
    with pytest.raises(ConfigError) as caught:
        load_site_config(site)
    problems = [p for p in caught.value.problems if p[2] == field]
    assert problems, caught.value.lines()
    _, line, _, text = problems[0]
    assert reason in text and line is not None
