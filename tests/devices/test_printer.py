"""Ticket printer: golden bytes of the layouts, the Chinese-text path, and TicketPrinter over its backends."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from escpos.printer import Dummy

from devices.health import HealthReporter
from devices.printer import (
    NoticeMaterial,
    NoticePrint,
    PrinterError,
    PrinterNotReady,
    PrinterProfile,
    PrinterUnavailable,
    PrintIncomplete,
    TicketPrint,
    open_printer,
    render_notice_bytes,
    render_ticket_bytes,
    sample_ticket,
)
from devices.printer.simulator import PtyPrinter, StreamFeeder
from devices.printer.writer import FS_CHINESE_OFF, FS_CHINESE_ON, EscposWriter
from devices.serialport import DeviceOptionsError
from queue_broker.config.models import DeviceConfig
from queue_broker.protocol import Material

from .conftest import HealthSink, assert_options_refused

GB = "gb18030"
FULL_FONT = PrinterProfile(font_charset="gb18030")


ISSUED_AT = datetime(2026, 11, 27, 1, 30, tzinfo=UTC)  # 09:30 in Asia/Shanghai


def ticket(**changes) -> TicketPrint:
    """The printer's own sample ticket, issued at ISSUED_AT, with `changes`."""
    return replace(sample_ticket(ISSUED_AT), **changes)


def chinese(text: str, encoding: str = GB) -> bytes:
    return FS_CHINESE_ON + text.encode(encoding) + FS_CHINESE_OFF


def chinese_segments(data: bytes) -> list[bytes]:
    """The byte runs between FS & and FS ., checking they pair up and never nest."""
    out, pos = [], 0
    while (start := data.find(FS_CHINESE_ON, pos)) >= 0:
        end = data.find(FS_CHINESE_OFF, start)
        assert end > 0, "FS & without FS ."
        assert data.find(FS_CHINESE_ON, start + 2, end) < 0, "nested FS &"
        out.append(data[start + 2 : end])
        pos = end + 2
    return out


# --- golden bytes of the ticket -------------------------------------------------------------
def test_ticket_golden_bytes():
    data = render_ticket_bytes(ticket(), FULL_FONT)
    assert data.startswith(b"\x1b@")  # ESC @ first
    segments = chinese_segments(data)
    assert "综合受理".encode(GB) in segments  # the queue name, in Chinese mode
    assert "办理事项：不动产登记：转移登记".encode(GB) in segments  # the item name, in Chinese mode
    assert chinese("内乡县政务服务中心") in data
    # the number, double width and height (GS ! 11), then back to normal (GS ! 00)
    assert b"\x1d!\x11A001\n\x1d!\x00" in data
    assert chinese("预计等候：约 12–20 分钟") + b"\n" in data
    assert chinese("前面等候：5 人") in data
    assert chinese("取号时间：2026-11-27 09:30") in data  # 01:30 UTC is 09:30 in Asia/Shanghai
    # native QR: GS ( k, store the ticket id (fn 80 = 'P'), then print it (fn 81 = 'Q')
    store = b"\x1d(k" + (len("T-SAMPLE-A001") + 3).to_bytes(2, "little") + b"1P0T-SAMPLE-A001"
    assert store in data
    assert data.index(store) < data.index(b"\x1d(k\x03\x001Q0")
    assert chinese("・身份证原件") in data and chinese("・不动产权证书") in data
    # a partial cut (GS V 1) after a feed, and nothing after it
    assert data.endswith(b"\x1bd\x06\x1dV\x01")
    # nothing non-ASCII outside Chinese mode but the QR payload (ASCII here): no raw UTF-8 leaked
    outside = data
    for seg in segments:
        outside = outside.replace(seg, b"")
    assert all(b < 0x80 for b in outside)


def test_sample_ticket_renders():
    data = render_ticket_bytes(sample_ticket())
    assert data.startswith(b"\x1b@") and data.endswith(b"\x1dV\x01")


def test_full_cut_profile():
    data = render_ticket_bytes(ticket(), PrinterProfile(font_charset="gb18030", cut="full"))
    assert data.endswith(b"\x1dV\x00")


