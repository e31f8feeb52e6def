"""24-hour self-service at the kiosk (issue 24), on a Friday night: ID card → 社保缴费记录打印 → the record from
the department's simulator → preview → printed on the kiosk's A4 printer through a real cupsd (cups-pdf),
the printed PDF read back; the audit record in the real broker's event log; and the failure paths: a card
that cannot be read, a citizen the department does not know, a department that times out, the printer out
of paper (a retry prints one copy), a citizen who walks away. Nothing printed twice, nothing kept."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest

from devices.a4printer.cupsd import CupsdProcess, available
from devices.idcard.cardtext import make_id_number
from devices.idcard.testcards import RESIDENT, make_card
from provisioning.cups import KIOSK_CUPSD_DIRECTIVES
from queue_broker.engine import events as ev
from queue_broker.security.identity import holder_hash
from tests.broker.conftest import Recorder
from tests.people import id_numbers_in, zhang_san_fields
from tests.selfservice.test_a4_cups import wait_printed
from tests.ui.hall import KIOSK_DEVICES
from tests.waiting import stays, wait_for

from .conftest import kiosk_hall
from .test_ui_after_hours import FRIDAY_NIGHT, HOURS

pytestmark = pytest.mark.ui

ZHANG_ID = make_id_number("411325", date(1990, 1, 1), "123")  # the test card zhang_san, 张三
SITE = HOURS | {
    "self_service": HOURS["self_service"]
    | {
        "records": [{"service_id": "sb-print", "document": "social_insurance_record", "department": "rsj"}],
        "departments": [
            {"id": "rsj", "name": "县人力资源和社会保障局", "backend": "simulator", "simulator": {"latency_s": 0.3}}
        ],
    }
}
SMALL = {"width": 720, "height": 1280, "diagonal_in": 14.3, "idle_timeout_s": 30}
# zhang_san's card, its text unreadable (a birth date that is no date): the reader reports the card, not itself
UNREADABLE_CARD = make_card("unreadable", RESIDENT, **zhang_san_fields(birth="19901301"))


@pytest.fixture(scope="module")
def cupsd():
    """A real cupsd configured as provisioning configures a kiosk's (no document, no job history kept),
    with cups-pdf queues whose printed PDFs the tests read back."""
    why = available()
    if why:
        pytest.skip(why)
    server = CupsdProcess(directives=KIOSK_CUPSD_DIRECTIVES).start()
    yield server
    server.cleanup()


@pytest.fixture
def pdf_queue(cupsd, request):
    name = "K" + str(abs(hash(request.node.nodeid)) % 10**9)
    out = cupsd.add_pdf_queue(name)
    yield name, out
    cupsd.fault(name, None)


def a4_devices(server, queue: str) -> list[dict]:
    a4 = {"queue": queue, "server": server.socket, "poll_s": 0.1}
    return KIOSK_DEVICES + [{"id": "a4printer", "kind": "a4printer", "backend": "cups", "options": a4}]


def ss(kiosk, step: str, timeout: float = 30.0, failure: str | None = None) -> dict:
    """The transaction's view once it is at `step`."""
    state = kiosk.wait_for(
        lambda s: s["selfservice"].get("step") == step and (failure is None or s["selfservice"]["failure"] == failure),
        timeout,
        f"self-service step {step}",
    )
    return state["selfservice"]


def a4_ready(kiosk) -> None:
    """The devices open in the background after the first frame: wait for the A4 printer's first health."""
    kiosk.wait_for(lambda s: s["devices"].get("a4printer", {}).get("state") == "ready", 20, "the A4 printer")


def start_transaction(kiosk) -> None:
    a4_ready(kiosk)
    kiosk.tap("home.item.sb-print")
    kiosk.tap("item.selfservice")
    ss(kiosk, "insert_card")


def printed_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def night_hall(mosquitto, tmp_path, site_id, display, devices: list[dict]):
    """The mini hall on a Friday night with the self-service record, and a kiosk with these devices."""
    return kiosk_hall(
        mosquitto.url, tmp_path, site_id, display, FRIDAY_NIGHT, site_overrides=SITE, kiosk=SMALL, kiosk_devices=devices
    )


def recorded(broker, n: int, timeout: float = 10.0) -> list[dict]:
    """The self-service records in the broker's event log (their data), once there are at least `n`."""

    def events() -> list[dict] | None:
        found = broker.stored(ev.SELF_SERVICE_RECORDED)
        return found if len(found) >= n else None

    return wait_for(events, timeout, f"{n} self-service records", step=0.1)


