"""Department adapters: the simulator's records (deterministic, believable, right for the citizen), and the
HTTP backend against a real fake department on a loopback port: slow, wrong, silent, refusing."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest

from queue_broker.config.selfservice import HttpDepartment, SimulatedDepartment
from queue_broker.protocol import Holder
from selfservice.adapter import QueryParams, check_answer
from selfservice.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker
from selfservice.document import Document
from selfservice.errors import AdapterTimeout, BadAnswer, NotAllowed, NotFound, ServiceDown
from selfservice.http import HttpDepartmentAdapter
from selfservice.simulator import SimulatedDepartmentAdapter
from tests.people import citizens, id_numbers_in

from .fake_department import FakeDepartment

NOW = datetime(2026, 12, 6, 2, 30, tzinfo=UTC)  # 10:30 in Neixiang
KINDS = (
    "social_insurance_record",
    "medical_insurance_certificate",
    "individual_income_tax_record",
    "housing_fund_certificate",
    "real_estate_query_result",
)
ZHANG = Holder(id_number="411325199001011230", name="张三")  # devices.idcard test card zhang_san
LI = Holder(id_number="411325195003080426", name="李秀英")  # li_xiuying, born 1950


def simulator(seed: str = "neixiang-demo") -> SimulatedDepartmentAdapter:
    return SimulatedDepartmentAdapter(
        "rsj", "内乡县人力资源和社会保障局", SimulatedDepartment(latency_s=0, seed=seed), lambda: NOW
    )


def outcome(adapter, holder: Holder, kind: str) -> Document | str:
    try:
        return adapter.query(holder, QueryParams(document=kind))
    except (NotFound, NotAllowed) as exc:
        return exc.code


# --- the simulator ------------------------------------------------------------------------------


def test_simulated_records_are_the_same_for_the_same_citizen_and_differ_between_citizens():
    a, b = simulator(), simulator()
    first = a.query(ZHANG, QueryParams(document="social_insurance_record"))
    assert first == b.query(ZHANG, QueryParams(document="social_insurance_record"))
    other_seed = simulator("another-hall").query(ZHANG, QueryParams(document="social_insurance_record"))
    assert other_seed.verification_code != first.verification_code
    docs = [outcome(a, Holder(**p), "medical_insurance_certificate") for p in citizens(40, 7)]
    assert len({d.verification_code for d in docs if isinstance(d, Document)}) == 40


def test_social_insurance_record_has_the_periods_rates_and_seal_of_such_a_record():
    doc = simulator().query(ZHANG, QueryParams(document="social_insurance_record", months=12))
    assert doc.holder_name_masked == "张*" and doc.holder_id_masked == "4113**********1230"
    assert doc.period == "2025年12月至2026年11月"  # the 12 months ending with the last full month
    table = doc.tables[0]
    assert [r[0] for r in table.rows] == [f"2025{12:02d}"] + [f"2026{m:02d}" for m in range(1, 12)]
    for row in table.rows:
        base, employer, personal = (float(x.replace(",", "")) for x in row[1:4])
        assert 3900 <= base <= 18000
        assert employer == pytest.approx(base * 0.16) and personal == pytest.approx(base * 0.08)
    assert doc.seal.purpose == "社会保险业务专用章" and doc.seal.organisation == "内乡县人力资源和社会保障局"
    assert doc.simulated and doc.issued_at == NOW
    assert "ZHANG" not in repr(doc) and "张" not in repr(doc) and "4113" not in repr(doc)


def test_a_retired_citizen_gets_the_pension_paid_not_contributions():
    doc = simulator().query(LI, QueryParams(document="social_insurance_record"))
    assert doc.tables[0].columns[:2] == ["发放年月", "发放金额（元）"]
    assert any(e.value.startswith("退休") for e in doc.entries)


@pytest.mark.parametrize("kind", KINDS)
def test_every_record_kind_is_well_formed_and_names_only_the_masked_citizen(kind):
    found = 0
    for p in citizens(60, 24):
        holder = Holder(**p)
        doc = outcome(simulator(), holder, kind)
        if isinstance(doc, str):
            continue
        found += 1
        text = "\n".join(doc.lines())
        assert not id_numbers_in(text) and holder.name not in text
        assert doc.holder_name_masked in text and doc.verification_code in text
        assert Document.model_validate_json(doc.model_dump_json()) == doc  # what the HTTP contract carries
    assert found >= 10, f"only {found} of 60 citizens have a {kind}"


def test_the_simulators_refusals_follow_the_citizens_age():
    young = Holder(id_number="411325201501010015", name="王小明")  # born 2015
    assert outcome(simulator(), young, "social_insurance_record") == "not_found"
    assert outcome(simulator(), young, "real_estate_query_result") == "not_allowed"
    assert outcome(simulator(), LI, "housing_fund_certificate") == "not_found"  # retired: account closed
    kinds = [outcome(simulator(), Holder(**p), "individual_income_tax_record") for p in citizens(60, 3)]
    assert "not_found" in kinds and any(isinstance(k, Document) for k in kinds)


def test_a_tax_record_for_a_calendar_year_lists_only_that_years_months():
    for p in citizens(60, 5):
        doc = outcome(simulator(), Holder(**p), "individual_income_tax_record")
        if isinstance(doc, Document):
            break
    else:
        pytest.fail("no taxpayer among 60 citizens")
    year = simulator().query(Holder(**p), QueryParams(document="individual_income_tax_record", year=2025))
    assert year.period == "2025年1月至2025年12月"
    assert all(r[0].startswith("2025") for r in year.tables[0].rows)
    with pytest.raises(NotFound):
        simulator().query(Holder(**p), QueryParams(document="individual_income_tax_record", year=2027))


def test_injected_faults_come_back_typed_and_in_order():
    sim = simulator()
    sim.inject("timeout", "down", "garbage")
    for error in (AdapterTimeout, ServiceDown, BadAnswer):
        with pytest.raises(error):
            sim.query(ZHANG, QueryParams(document="social_insurance_record"))
    assert sim.query(ZHANG, QueryParams(document="social_insurance_record")).kind == "social_insurance_record"
    with pytest.raises(ValueError):
        sim.inject("fire")


def test_a_record_for_another_citizen_or_of_another_kind_is_refused():
    doc = simulator().query(ZHANG, QueryParams(document="social_insurance_record"))
    with pytest.raises(BadAnswer, match="another citizen"):
        check_answer(doc, Holder(id_number="11010519491231002X", name="张三"), QueryParams(document=doc.kind))
    with pytest.raises(BadAnswer, match="asked for"):
        check_answer(doc, ZHANG, QueryParams(document="housing_fund_certificate"))


# --- the HTTP backend against the fake department ----------------------------------------------


def http_adapter(url: str, **options) -> HttpDepartmentAdapter:
    cfg = HttpDepartment(url=url, **{"timeout_s": 0.5, "retry_backoff_s": 0.05, "deadline_s": 3, **options})
    return HttpDepartmentAdapter("sw", "国家税务总局内乡县税务局", cfg)


def taxpayer() -> Holder:
    for p in citizens(60, 5):
        if isinstance(outcome(FakeRules(), Holder(**p), "individual_income_tax_record"), Document):
            return Holder(**p)
    raise AssertionError("no taxpayer")


class FakeRules(SimulatedDepartmentAdapter):
    """The fake department's own rules (its seed), to know beforehand what it will answer."""

    def __init__(self):
        super().__init__("sw", "国家税务总局内乡县税务局", SimulatedDepartment(latency_s=0, seed="fake-department"))