def writer(profile: PrinterProfile = FULL_FONT) -> tuple[Dummy, EscposWriter]:
    """A writer after ESC @, with the output emptied: what follows is one primitive's bytes."""
    d = Dummy()
    w = EscposWriter(d, profile)
    w.initialize()
    d.clear()
    return d, w


def test_fullwidth_punctuation_alone_is_gb18030_not_question_marks():
    d, w = writer()
    w.text("：，。！")
    assert d.output == b"\x1c&" + "：，。！".encode(GB) + b"\x1c.\n"
    assert b"?" not in d.output


def test_gbk_profile_sends_gbk():
    d, w = writer(PrinterProfile(encoding="gbk", font_charset="gbk"))
    w.text("王喆")
    assert d.output == chinese("王喆", "gbk") + b"\n"


def test_ascii_line_is_plain_and_wrapped():
    d, w = writer(PrinterProfile(paper_width_mm=58))
    w.text("X" * 40)
    assert d.output == b"X" * 32 + b"\n" + b"X" * 8 + b"\n"


def test_chinese_lines_wrap_at_full_width_columns():
    d, w = writer(PrinterProfile(paper_width_mm=58))
    w.text("办" * 20)  # 32 columns = 16 characters
    assert d.output == chinese("办" * 16) + b"\n" + chinese("办" * 4) + b"\n"


def test_control_characters_in_text_are_not_sent():
    d, w = writer()
    w.text("综合\x1b@受理\x1dV\x00")
    assert d.output == chinese("综合@受理V") + b"\n"


# --- characters the font lacks --------------------------------------------------------------
def test_character_outside_gb2312_prints_as_image():
    profile = PrinterProfile(font_charset="gb2312")
    data = render_ticket_bytes(ticket(queue_name="王喆专窗"), profile)
    assert "喆".encode(GB) not in data
    assert b"\x1dv0" in data  # GS v 0 raster image of that line
    assert chinese("办理事项：不动产登记：转移登记") in data  # other lines stay text


def test_four_byte_gb18030_character():
    rare = "𠀀"  # U+20000, a 4-byte GB18030 code
    d, w = writer(PrinterProfile(encoding="gb18030", font_charset="gb18030"))
    w.text(f"姓名：{rare}")
    assert d.output == chinese(f"姓名：{rare}") + b"\n"
    d, w = writer(PrinterProfile(encoding="gbk", font_charset="gbk"))
    w.text(f"姓名：{rare}")
    assert d.output.startswith(b"\x1dv0")  # not in GBK: an image


def test_missing_fallback_font_falls_back_to_a_placeholder_glyph():
    d, w = writer(PrinterProfile(fallback_font="/nonexistent.ttf"))
    w.text("王喆")
    assert d.output == chinese("王□", GB) + b"\n"


def test_wait_range_wording():
    from devices.printer.layout import wait_text

    assert wait_text(12, 20) == "约 12–20 分钟"
    assert wait_text(20, 12) == "约 12–20 分钟"
    assert wait_text(5, 5) == "约 5 分钟"
    assert wait_text(0, 0) == "即将叫号"


# --- one-time notification list -------------------------------------------------------------
def test_notice_golden_bytes():
    notice = NoticePrint(
        hall_name="内乡县政务服务中心",
        service_name="个体工商户设立登记",
        missing_materials=[
            Material(name="经营场所使用证明", originals=1, copies=1),
            NoticeMaterial(name="负责人身份证", copies=2, note="正反面复印在同一页"),
        ],
        counter_name="3号窗口 综合受理",
        issued_on=date(2026, 11, 27),
        deadline_note="请于15个工作日内补齐材料，逾期需重新申请。",
        ticket_number="A012",
        contact="0377-12345678",
    )
    data = render_notice_bytes(notice, FULL_FONT)
    assert b"\x1d!\x11" + chinese("一次性告知单") in data
    assert chinese("办理事项：个体工商户设立登记") in data
    assert chinese("1. 经营场所使用证明（原件1份，复印件1份）") in data
    assert chinese("2. 负责人身份证（复印件2份）：正反面复印在同一页") in data
    assert chinese("受理窗口：3号窗口 综合受理") in data
    assert chinese("告知日期：2026年11月27日") in data
    assert chinese("排队号码：A012") in data
    assert data.endswith(b"\x1dV\x01")