def test_night_card_preview_print_read_back_and_audit(mosquitto, tmp_path, site_id, display, cupsd, pdf_queue):
    queue, _out = pdf_queue
    with night_hall(mosquitto, tmp_path, site_id, display, a4_devices(cupsd, queue)) as h:
        kiosk = h.kiosk
        recorder = Recorder(mosquitto.url, site_id)  # everything published in the hall during the transaction
        st = kiosk.wait_for(lambda s: s["next_open_text"] == "11月30日（周一）08:30" and not s["hall_open"])
        assert st["self_service_open"] and not st["demo"]
        kiosk.screenshot("night-home")
        # the self-service item's page: its transaction, no queue, no counter, no grey 窗口已下班
        a4_ready(kiosk)
        kiosk.tap("home.item.sb-print")
        texts = kiosk.texts()
        assert "刷身份证 自助打印" in texts and not kiosk.can_tap("item.take")
        assert not any("前面等候" in t or "窗口已下班" in t or "窗口暂未开放" in t for t in texts), texts
        kiosk.tap("item.selfservice")
        view = ss(kiosk, "insert_card")
        assert view["message"] == "请将本人身份证放在读卡区"
        kiosk.device("idcard", "place", args=["zhang_san"])
        view = ss(kiosk, "preview")
        assert view["masked_name"] == "张*" and view["page"] == 1 and view["pages"] >= 2
        screen = kiosk.texts()
        assert "已刷身份证：张*" in screen, screen
        assert not any("张三" in t or ZHANG_ID in t for t in screen)
        first_page = view["page_lines"]
        kiosk.tap("ss.next_page")
        second = ss(kiosk, "preview")
        assert second["page"] == 2
        shown_lines = list(first_page) + list(second["page_lines"])
        kiosk.screenshot("selfservice-preview")
        kiosk.tap("ss.prev_page")
        assert ss(kiosk, "preview")["page_lines"] == first_page
        assert kiosk.state()["has_personal_data"]  # the transaction holds the card while it runs
        kiosk.tap("ss.print")
        kiosk.wait_for(lambda s: s["selfservice"].get("step") in ("printing", "printed"), 30, "printing")
        kiosk.screenshot("selfservice-printing")
        view = ss(kiosk, "printed", timeout=90)
        assert view["message"].startswith("打印完成，请取走") and view["sheets_done"] == view["sheets"] >= 1
        (pdf,) = wait_printed(cupsd, queue, 1)
        text = printed_text(pdf)
        assert "社会保险个人权益记录" in text and "姓名：张*" in text and "1号自助机" in text
        paper = "".join(text.split())
        for line in shown_lines:  # what the citizen checked on screen is what came out on paper
            if not line.startswith("【"):  # (the preview's section headings; the paper has table headers)
                assert line.split()[0] in paper, line
        assert any(line.startswith("2026") for line in shown_lines)  # the months' rows among them
        assert not id_numbers_in(text) and "张三" not in text
        kiosk.tap("ss.home")
        st = kiosk.wait_for(lambda s: s["screen"] == "home" and not s["selfservice"])
        assert st["has_personal_data"] is False
        assert not any("张*" in t for t in kiosk.texts())
        # the audit: one event, by keyed hash and item; no ticket was issued
        (event,) = recorded(h.broker, 1)
        assert event["service_id"] == "sb-print" and event["outcome"] == "printed"
        # the kiosk's keyed hash (the hall's self-service key; here made in the data folder, as without
        # provisioning): the ID number crossed no topic at all, the audit command included
        kiosk_key = (tmp_path / "data" / "selfservice-hash.key").read_bytes().strip()
        assert event["holder_hash"] == holder_hash(kiosk_key, ZHANG_ID)
        sent = recorder.wait_for("/cmd/selfservice/record")
        assert sent["holder_hash"] == event["holder_hash"] and "holder" not in sent
        assert not [t for t, body, _ in recorder.messages if ZHANG_ID in str(body) or "张三" in str(body)]
        recorder.stop()
        assert not list(h.broker.tickets())
        assert len(cupsd.printed(queue)) == 1
        assert "张三" not in kiosk.log() and ZHANG_ID not in kiosk.log()
        assert "self-service printing prewarmed" in kiosk.log()  # WeasyPrint loaded before the first citizen
        # the kiosk's CUPS kept nothing: no document in its spool, no record of the job
        assert cupsd.spooled_files() == []
        assert cupsd.command("lpstat", "-W", "completed", "-o", queue).strip() == ""


