"""The session driven by SessionRunner with real parts, as the phase-2 screen will drive it: the ID-card
reader's simulator on a pseudo-terminal, the department simulator or the fake department over HTTP, the
A4 printer through a real cupsd (or its simulator), the audit record through the real queue broker on a
real Mosquitto. And privacy: nothing of the record or the citizen in logs, MQTT or files but the print."""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from datetime import UTC, datetime

import pytest

from devices.a4printer import A4Printer, SimulatedA4Link, open_a4printer
from devices.health import HealthReporter
from devices.idcard import open_reader
from queue_broker.config.models import DeviceConfig
from queue_broker.config.selfservice import HttpDepartment, SimulatedDepartment
from queue_broker.security.identity import holder_hash
from selfservice.cards import CardWatcher
from selfservice.errors import ServiceDown
from selfservice.http import HttpDepartmentAdapter
from selfservice.runner import SessionRunner, mqtt_record_sender
from selfservice.simulator import SimulatedDepartmentAdapter
from tests.broker.conftest import Recorder
from tests.clock import Clock
from tests.people import id_numbers_in

from .conftest import record_session
from .fake_department import FakeDepartment

ZHANG_ID = "411325199001011230"  # devices.idcard test card zhang_san, 张三
HALL = "测试大厅"


@pytest.fixture
def reader():
    r = open_reader(DeviceConfig(id="idcard", kind="idcard", backend="simulator"), HealthReporter())
    yield r
    r.close()


def simulator(latency: float = 0.05) -> SimulatedDepartmentAdapter:
    return SimulatedDepartmentAdapter("rsj", "县人力资源和社会保障局", SimulatedDepartment(latency_s=latency))


def sim_printer(**link) -> A4Printer:
    return A4Printer("a4printer", SimulatedA4Link(**{"seconds_per_page": 0.05, **link}), HealthReporter(), poll_s=0.05)


def step(runner: SessionRunner, *steps: str, timeout: float = 20.0):
    view = runner.wait_for(lambda v: v.step in steps, timeout)
    assert view.step in steps, view
    return view


def test_card_to_printed_record_through_cups_with_the_audit_in_the_broker(hall, reader, cupsd, pdf_queue, caplog):
    caplog.set_level(logging.DEBUG)
    queue, out = pdf_queue
    recorder = Recorder(hall.url, hall.site)
    kiosk = hall.node("kiosk-1", "kiosk")
    printer = open_a4printer(
        DeviceConfig(
            id="a4printer",
            kind="a4printer",
            backend="cups",
            options={"queue": queue, "server": cupsd.socket, "poll_s": 0.1},
        ),
        HealthReporter(),
    )
    views = []
    runner = SessionRunner(
        record_session("tx-run-1"),
        simulator(),
        printer,
        hall_name=HALL,
        kiosk_name="1号自助机",
        record=mqtt_record_sender(kiosk.link, "kiosk-1"),
        clock=lambda: datetime.now(UTC),
        on_change=views.append,
    )
    runner.start()
    watcher = CardWatcher(runner, reader, poll_s=0.05).start()
    reader.simulator.place("zhang_san")
    preview = step(runner, "preview")
    assert preview.masked_name == "张*" and preview.page == 1 and preview.pages >= 2
    runner.next_page()
    assert runner.view().page == 2
    runner.print()
    printed = step(runner, "printed", timeout=60)
    assert "请取走" in printed.message and printed.sheets_done == printed.sheets == runner.rendered_pages
    assert any(v.step == "printing" for v in views) and any(v.step == "querying" for v in views)
    (pdf,) = cupsd.printed(queue)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "社会保险个人权益记录（参保缴费证明）" in text and "姓名：张*" in text and HALL in text
    assert not id_numbers_in(text) and "张三" not in text
    ended = runner.cancel()  # 返回首页
    assert ended.step == "ended" and ended.masked_name == ""
    watcher.stop()
    runner.join()
    # the audit: one event, the keyed hash, the outcome and the sheets
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        events = [s.event for s in hall.service.store.iter_events() if s.event.type == "self_service_recorded"]
        if events:
            break
        time.sleep(0.05)
    (event,) = events
    assert event.data["holder_hash"] == holder_hash(hall.service.key, ZHANG_ID)
    assert (event.data["outcome"], event.data["pages"], event.data["kiosk_id"]) == (
        "printed",
        printed.sheets,
        "kiosk-1",
    )
    # privacy: the number only on the audit command topic; the name and the record nowhere but the paper
    doc_words = [line for line in text.splitlines() if "有限公司" in line or "验证码" in line]
    assert doc_words, "the check below could not fail"
    for topic, body, _ in recorder.messages:
        if not topic.endswith("/cmd/selfservice/record"):
            assert not id_numbers_in(str(body)), topic
        assert "张三" not in str(body) and "有限公司" not in str(body), topic
    assert any(t.endswith("/cmd/selfservice/record") for t, _, _ in recorder.messages)
    logs = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert ZHANG_ID not in logs and "张三" not in logs and "有限公司" not in logs
    assert printer.link.open_jobs() == []
    recorder.stop()
    printer.close()