# --- TicketPrinter with the simulator ------------------------------------------------------
def sim_printer(**options):
    sink = HealthSink()
    cfg = DeviceConfig(id="kiosk-1-printer", kind="printer", backend="simulator", options=options)
    return open_printer(cfg, HealthReporter(sink)), sink


def test_prints_the_rendered_ticket():
    printer, sink = sim_printer(profile={"font_charset": "gb18030"})
    assert sink.last == ("ready", "打印机就绪")
    printer.print_ticket(ticket())
    sim = printer.simulator
    assert bytes(sim.printed) == render_ticket_bytes(ticket(), FULL_FONT)
    assert sim.cuts == 1
    assert sim.status_queries[:4] == [1, 2, 3, 4]
    printer.close()


def test_print_notice():
    printer, _ = sim_printer()
    printer.print_notice(NoticePrint("大厅", "事项", [NoticeMaterial("材料")], "1号窗口", date(2026, 1, 5), "请补齐"))
    assert printer.simulator.cuts == 1


@pytest.mark.parametrize(
    ("flag", "words"),
    [("paper_out", "缺纸"), ("cover_open", "盖"), ("cutter_error", "切刀"), ("offline", "离线")],
)
def test_printer_not_ready_refuses_and_prints_nothing(flag, words):
    printer, sink = sim_printer(**{flag: True})
    assert sink.last[0] == "fault" and words in sink.last[1]
    with pytest.raises(PrinterNotReady) as e:
        printer.print_ticket(ticket())
    assert words in str(e.value)
    assert isinstance(e.value, PrinterError)
    assert printer.simulator.printed == b""


def test_paper_near_end_prints_and_is_degraded():
    printer, sink = sim_printer(paper_near_end=True)
    printer.print_ticket(ticket())
    assert printer.simulator.cuts == 1
    assert sink.last[0] == "degraded" and "纸将用尽" in sink.last[1]


def test_silent_printer_is_unavailable_not_paper_adequate():
    printer, sink = sim_printer(silent=True, status_timeout_s=0.05)
    status = printer.status()
    assert not status.answered and status.paper == "unknown"
    assert sink.last[0] == "fault" and "无应答" in sink.last[1]
    with pytest.raises(PrinterUnavailable):
        printer.print_ticket(ticket())
    assert printer.simulator.status_queries == [1, 1, 1]  # a silent printer is asked only DLE EOT 1


def test_paper_running_out_midway_raises_print_incomplete():
    printer, sink = sim_printer(paper_runs_out_after_bytes=300)
    with pytest.raises(PrintIncomplete) as e:
        printer.print_ticket(ticket())
    assert e.value.partial and "缺纸" in str(e.value)
    assert printer.simulator.cuts == 0
    assert sink.last[0] == "fault"


def test_connection_lost_midway_raises_print_incomplete():
    printer, sink = sim_printer(retry_initial_s=0.05)
    sim = printer.simulator
    write = sim.write

    def unplug_on_big_write(data):
        if len(data) > 100:
            sim.disconnect()
        write(data)

    sim.write = unplug_on_big_write
    with pytest.raises(PrintIncomplete):
        printer.print_ticket(ticket())
    assert sink.last == ("fault", "打印机连接断开，正在重试")


def test_vanished_printer_is_retried_with_backoff():
    printer, sink = sim_printer(retry_initial_s=0.05)
    sim = printer.simulator
    sim.disconnect()
    assert not printer.status().answered  # the write of the query fails: link dropped
    assert sink.last[0] == "fault"
    with pytest.raises(PrinterUnavailable):
        printer.print_ticket(ticket())
    sim.reconnect()
    time.sleep(0.3)  # past the back-off
    assert printer.status().answered
    assert sink.last == ("ready", "打印机就绪")
    printer.print_ticket(ticket())
    assert sim.cuts == 1


# --- the other backends --------------------------------------------------------------------
def test_file_backend_writes_bytes_and_reports_unknown(tmp_path):
    out = tmp_path / "lp0"
    sink = HealthSink()
    cfg = DeviceConfig(id="p", kind="printer", backend="file", options={"path": str(out)})
    printer = open_printer(cfg, HealthReporter(sink))
    assert sink.last[0] == "unknown"
    printer.print_ticket(ticket())
    printer.close()
    assert out.read_bytes() == render_ticket_bytes(ticket())


