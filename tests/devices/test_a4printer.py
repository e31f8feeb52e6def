"""The A4 printer device through its simulator (the CUPS backend against a real cupsd is in
tests/selfservice/test_a4_cups.py): health from the printer's reasons, each document printed once,
faults before and during a job, cancelling, the queue cleared at start."""

from __future__ import annotations

import time

import pytest

from devices.a4printer import (
    A4Printer,
    A4PrinterNotReady,
    A4PrinterUnavailable,
    SimulatedA4Link,
    open_a4printer,
    printer_status,
)
from devices.health import HealthReporter
from devices.serialport import DeviceOptionsError
from queue_broker.config.models import DeviceConfig

from .conftest import HealthSink, assert_options_refused

TWO_PAGES = b"%PDF-1.7\n1 0 obj <</Type /Pages /Count 2>>\n2 0 obj <</Type /Page>>\n3 0 obj <</Type /Page >>\n%%EOF\n"


@pytest.fixture
def sim():
    link = SimulatedA4Link(seconds_per_page=0.05)
    sink = HealthSink()
    yield A4Printer("a4printer", link, HealthReporter(sink), poll_s=0.02), link, sink
    link.close()


@pytest.mark.parametrize(
    "state, accepting, reasons, health, words",
    [
        (3, True, ["none"], "ready", "就绪"),
        (3, True, ["media-empty-error"], "fault", "缺纸"),
        (4, True, ["media-needed"], "fault", "缺纸"),
        (4, True, ["media-jam-error"], "fault", "卡纸"),
        (3, True, ["offline-report"], "fault", "离线"),
        (3, True, ["cover-open-error"], "fault", "盖板"),
        (3, True, ["toner-low-warning", "media-low-warning"], "degraded", "墨粉不足；A4打印机纸张即将用完"),
        (3, True, ["fuser-over-temp-error"], "fault", "fuser-over-temp-error"),
        (3, True, ["connecting-to-device-report"], "ready", "就绪"),
        (5, True, ["paused"], "fault", "暂停"),
        (5, True, [], "fault", "已停止"),
        (3, False, [], "fault", "不接受"),
    ],
)
def test_printer_reasons_become_health_and_words(state, accepting, reasons, health, words):
    status = printer_status(state, accepting, reasons)
    assert status.state == health and words in status.message
    assert status.can_print == (health in ("ready", "degraded"))
    if health == "fault":
        assert "工作人员" in status.citizen_message


def test_a_document_is_printed_and_reported_ready(sim):
    printer, link, sink = sim
    job = printer.print_pdf(TWO_PAGES, "tx-1", pages=2)
    assert job.state == "queued"
    job = printer.wait("tx-1", timeout=5)
    assert (job.state, job.sheets) == ("completed", 2)
    assert link.printed == [("hall-tx-1", TWO_PAGES)]
    assert sink.events[-1] == ("a4printer", "ready", "A4打印机就绪")


def test_printing_the_same_key_again_never_prints_twice(sim):
    printer, link, _ = sim
    printer.print_pdf(TWO_PAGES, "tx-2", pages=2)
    again = printer.print_pdf(TWO_PAGES, "tx-2", pages=2)  # a double tap while it prints
    assert again.state in ("queued", "printing")
    printer.wait("tx-2", timeout=5)
    assert printer.print_pdf(TWO_PAGES, "tx-2", pages=2).state == "completed"  # a retry after it came out
    time.sleep(0.2)
    assert len(link.printed) == 1 and link.open_jobs() == []


def test_a_printer_out_of_paper_is_refused_before_anything_is_sent(sim):
    printer, link, sink = sim
    link.load_paper(0)
    with pytest.raises(A4PrinterNotReady) as caught:
        printer.print_pdf(TWO_PAGES, "tx-3", pages=2)
    assert "缺纸" in caught.value.citizen_message and caught.value.sheets == 0
    assert link.open_jobs() == [] and link.printed == []
    assert sink.last == ("fault", "A4打印机缺纸")


