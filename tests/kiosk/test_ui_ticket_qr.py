"""The ticket's QR code when the site has a public URL (issue 18, docs/gateway.md): the kiosk shows the
citizen page's address {public_url}/t/{status_token} (the broker's `status_url`, also what it prints), and
scanning that address at a kiosk finds the ticket (cmd/ticket/view by its token)."""

from __future__ import annotations

import secrets

import pytest

from kiosk_app.kiosk.controller import STATUS_URL_RE, ticket_qr

from .conftest import kiosk_hall

pytestmark = pytest.mark.ui

PUBLIC = "https://hall.example.gov.cn/q"


def test_the_qr_code_holds_the_status_url_or_else_the_id():
    ticket = {"id": "20261127-A001", "status_token": "K1UGEANlDw4CDiOKrEBIoQ"}
    assert ticket_qr(ticket) == "20261127-A001"  # a site without public_url: the id, as before
    ticket["status_url"] = f"{PUBLIC}/t/{ticket['status_token']}"
    assert ticket_qr(ticket) == ticket["status_url"]
    assert STATUS_URL_RE.match(ticket["status_url"]).group(1) == ticket["status_token"]
    assert not STATUS_URL_RE.match("https://hall.example.gov.cn/q/t/short")
    assert not STATUS_URL_RE.match("20261127-A001")


def test_the_on_screen_qr_code_is_the_citizen_page_and_a_scan_of_it_finds_the_ticket(mosquitto, tmp_path, display):
    cv2 = pytest.importorskip("cv2")  # opencv-python is a dependency of the kiosk: always there in practice
    site = f"k-qr-{secrets.token_hex(3)}"
    with kiosk_hall(mosquitto.url, tmp_path, site, display, gateway={"public_url": PUBLIC}) as h:
        kiosk = h.kiosk
        kiosk.tap("home.item.zh-general")
        kiosk.tap("item.take")
        ticket = kiosk.wait_for(lambda s: s["ticket_phase"] == "shown")["ticket"]
        assert ticket["status_url"] == f"{PUBLIC}/t/{ticket['status_token']}"
        path = tmp_path / "ticket.png"
        kiosk.call("screenshot", path=str(path))
        text, _points, _ = cv2.QRCodeDetector().detectAndDecode(cv2.imread(str(path)))
        assert text == ticket["status_url"]
        kiosk.wait_for(lambda s: s["print_phase"] == "printed")
        kiosk.tap("ticket.done")
        kiosk.tap("home.lookup")
        kiosk.device("scanner", "type", text=text)
        st = kiosk.wait_for(lambda s: s["lookup_phase"] in ("shown", "not_found", "failed"))
        assert st["lookup_phase"] == "shown" and st["lookup"]["number"] == ticket["number"]
        assert ticket["number"] in kiosk.texts() and "等候中" in kiosk.texts()
        kiosk.call("call", method="go_home")
        kiosk.tap("home.lookup")
        kiosk.device("scanner", "type", text=f"{PUBLIC}/t/{'A' * 22}")  # well-formed, no such ticket
        kiosk.wait_for(lambda s: s["lookup_phase"] == "not_found")
