"""Materials on file at the counter terminal (电子材料, issue 23 item 5): a page taken by the counter's
document camera (the camera device's simulator, in its own process, playing a photographed A4 page; its
perspective-corrected capture), measured on screen (sharp? page edges?), checked again and kept by the
hall server, listed; an ID card from the scanner's folder refused with the broker's own sentence and
nothing kept, the scan deleted from the board. The real counter face (Xvfb), the real queue broker with
its materials door (HTTP on the loopback), a real Mosquitto. The pages are drawn, not photographed: there
is no camera on this machine (tests/materials/pages.py)."""

from __future__ import annotations

import cv2
import pytest
import yaml

from queue_broker.engine import events as ev
from queue_broker.materials.service import MaterialsService

from ..materials import pages
from .hall import write_site
from .harness import HallParts, log_in_counter, step

pytestmark = [pytest.mark.ui, pytest.mark.timeout(300)]

ID_CARD_SENTENCE = "这像是身份证（或同样大小的卡片）的照片：身份证由读卡器读取，照片不予留存"


def counter_with_camera(tmp_path, site_id: str):
    """The test hall with a document camera on counter W1 (its simulator plays one photographed page) and
    a scanner folder."""
    frames, scans = tmp_path / "frames", tmp_path / "scans"
    frames.mkdir()
    scans.mkdir()
    cv2.imwrite(str(frames / "001.png"), pages.photo_of(pages.text_page()))
    site = write_site(tmp_path, site_id, counter={"rating_on_screen": False, "scan_folder": str(scans)})
    raw = yaml.safe_load(site.read_text(encoding="utf-8"))
    counter = next(n for n in raw["nodes"] if n["id"] == "counter-W1")
    options = {"source": str(frames), "fps": 2, "motion": False, "faces": False, "qr": False}
    counter["devices"].append({"id": "camera", "kind": "camera", "backend": "simulator", "options": options})
    site.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return site, scans


def test_pages_captured_checked_attached_listed_and_an_id_card_refused(mosquitto, site_id, tmp_path):
    site, scans = counter_with_camera(tmp_path, site_id)
    with HallParts(mosquitto.url, site_id, tmp_path) as hall:
        broker = hall.broker(site)
        door = MaterialsService(broker.service, env={}).start()
        hall.on_close(door.stop)
        kiosk = hall.node("kiosk-1", "kiosk")
        watcher = hall.watch()
        ct = hall.screen("counter", site, "counter-W1", "counter")
        ct.connect()
        a001 = kiosk.issue()
        log_in_counter(ct)
        ct.tap("desk.call-next")
        ct.wait_for(lambda s: s["ticket"].get("number") == "A001", 10, "A001 called")

        with step("the materials screen of A001: nothing on file yet, the camera ready"):
            ct.tap("desk.files")
            ct.wait_for(lambda s: s["screen"] == "files", 5, "the materials screen")
            ct.wait_text("本号已存档材料（0 页）")
            ct.wait_for(lambda s: s["devices"].get("camera", {}).get("state") == "ready", 60, "the camera running")

        with step("高拍仪拍摄: straightened, measured on screen, kept by the hall server, listed"):
            ct.tap("files.capture")
            st = ct.wait_for(lambda s: s["files_verdict"] in ("kept", "refused"), 60, "the page's verdict")
            assert st["files_verdict"] == "kept", st["files_result"]
            assert "清晰度" in st["files_check"] and "（清晰）" in st["files_check"]
            assert "页面边缘：四角已找到并拉正" in st["files_check"]
            text = ct.wait_text("本号已存档材料（1 页）")
            assert "已存档：A001 第1页（高拍仪）" in text and "保存至" in text
            ct.screenshot("counter-files")
            (on_file,) = broker.engine.materials.values()
            assert on_file.owner == ("ticket", a001["id"]) and on_file.counter_id == "W1"
            assert broker.stored(ev.MATERIAL_ATTACHED)[0]["id"] == on_file.id
            assert len(list(door.vault.ids())) == 1

        with step("an ID card from the scanner: refused with the broker's sentence, nothing kept, scan deleted"):
            scan = scans / "scan-0001.png"
            scan.write_bytes(pages.png(pages.id_card_front(1200)))
            ct.tap("files.scan")
            st = ct.wait_for(lambda s: s["files_verdict"] == "refused", 30, "the ID card refused")
            assert st["files_result"] == "未存档：" + ID_CARD_SENTENCE
            assert "扫描件（整页）" in st["files_check"]
            text = ct.wait_text(ID_CARD_SENTENCE)
            assert "本号已存档材料（1 页）" in text
            assert not scan.exists()  # no copy of the citizen's card stays on the board
            assert len(broker.engine.materials) == 1 and len(broker.stored(ev.MATERIAL_ATTACHED)) == 1
            assert len(list(door.vault.ids())) == 1
            ct.screenshot("counter-files-refused")

        with step("the page viewed from memory, then removed as a wrong page: off the file and erased"):
            ct.tap("files.view.0")
            st = ct.wait_for(lambda s: s["files_view_size"], 30, "the page on screen")
            assert st["files_view_title"] == "A001 第1页（高拍仪）"
            assert st["files_view_size"] == [on_file.meta["width"], on_file.meta["height"]]
            ct.screenshot("counter-files-view")
            ct.tap("files.remove.0")
            ct.wait_text("已删除：A001 第1页（高拍仪）")
            st = ct.wait_for(lambda s: s["files_rows"] == [] and not s["files_view_size"], 10, "nothing on file")
            assert broker.engine.materials == {}
            (erased,) = broker.stored(ev.MATERIAL_ERASED)
            assert erased["id"] == on_file.id and erased["reason"] == "removed"
            ct.wait_for(lambda _s: list(door.vault.ids()) == [], 10, "the page's file deleted")

        with step("by reference only: no page and no one-time address on any topic but the counter's reply"):
            for topic, payload in watcher.payloads():
                assert b"PNG" not in payload and b"\xff\xd8" not in payload, topic
                if "/reply/" not in topic:
                    assert b"/materials/" not in payload, topic
        assert ct.state()["ui_errors"] == 0
