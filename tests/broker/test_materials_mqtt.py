"""Materials on file through the real queue broker, the real Mosquitto and the broker's materials door
(HTTP on the loopback; HTTPS with a certificate of the hall's own CA): pages attached to a ticket by
reference, listed and opened at the counter, blank/blurred/ID-card/40 MB pages refused plainly with
nothing kept, never on a topic or in a log, encrypted on disk, and erased after the retention period on
the injected clock."""

from __future__ import annotations

import logging
import socket
from datetime import timedelta
from pathlib import Path

import pytest

from provisioning.pki import issue_server_cert, load_or_make_ca
from queue_broker.materials.client import attach_page, fetch_page, put_page
from queue_broker.materials.service import MaterialsService
from tests.waiting import wait_for

from ..materials import pages


@pytest.fixture
def door(hall):
    hall.service.config.materials.listen = "127.0.0.1:0"
    materials = MaterialsService(hall.service, env={}).start()
    yield materials
    materials.stop()


def _request(node):
    return lambda topic, payload, timeout: node.link.request(topic, payload, timeout)


def _files(door) -> list[str]:
    return sorted(door.vault.ids())


def test_pages_on_file_listed_opened_refused_and_erased(hall, kiosk, desk, recorder, door, caplog):
    caplog.set_level(logging.DEBUG)
    clock = hall.clock
    desk.counter("W1", "open", operator_id="demo", pin="123456")
    t1 = kiosk.issue()["ticket"]
    desk.counter("W1", "call-next")
    topic = desk.t.counter_cmd("W1", "materials")
    owner = {"ticket_id": t1["id"]}
    page = pages.png(pages.text_page())
    ok = attach_page(_request(desk), topic, owner, page, title="户口簿 第1页", source="scan")
    assert ok["ok"], ok
    material = ok["material"]
    assert material["ticket_id"] == t1["id"] and material["title"] == "户口簿 第1页" and material["format"] == "png"
    retention = hall.service.config.materials.retention_days
    assert material["expires_at"] == (clock() + timedelta(days=retention)).isoformat()
    listed = desk.send(topic, action="list", ticket_id=t1["id"])
    assert [m["id"] for m in listed["materials"]] == [material["id"]]
    got = fetch_page(_request(desk), topic, material["id"])
    assert isinstance(got, tuple) and got[0] == page  # the page comes back whole, for the counter's screen
    # on disk: ciphertext only
    raw = door.vault.path(material["id"]).read_bytes()
    # the PNG signature, 8 bytes (three letters alone turn up in random ciphertext about 1 run in 300)
    assert page.startswith(b"\x89PNG\r\n\x1a\n") and b"\x89PNG\r\n\x1a\n" not in raw and page[200:260] not in raw

    n_events, n_files = sum(1 for _ in hall.service.store.iter_events()), len(_files(door))
    for bad, code, words in (
        (pages.png(pages.blank_page()), "blank", "空白页"),
        (pages.png(pages.blurred(pages.text_page(), 4)), "blurred", "模糊"),
        (pages.png(pages.id_card_front(1200)), "id_card", "身份证"),
    ):
        refusal = attach_page(_request(desk), topic, owner, bad, source="camera")
        assert refusal == {"ok": False, "error": {"code": code, "message": refusal["error"]["message"]}}
        assert words in refusal["error"]["message"]
    # 40 MB: the board refuses it before sending, and the door refuses it unread
    big = b"\xff\xd8" + b"\0" * (40 * 1024 * 1024)
    assert attach_page(_request(desk), topic, owner, big)["error"]["code"] == "too_large"
    upload = desk.send(topic, action="upload", ticket_id=t1["id"], source="camera")["upload"]
    host, port = upload["url"].split("//")[1].split("/")[0].split(":")
    path = "/" + upload["url"].split("/", 3)[3]
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(f"PUT {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(big)}\r\n\r\n".encode())
        chunks = []
        while chunk := s.recv(4096):  # the door answers and closes without reading the 40 MB
            chunks.append(chunk)
        answer = b"".join(chunks).decode("utf-8", "replace")
    assert answer.startswith("HTTP/1.1 413") and "文件过大（41.9 MB）" in answer
    assert sum(1 for _ in hall.service.store.iter_events()) == n_events and len(_files(door)) == n_files
    # a used or made-up address, another counter, an attach without an upload
    assert put_page(upload["url"].rsplit("/", 1)[0] + "/made-up", page)["error"]["code"] == "not_found"
    other = hall.node("counter-W2", "counter")
    peek = other.send(other.t.counter_cmd("W2", "materials"), action="list", ticket_id=t1["id"])
    assert peek["error"]["code"] == "forbidden"
    forged = desk.send(topic, action="attach", ticket_id=t1["id"], material_id="abcdefghijkl", title="x")
    assert forged["error"]["code"] == "not_found"

    # a kiosk attaches to a waiting ticket it issued, and only that
    t2 = kiosk.issue()["ticket"]
    kt = kiosk.t.ticket_cmd("materials")
    mine = attach_page(_request(kiosk), kt, {"kiosk_id": "kiosk-1", "ticket_id": t2["id"]}, page, source="camera")
    assert mine["ok"] and mine["material"]["ticket_id"] == t2["id"]
    assert kiosk.send(kt, action="upload", kiosk_id="kiosk-1", ticket_id=t1["id"])["error"]["code"] == "forbidden"
    assert kiosk.send(kt, action="open", kiosk_id="kiosk-1", material_id=material["id"])["error"]["code"] == "forbidden"

    # never on a topic (other than the node's own one-time address), never in a log
    for t, body, _ in recorder.messages:
        text = str(body)
        assert "PNG" not in text and len(text) < 20_000, t
        if "/reply/" not in t:
            assert "/materials/" not in text, t
    log_text = "\n".join(r.getMessage() for r in caplog.records)
    assert upload["url"].rsplit("/", 1)[1] not in log_text and "/materials/upload/" not in log_text

    # retention: erased at the limit (the injected clock), its file deleted at the next tick
    clock.advance(days=retention, seconds=1)
    # the day changes with it, so that tick also does the day's housekeeping: slow on a busy machine
    wait_for(lambda: material["id"] not in hall.service.engine.materials, 15, "the page erased on the broker")
    wait_for(lambda: material["id"] not in _files(door), 15, "the page's file deleted")
    assert not hall.service.engine.materials_by_owner  # nothing of either ticket is on file
    later = desk.send(topic, action="list", ticket_id=t1["id"])  # an earlier day's ticket: said plainly
    assert later["error"]["code"] == "conflict" and "取号当天" in later["error"]["message"]
    types = [row.event.type for row in hall.service.store.iter_events()]
    assert types.count("material_attached") == 2 and types.count("material_erased") == 2
    # and a restart knows nothing of them
    hall.stop_broker()
    hall.start()
    assert not hall.service.engine.materials