def test_http_gets_the_record_with_the_token_and_the_holder_only_in_the_body(monkeypatch):
    monkeypatch.setenv("HALL_DEPT_SW_TOKEN", "s3cret-token")
    holder = taxpayer()
    with FakeDepartment(token="s3cret-token") as dept:
        adapter = http_adapter(dept.url, token_env="HALL_DEPT_SW_TOKEN")
        doc = adapter.query(holder, QueryParams(document="individual_income_tax_record", request_id="tx-1"))
        assert doc.kind == "individual_income_tax_record" and doc.holder_name_masked == holder.name[0] + "*" * 3
        (req,) = dept.requests
        assert req["body"]["holder"] == {"id_number": holder.id_number, "name": holder.name}
        assert req["headers"]["X-Request-Id"] == "tx-1" and "/records" in dept.url
        assert holder.id_number not in str(req["headers"])
        monkeypatch.setenv("HALL_DEPT_SW_TOKEN", "wrong")
        with pytest.raises(ServiceDown, match="credentials"):
            adapter.query(holder, QueryParams(document="individual_income_tax_record"))


@pytest.mark.parametrize(
    "behaviour, error, tries",
    [
        ("not_found", NotFound, 1),
        ("not_allowed", NotAllowed, 1),
        ("garbage", BadAnswer, 1),  # not retried: the same garbage would come back
        ("bad_record", BadAnswer, 1),
        ("wrong_citizen", BadAnswer, 1),
        ("error500", ServiceDown, 3),  # retried, then given up
        ("unavailable", ServiceDown, 3),
        ("drop", ServiceDown, 3),
        ("slow", AdapterTimeout, 3),
        ("drip", AdapterTimeout, 3),
    ],
)
def test_http_failures_are_typed_bounded_and_retried_only_when_it_can_help(behaviour, error, tries):
    with FakeDepartment() as dept:
        dept.default = behaviour
        adapter = http_adapter(dept.url, retries=2, breaker_failures=10)
        started = time.monotonic()
        with pytest.raises(error) as caught:
            adapter.query(taxpayer(), QueryParams(document="individual_income_tax_record"))
        elapsed = time.monotonic() - started
        assert adapter.tries == len(dept.requests) == tries, caught.value.reason
        assert elapsed < 3 * 0.5 + 0.05 + 0.1 + 1.0  # three tries, two pauses, some slack on a busy machine
        assert "411325" not in caught.value.reason