def test_the_department_answering_garbage_then_well_and_timing_out(reader):
    printer = sim_printer()
    with FakeDepartment(issuer="县人力资源和社会保障局") as dept:
        cfg = HttpDepartment(url=dept.url, timeout_s=0.5, retries=0, deadline_s=2)
        adapter = HttpDepartmentAdapter("rsj", "县人力资源和社会保障局", cfg)
        runner = SessionRunner(
            record_session("tx-run-1"), adapter, printer, hall_name=HALL, clock=lambda: datetime.now(UTC)
        )
        runner.start()
        dept.behave("garbage", "ok")
        watcher = CardWatcher(runner, reader, poll_s=0.05).start()
        reader.simulator.place("zhang_san")
        failed = step(runner, "failed")
        assert failed.failure == "department" and "数据有误" in failed.message and "retry" in failed.actions
        runner.retry()
        assert step(runner, "preview").page_lines[0] == "社会保险个人权益记录（参保缴费证明）"
        runner.cancel()
        watcher.stop()
        # a department that never answers: the citizen hears about it within the adapter's bounds
        dept.default = "hang"
        runner = SessionRunner(
            record_session("tx-run-2"), adapter, printer, hall_name=HALL, clock=lambda: datetime.now(UTC)
        )
        runner.start()
        reader.simulator.remove()
        assert reader.read_card(timeout=0.5) is None  # the reader sees the card leave the field
        watcher = CardWatcher(runner, reader, poll_s=0.05).start()
        reader.simulator.place("zhang_san")
        started = time.monotonic()
        failed = step(runner, "failed")
        assert failed.error == "timeout" and "响应超时" in failed.message and time.monotonic() - started < 5
        runner.cancel()
        watcher.stop()
    printer.close()


def test_a_hanging_adapter_is_given_up_at_the_runners_deadline():
    class Hanging:
        id, name = "stuck", "卡住的部门"

        def __init__(self):
            self.release = threading.Event()

        def query(self, holder, params):
            self.release.wait(30)
            raise ServiceDown("released")

        def close(self):
            self.release.set()

    adapter = Hanging()
    runner = SessionRunner(
        record_session("tx-run-1"),
        adapter,
        sim_printer(),
        hall_name=HALL,
        clock=lambda: datetime.now(UTC),
        query_deadline_s=0.5,
    )
    runner.start()
    from queue_broker.protocol import Holder

    runner.card_read(Holder(id_number=ZHANG_ID, name="张三"))
    failed = step(runner, "failed", timeout=5)
    assert failed.error == "timeout"
    adapter.close()


def test_an_unknown_citizen_is_told_plainly_and_recorded_as_not_found(hall):
    from queue_broker.protocol import Holder

    kiosk = hall.node("kiosk-1", "kiosk")
    young = Holder(id_number="411325201501010015", name="王小明")  # 11 years old: no insurance record
    runner = SessionRunner(
        record_session("tx-run-3"),
        simulator(0),
        sim_printer(),
        hall_name=HALL,
        record=mqtt_record_sender(kiosk.link, "kiosk-1"),
        clock=lambda: datetime.now(UTC),
    )
    runner.start()
    runner.card_read(young)
    failed = step(runner, "failed")
    assert failed.error == "not_found" and failed.actions == ("home", "help") and "没有查询到" in failed.message
    runner.cancel()
    runner.join()
    (event,) = [s.event for s in hall.service.store.iter_events() if s.event.type == "self_service_recorded"]
    assert event.data["outcome"] == "not_found" and event.data["pages"] == 0


def test_out_of_paper_mid_job_then_the_citizen_walks_away_and_nothing_comes_out():
    clock = Clock(datetime(2026, 12, 6, 14, 0, tzinfo=UTC))
    printer = sim_printer(paper_sheets=1)
    records = []
    runner = SessionRunner(
        record_session("tx-run-1", months=36, idle_timeout_s=60),  # two A4 pages
        simulator(0),
        printer,
        hall_name=HALL,
        record=records.append,
        clock=clock,
    )
    from queue_broker.protocol import Holder

    runner.start()
    runner.card_read(Holder(id_number=ZHANG_ID, name="张三"))
    step(runner, "preview")
    runner.print()
    waiting = step(runner, "failed", timeout=20)
    assert waiting.error == "printer_waiting" and "缺纸" in waiting.message and waiting.sheets_done == 1
    runner.retry()  # 重试: the same job, nothing new queued
    assert step(runner, "failed").error == "printer_waiting" and printer.link.open_jobs() == [1]
    clock.advance(seconds=61)
    assert runner.tick().step == "ended"
    runner.join()
    assert printer.link.open_jobs() == []
    printer.link.load_paper(None)
    time.sleep(0.3)
    assert printer.link.printed == []  # the rest of it never comes out for the next person
    (record,) = records
    assert record.outcome == "print_failed" and record.pages == 1


def test_an_offline_printer_refuses_first_and_a_job_short_of_paper_finishes_when_staff_load_it():
    printer = sim_printer()
    runner = SessionRunner(
        record_session("tx-run-1", months=36), simulator(0), printer, hall_name=HALL, clock=lambda: datetime.now(UTC)
    )
    from queue_broker.protocol import Holder

    runner.start()
    runner.card_read(Holder(id_number=ZHANG_ID, name="张三"))
    step(runner, "preview")
    printer.link.set_offline(True)
    runner.print()
    refused = step(runner, "failed")
    assert refused.failure == "printer" and "离线" in refused.message  # refused before sending: nothing queued
    assert printer.link.open_jobs() == []
    printer.link.set_offline(False)
    printer.link.load_paper(1)
    runner.retry()
    assert step(runner, "failed").error == "printer_waiting"  # one sheet out, then no paper
    printer.link.load_paper(None)  # staff load paper: the same job goes on, nobody taps anything
    assert step(runner, "printed").sheets_done == runner.rendered_pages == 2
    assert len(printer.link.printed) == 1
    runner.cancel()