def test_paper_running_out_mid_job_waits_and_a_retry_lets_the_same_job_finish(sim):
    printer, link, sink = sim
    link.load_paper(1)
    printer.print_pdf(TWO_PAGES, "tx-4", pages=2)
    job = printer.wait("tx-4", timeout=5)  # returns as soon as the job waits on the fault
    assert (job.state, job.sheets) == ("waiting", 1) and "缺纸" in job.citizen_message
    assert sink.last == ("fault", "A4打印机缺纸")
    retry = printer.print_pdf(TWO_PAGES, "tx-4", pages=2)  # the citizen taps 重试 before staff came
    assert retry.state == "waiting" and link.open_jobs() == [1]
    link.load_paper(None)  # staff load paper
    assert printer.wait("tx-4", timeout=5).state == "completed"
    assert len(link.printed) == 1 and sink.last[0] == "ready"


def test_cancelling_a_waiting_job_prints_nothing_even_when_the_fault_clears(sim):
    printer, link, _ = sim
    link.set_offline(True)
    link.reachable = True
    with pytest.raises(A4PrinterNotReady, match="离线"):
        printer.print_pdf(TWO_PAGES, "tx-5", pages=2)
    link.set_offline(False)
    printer.print_pdf(TWO_PAGES, "tx-5", pages=2)
    link.set_offline(True)  # unplugged while the job is queued
    assert printer.wait("tx-5", timeout=5).state == "waiting"
    assert printer.cancel("tx-5").state == "cancelled"
    link.set_offline(False)
    time.sleep(0.3)
    assert link.printed == [] and link.open_jobs() == []
    printer.forget("tx-5")
    with pytest.raises(KeyError):
        printer.job("tx-5")


def test_a_cancelled_job_with_nothing_out_may_be_printed_again_under_its_key(sim):
    printer, link, _ = sim
    link.jam()
    link.jammed = False
    printer.print_pdf(TWO_PAGES, "tx-6", pages=2)
    link.jam()
    assert printer.wait("tx-6", timeout=5).state == "waiting"
    printer.cancel("tx-6")
    link.clear_jam()
    assert printer.print_pdf(TWO_PAGES, "tx-6", pages=2).state == "queued"
    assert printer.wait("tx-6", timeout=5).state == "completed" and len(link.printed) == 1


def test_an_unreachable_printing_system_is_a_fault_and_nothing_is_sent(sim):
    printer, link, sink = sim
    link.reachable = False
    assert printer.status().state == "fault" and sink.last[0] == "fault"
    with pytest.raises(A4PrinterUnavailable):
        printer.print_pdf(TWO_PAGES, "tx-7", pages=2)
    link.reachable = True
    assert printer.status().state == "ready"


def test_opening_clears_jobs_left_from_before(tmp_path):
    health = HealthReporter()
    cfg = DeviceConfig(
        id="a4", kind="a4printer", backend="simulator", options={"out_dir": str(tmp_path), "offline": True}
    )
    first = open_a4printer(cfg, health)
    first.link.set_offline(False)
    first.print_pdf(TWO_PAGES, "left-over", pages=2)
    first.link.set_offline(True)
    assert first.link.open_jobs() == [1]
    again = A4Printer("a4", first.link, health)  # the kiosk restarts with the same printing system
    assert again.purge_open_jobs() == 1 and first.link.open_jobs() == []
    first.link.set_offline(False)
    time.sleep(0.2)
    assert list(tmp_path.iterdir()) == []
    first.close()


def test_the_simulator_writes_the_same_pdf_where_a_test_reads_it(tmp_path):
    cfg = DeviceConfig(
        id="a4", kind="a4printer", backend="simulator", options={"out_dir": str(tmp_path), "seconds_per_page": 0}
    )
    printer = open_a4printer(cfg, HealthReporter())
    printer.print_pdf(TWO_PAGES, "tx-8", pages=2)
    assert printer.wait("tx-8", timeout=5).state == "completed"
    (out,) = tmp_path.iterdir()
    assert out.read_bytes() == TWO_PAGES and out.name.startswith("hall-tx-8")
    printer.close()


@pytest.mark.parametrize(
    ("backend", "options", "message"),
    [
        ("cups", {}, "queue"),
        ("simulator", {"colour": True}, "colour"),
        ("usb", {}, "unknown backend"),
    ],
)
def test_options_are_checked_per_backend(backend, options, message):
    cfg = DeviceConfig(id="kiosk-2-a4printer", kind="a4printer", backend=backend, options=options)
    assert_options_refused(open_a4printer, cfg, DeviceOptionsError, message)


def test_a_print_key_is_letters_digits_dashes():
    with pytest.raises(ValueError):
        A4Printer("a4", SimulatedA4Link(), HealthReporter()).print_pdf(TWO_PAGES, "名字", 1)