def test_http_one_slow_answer_then_a_good_one_is_a_record():
    with FakeDepartment(slow_s=1.5) as dept:
        dept.behave("slow")
        doc = http_adapter(dept.url, retries=1).query(taxpayer(), QueryParams(document="individual_income_tax_record"))
        assert doc.kind == "individual_income_tax_record" and len(dept.requests) == 2


def test_http_deadline_bounds_all_tries_together():
    with FakeDepartment() as dept:
        dept.default = "hang"
        adapter = http_adapter(dept.url, timeout_s=0.4, retries=5, retry_backoff_s=0.1, deadline_s=1.0)
        started = time.monotonic()
        with pytest.raises(AdapterTimeout):
            adapter.query(taxpayer(), QueryParams(document="individual_income_tax_record"))
        assert time.monotonic() - started < 1.6
        assert len(dept.requests) == 2  # 0.4 + 0.1 + 0.4: a third try would not fit in 1.0 s


def test_http_nobody_listening_is_service_down():
    with FakeDepartment() as dept:
        url = dept.url
    with pytest.raises(ServiceDown):
        http_adapter(url, retries=1).query(ZHANG, QueryParams(document="individual_income_tax_record"))


def test_the_breaker_opens_after_consecutive_failures_and_a_trial_closes_it():
    clock = [100.0]
    with FakeDepartment() as dept:
        dept.default = "error500"
        cfg = HttpDepartment(url=dept.url, timeout_s=0.5, retries=0, breaker_failures=3, breaker_reset_s=30)
        adapter = HttpDepartmentAdapter("sw", "税务局", cfg, monotonic=lambda: clock[0], sleep=lambda s: None)
        params = QueryParams(document="individual_income_tax_record")
        for _ in range(3):
            with pytest.raises(ServiceDown, match="HTTP 500"):
                adapter.query(ZHANG, params)
        assert adapter.breaker.state == OPEN and len(dept.requests) == 3
        with pytest.raises(ServiceDown, match="breaker open"):
            adapter.query(ZHANG, params)
        assert len(dept.requests) == 3  # not asked at all
        clock[0] += 31
        dept.default = "ok"
        adapter.query(taxpayer(), params)
        assert adapter.breaker.state == CLOSED and len(dept.requests) == 4


def test_a_not_found_answer_is_a_working_service_for_the_breaker():
    with FakeDepartment() as dept:
        dept.default = "not_found"
        adapter = http_adapter(dept.url, breaker_failures=2)
        for _ in range(4):
            with pytest.raises(NotFound):
                adapter.query(ZHANG, QueryParams(document="individual_income_tax_record"))
        assert adapter.breaker.state == CLOSED


def test_breaker_half_open_lets_one_trial_through_and_a_failed_trial_opens_it_again():
    clock = [0.0]
    b = CircuitBreaker(failures=2, reset_s=10, clock=lambda: clock[0])
    b.failed()
    assert b.allow() and b.state == CLOSED
    b.failed()
    assert b.state == OPEN and not b.allow() and b.retry_in() == 10
    clock[0] = 10
    assert b.allow() and b.state == HALF_OPEN
    assert not b.allow()  # only one trial at a time
    b.failed()
    assert b.state == OPEN and not b.allow()
    clock[0] = 20
    assert b.allow()
    b.succeeded()
    assert b.state == CLOSED and b.allow() and b.allow()


def test_concurrent_queries_share_the_client():
    with FakeDepartment() as dept:
        adapter = http_adapter(dept.url)
        holder = taxpayer()
        results: list[object] = []
        threads = [
            threading.Thread(
                target=lambda: results.append(
                    adapter.query(holder, QueryParams(document="individual_income_tax_record"))
                )
            )
            for _ in range(6)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert len(results) == 6 and len({r.verification_code for r in results}) == 1