def test_serial_backend_over_a_pty():
    pty = PtyPrinter().start()
    try:
        sink = HealthSink()
        cfg = DeviceConfig(
            id="p",
            kind="printer",
            backend="serial",
            options={"port": pty.port, "baudrate": 115200, "status_timeout_s": 0.3},
        )
        printer = open_printer(cfg, HealthReporter(sink))
        assert sink.last == ("ready", "打印机就绪")
        printer.print_ticket(ticket())
        deadline = time.monotonic() + 2
        while pty.printer.cuts < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert pty.printer.cuts == 1
        assert render_ticket_bytes(ticket()) in bytes(pty.printer.printed)
        pty.printer.cover_open = True
        with pytest.raises(PrinterNotReady):
            printer.print_ticket(ticket())
        pty.vanish()
        assert not printer.status().answered
        assert sink.last[0] == "fault"
        printer.close()
    finally:
        pty.stop()


def test_network_backend():
    from devices.printer import PrinterSimulator

    sim = PrinterSimulator(paper_near_end=True)
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve():
        conn, _ = server.accept()
        feeder = StreamFeeder(sim)
        with conn:
            while data := conn.recv(4096):
                if reply := feeder.feed(data):
                    conn.sendall(reply)

    threading.Thread(target=serve, daemon=True).start()
    try:
        sink = HealthSink()
        cfg = DeviceConfig(
            id="p",
            kind="printer",
            backend="network",
            options={"host": "127.0.0.1", "port": port, "status_timeout_s": 0.5},
        )
        printer = open_printer(cfg, HealthReporter(sink))
        assert sink.last[0] == "degraded"
        printer.print_ticket(ticket())
        printer.close()
        deadline = time.monotonic() + 2
        while sim.cuts < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sim.cuts == 1
    finally:
        server.close()


def test_missing_serial_port_is_a_fault_not_a_crash():
    sink = HealthSink()
    cfg = DeviceConfig(id="p", kind="printer", backend="serial", options={"port": "/dev/nonexistent-tty"})
    printer = open_printer(cfg, HealthReporter(sink))
    assert sink.last[0] == "fault" and "未连接" in sink.last[1]
    with pytest.raises(PrinterUnavailable):
        printer.print_ticket(ticket())


# --- options ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("backend", "options", "message"),
    [
        ("serial", {"port": "x", "baud": 9600}, "baud"),  # an unknown option
        ("bluetooth", {}, "bluetooth"),  # an unknown backend
    ],
)
def test_bad_options_are_refused_naming_the_device(backend, options, message):
    cfg = DeviceConfig(id="kiosk-3-printer", kind="printer", backend=backend, options=options)
    assert_options_refused(open_printer, cfg, DeviceOptionsError, message)


def test_usb_ids_accept_hex_strings():
    from devices.printer.config import printer_options

    cfg = DeviceConfig(id="p", kind="printer", backend="usb", options={"vendor_id": "0x0416", "product_id": "5011"})
    opts = printer_options(cfg)
    assert (opts.vendor_id, opts.product_id) == (0x0416, 0x5011)


def test_guide_materials_list_golden_bytes():
    from datetime import date

    from devices.printer import GuidePrint, render_guide_bytes

    data = render_guide_bytes(
        GuidePrint(
            hall_name="内乡县行政审批服务中心",
            item_name="不动产转移登记",
            lines=["不动产权证书 原件1份", "身份证 原件1份、复印件1份"],
            printed_on=date(2026, 11, 27),
            where="二楼 17–19号窗口",
        )
    )
    assert data.startswith(b"\x1b\x40")  # initialise
    for text in ("办事材料清单", "不动产转移登记", "1. 不动产权证书 原件1份", "2026年11月27日"):
        assert text.encode("gb18030") in data, text
    assert data.count(b"\x1c\x26") == data.count(b"\x1c\x2e") >= 4  # every Chinese line inside Chinese mode
    assert data.rstrip(b"\x00").endswith(b"\x1d\x56\x00") or b"\x1d\x56" in data[-8:]  # the cut