def test_failures_say_so_and_nothing_is_printed_twice(mosquitto, tmp_path, site_id, display, cupsd, pdf_queue):
    queue, _out = pdf_queue
    with night_hall(mosquitto, tmp_path, site_id, display, a4_devices(cupsd, queue)) as h:
        kiosk = h.kiosk
        # a card that cannot be read: a plain message, then the right card goes on
        start_transaction(kiosk)
        kiosk.device("idcard", "place", args=[UNREADABLE_CARD])
        view = ss(kiosk, "failed", failure="card")
        assert "没有读到身份证" in view["message"] and "retry" in view["actions"]
        # the department does not know the citizen: a plain message, home
        kiosk.call("department", service_id="sb-print", faults=["not_found"])
        kiosk.device("idcard", "place", args=["zhang_san"])
        view = ss(kiosk, "failed", failure="department")
        assert view["message"] == "没有查询到您的记录" and tuple(view["actions"]) == ("home", "help")
        kiosk.tap("ss.home")
        kiosk.wait_for(lambda s: s["screen"] == "home" and not s["selfservice"])
        kiosk.device("idcard", "remove")
        # the department times out, then answers on 再试一次
        kiosk.call("department", service_id="sb-print", faults=["timeout"])
        start_transaction(kiosk)
        kiosk.device("idcard", "place", args=["zhang_san"])
        view = ss(kiosk, "failed", failure="department")
        assert "超时" in view["message"]
        kiosk.tap("ss.retry")
        ss(kiosk, "preview")
        # the printer is out of paper: the job waits; 重试 sends nothing; paper loaded, one copy comes out
        cupsd.fault(queue, "media-empty")
        kiosk.tap("ss.print")
        view = ss(kiosk, "failed", failure="printer")
        assert "缺纸" in view["message"]
        kiosk.tap("ss.retry")  # the same job goes on: nothing new is sent
        assert cupsd.printed(queue) == []
        cupsd.fault(queue, None)
        ss(kiosk, "printed", timeout=90)
        wait_printed(cupsd, queue, 1)
        # a second copy (the job sent again by 重试) would come out right after the first: none does
        stays(lambda: len(cupsd.printed(queue)) == 1, 1.0, "one copy printed")
        kiosk.tap("ss.home")
        kiosk.wait_for(lambda s: s["screen"] == "home" and not s["selfservice"])
        kiosk.device("idcard", "remove")
        # abandoned halfway: the printer offline, the citizen leaves (返回首页): nothing comes out later
        start_transaction(kiosk)
        kiosk.device("idcard", "place", args=["zhang_san"])
        ss(kiosk, "preview")
        cupsd.fault(queue, "offline")
        kiosk.tap("ss.print")
        ss(kiosk, "failed", failure="printer")
        kiosk.tap("nav.home")
        st = kiosk.wait_for(lambda s: s["screen"] == "home" and not s["selfservice"])
        assert st["has_personal_data"] is False
        cupsd.fault(queue, None)
        # the printer back: the abandoned job, were it still queued, would come out now; it does not
        stays(lambda: len(cupsd.printed(queue)) == 1, 2.0, "only the one printed above")
        # the audit: every transaction that got an answer, by outcome
        outcomes = sorted(e["outcome"] for e in recorded(h.broker, 3))
        assert outcomes == ["not_found", "print_failed", "printed"], outcomes
        assert not list(h.broker.tickets())


def test_the_kiosk_follows_the_broker_hours_and_demo_and_the_elderly_preview(mosquitto, tmp_path, site_id, display):
    """The hours on screen are the broker's (state/queues' hall), not the kiosk's clock; 演示 while the broker
    runs a demonstration; the preview in elderly mode: larger type, fewer lines a page."""
    simulated_a4 = KIOSK_DEVICES + [{"id": "a4printer", "kind": "a4printer", "backend": "simulator", "options": {}}]
    with night_hall(mosquitto, tmp_path, site_id, display, simulated_a4) as h:
        kiosk = h.kiosk
        # the kiosk's clock says Friday 10:00 (its own reading of the hours: open); the broker says closed
        kiosk.call("set_clock", iso=FRIDAY_NIGHT.replace(hour=10).isoformat())
        st = kiosk.wait_for(lambda s: s["now_text"] == "10:00")
        assert st["hall_open"] is False and st["next_open_text"] == "11月30日（周一）08:30"
        kiosk.tap("home.item.bdc-transfer")
        texts = kiosk.texts()
        assert "暂停取号，11月30日（周一）08:30开始" in texts, texts  # the queue's wait, in the broker's words
        assert any("窗口已下班，下次开放：11月30日（周一）08:30" in t for t in texts)
        assert not any("前面等候" in t for t in texts) and not kiosk.can_tap("item.take")
        # elderly mode: the record in fewer, larger lines a page
        kiosk.tap("nav.home")
        assert any("24小时自助 · 不用排队" in t for t in kiosk.texts())  # the item's tile counts no queue
        a4_ready(kiosk)
        kiosk.tap("home.item.sb-print")
        kiosk.tap("header.elderly")
        kiosk.tap("item.selfservice")
        kiosk.device("idcard", "place", args=["zhang_san"])
        view = ss(kiosk, "preview")
        assert len(view["page_lines"]) <= 6 and view["pages"] >= 4
        kiosk.screenshot("selfservice-preview-elderly")
        kiosk.tap("ss.cancel")
        kiosk.wait_for(lambda s: s["screen"] == "home" and not s["selfservice"])
        # a demonstration (up --open-now): every queue open, 演示 in the header
        service = h.broker.service
        service.demo = service.engine.demo = "open_now"
        st = kiosk.wait_for(lambda s: s["demo"] and s["hall_open"], 20, "the broker's demo mark")
        assert "演示" in kiosk.texts()