def test_remove_at_the_counter_and_a_tls_door(hall, kiosk, desk, tmp_path):
    ca, _ = load_or_make_ca(tmp_path / "ca", hall.site)
    cert, key = tmp_path / "server.crt", tmp_path / "server.key"
    issue_server_cert(ca, hall.site, ["127.0.0.1"], cert, key)
    rules = hall.service.config.materials
    rules.listen, rules.tls_cert, rules.tls_key = "127.0.0.1:0", str(cert), str(key)
    door = MaterialsService(hall.service, env={}).start()
    try:
        desk.counter("W1", "open", operator_id="demo", pin="123456")
        t = kiosk.issue()["ticket"]
        desk.counter("W1", "call-next")
        topic = desk.t.counter_cmd("W1", "materials")
        request = _request(desk)
        ca_file = str(tmp_path / "ca" / "ca.crt")
        done = attach_page(request, topic, {"ticket_id": t["id"]}, pages.jpeg(pages.text_page()), ca_file=ca_file)
        assert done["ok"] and done["material"]["format"] == "jpeg"
        no_ca = attach_page(request, topic, {"ticket_id": t["id"]}, pages.jpeg(pages.text_page()))
        assert no_ca["error"]["code"] == "unavailable" and "CERTIFICATE_VERIFY_FAILED" in no_ca["error"]["message"]
        mid = done["material"]["id"]
        assert desk.send(topic, action="remove", material_id=mid, reason="拍错了")["ok"]
        wait_for(lambda: mid not in door.vault.ids())
        assert desk.send(topic, action="list", ticket_id=t["id"])["materials"] == []
        # the upload that failed its TLS check left nothing staged or on disk beyond the sweep's grace
        assert len(list(door.vault.ids())) == 0
        assert Path(hall.service.config.data_dir, "materials.key").stat().st_mode & 0o777 == 0o600
    finally:
        door.stop()
