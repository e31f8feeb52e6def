"""The record as a PDF, printed through a real cupsd (cups-pdf queue of the test's own) and read back:
the record's lines, the masked name, never the full ID number; printer faults as device health; one
document out however often it is retried; nothing kept by CUPS."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devices.a4printer import A4PrinterNotReady, A4PrinterUnavailable, open_a4printer
from devices.health import HealthReporter
from queue_broker.config.models import DeviceConfig
from queue_broker.config.selfservice import SimulatedDepartment
from queue_broker.protocol import Holder
from selfservice.adapter import QueryParams
from selfservice.render import render_html, render_pdf
from selfservice.simulator import SimulatedDepartmentAdapter
from tests.people import id_numbers_in

NOW = datetime(2026, 12, 6, 14, 5, tzinfo=UTC)  # 22:05 in Neixiang: the self-service zone at night
ZHANG = Holder(id_number="411325199001011230", name="张三")
HALL = "内乡县行政审批服务中心"


def record(kind: str = "social_insurance_record", months: int = 12):
    sim = SimulatedDepartmentAdapter("rsj", "内乡县人力资源和社会保障局", SimulatedDepartment(latency_s=0), lambda: NOW)
    return sim.query(ZHANG, QueryParams(document=kind, months=months))


def pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def printer_for(cupsd, queue: str, health: HealthReporter | None = None, **options):
    cfg = DeviceConfig(
        id="a4printer",
        kind="a4printer",
        backend="cups",
        options={"queue": queue, "server": cupsd.socket, "poll_s": 0.1, **options},
    )
    return open_a4printer(cfg, health or HealthReporter())


def wait_printed(cupsd, queue: str, n: int, timeout: float = 30) -> list[Path]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = cupsd.printed(queue)
        if len(files) >= n:
            return files
        time.sleep(0.1)
    return cupsd.printed(queue)


def test_the_pdf_has_the_record_the_hall_and_the_masked_citizen_only():
    doc = record()
    rendered = render_pdf(doc, HALL, NOW, "1号自助机")
    assert rendered.pdf.startswith(b"%PDF") and rendered.pages == 1
    html = render_html(doc, HALL, NOW, "1号自助机")
    assert "2026年12月6日 22:05" in html  # printed on, in the hall's time
    assert ZHANG.id_number not in html and "张三" not in html
    assert doc.seal.organisation in html and doc.seal.purpose in html and "模拟数据 · 非正式证明" in html
    fonts = subprocess.run(["pdffonts", "-"], input=rendered.pdf, capture_output=True).stdout.decode()
    assert "WenQuanYi-Micro-Hei" in fonts and "DejaVu-Sans" in fonts and "Type 3" not in fonts


def test_a_hall_name_cannot_break_out_of_the_page_header():
    html = render_html(record(), '内乡"}</style><script>x</script>', NOW)
    assert "<script>" not in html and "\\22 " in html


def test_a_record_printed_through_cups_reads_back_with_its_lines_and_no_full_id(cupsd, pdf_queue):
    queue, out = pdf_queue
    doc = record(months=24)
    rendered = render_pdf(doc, HALL, NOW, "1号自助机")
    health = HealthReporter()
    printer = printer_for(cupsd, queue, health)
    printer.print_pdf(rendered.pdf, "tx-cups-1", rendered.pages)
    job = printer.wait("tx-cups-1", timeout=60, until_waiting=False)
    assert job.state == "completed" and job.sheets == rendered.pages == 2
    (printed,) = wait_printed(cupsd, queue, 1)
    text = pdftotext(printed)
    assert doc.title in text and HALL in text and "1号自助机" in text
    assert "姓名：张*" in text and "4113**********1230" in text
    assert doc.verification_code in text and "打印日期 2026年12月6日 22:05" in text
    for row in doc.tables[0].rows:  # every month's line, with its amounts
        assert row[0] in text and row[2] in text
    assert set(doc.seal.purpose + "模拟数据") <= set(text)  # the seal and the watermark are rotated: letter by letter
    assert not id_numbers_in(text) and "张三" not in text
    assert health.latest()["a4printer"].state == "ready"
    printer.close()


def test_out_of_paper_waits_is_reported_and_a_retry_prints_one_copy(cupsd, pdf_queue):
    queue, out = pdf_queue
    rendered = render_pdf(record(), HALL, NOW)
    seen: list[tuple[str, str]] = []
    health = HealthReporter(lambda device, h: seen.append((h.state, h.message)))
    printer = printer_for(cupsd, queue, health)
    cupsd.fault(queue, "media-empty")
    printer.print_pdf(rendered.pdf, "tx-cups-2", rendered.pages)
    job = printer.wait("tx-cups-2", timeout=30)
    assert job.state == "waiting" and "缺纸" in job.citizen_message
    assert ("fault", "A4打印机缺纸") in seen
    for _ in range(3):  # the citizen taps 重试 three times before staff come
        assert printer.print_pdf(rendered.pdf, "tx-cups-2", rendered.pages).state == "waiting"
    assert cupsd.printed(queue) == []
    cupsd.fault(queue, None)  # paper loaded
    assert printer.wait("tx-cups-2", timeout=60, until_waiting=False).state == "completed"
    assert printer.print_pdf(rendered.pdf, "tx-cups-2", rendered.pages).state == "completed"
    time.sleep(1.0)
    assert len(wait_printed(cupsd, queue, 1)) == 1
    assert seen[-1] == ("ready", "A4打印机就绪")
    printer.close()


def test_an_abandoned_job_is_cancelled_and_never_comes_out(cupsd, pdf_queue):
    queue, out = pdf_queue
    rendered = render_pdf(record(), HALL, NOW)
    printer = printer_for(cupsd, queue)
    cupsd.fault(queue, "offline")
    printer.print_pdf(rendered.pdf, "tx-cups-3", rendered.pages)
    job = printer.wait("tx-cups-3", timeout=30)
    assert job.state == "waiting" and "离线" in job.citizen_message
    printer.forget("tx-cups-3")  # the session ends: the citizen walked away
    cupsd.fault(queue, None)
    time.sleep(2.0)
    assert cupsd.printed(queue) == []
    assert cupsd.command("lpstat", "-o", queue).strip() == ""
    printer.close()


def test_a_stopped_queue_is_refused_before_sending(cupsd, pdf_queue):
    queue, _ = pdf_queue
    printer = printer_for(cupsd, queue)
    cupsd.command("cupsdisable", queue)
    try:
        with pytest.raises(A4PrinterNotReady) as caught:
            printer.print_pdf(render_pdf(record(), HALL, NOW).pdf, "tx-cups-4", 1)
        assert "暂停" in caught.value.citizen_message
        assert cupsd.command("lpstat", "-o", queue).strip() == ""
    finally:
        cupsd.command("cupsenable", queue)
    printer.close()


def test_a_restart_cancels_what_was_left_in_the_queue(cupsd, pdf_queue):
    queue, _ = pdf_queue
    first = printer_for(cupsd, queue)
    cupsd.fault(queue, "media-empty")
    first.print_pdf(render_pdf(record(), HALL, NOW).pdf, "tx-cups-5", 1)
    assert first.wait("tx-cups-5", timeout=30).state == "waiting"
    first.close()
    second = printer_for(cupsd, queue)  # open_a4printer purges the kiosk's unfinished jobs
    cupsd.fault(queue, None)
    time.sleep(2.0)
    assert cupsd.printed(queue) == [] and cupsd.command("lpstat", "-o", queue).strip() == ""
    second.close()


def test_no_printing_system_is_a_fault_not_a_crash(tmp_path):
    health = HealthReporter()
    cfg = DeviceConfig(
        id="a4printer", kind="a4printer", backend="cups", options={"queue": "X", "server": str(tmp_path / "none.sock")}
    )
    printer = open_a4printer(cfg, health)
    assert health.latest()["a4printer"].state == "fault"
    with pytest.raises(A4PrinterUnavailable):
        printer.print_pdf(b"%PDF-1.7", "tx-none", 1)
    printer.close()


def test_cups_keeps_no_document_and_logs_nothing_of_the_citizen(cupsd, pdf_queue):
    queue, _ = pdf_queue
    doc = record()
    printer = printer_for(cupsd, queue)
    before = {p for p in (cupsd.workdir / "spool").rglob("*") if p.is_file()}
    printer.print_pdf(render_pdf(doc, HALL, NOW).pdf, "tx-cups-6", 1)
    assert printer.wait("tx-cups-6", timeout=60, until_waiting=False).state == "completed"
    time.sleep(0.5)
    assert cupsd.spooled_files() == []  # PreserveJobFiles No: the document is gone from the spool
    logs = "".join(p.read_text(errors="replace") for p in (cupsd.workdir / "log").glob("*"))
    for secret in (doc.holder_id_masked, doc.verification_code, "张", ZHANG.id_number):
        assert secret not in logs
    # files of this job (another test's cancelled job may have left a filter's temporary copy: see
    # docs/devices-a4printer.md, "What CUPS may keep", for the tmpfs that makes those vanish)
    files = [p for p in (cupsd.workdir / "spool").rglob("*") if p.is_file() and p not in before]
    assert all(p.name.startswith("c") for p in files), files  # a job's control record, no document
    spool = b"".join(p.read_bytes() for p in files)
    assert "张".encode() not in spool and doc.verification_code.encode() not in spool and b"%PDF" not in spool
    printer.close()
