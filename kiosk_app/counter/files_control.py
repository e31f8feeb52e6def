"""Materials on file at the counter (电子材料, issue 23 item 5), mixed into CounterController: a page is
taken by the counter's document camera (the camera device's straightened capture) or from the scanner's
folder (`screen.scan_folder`), measured on the board for the screen (sharp? edges?), then put on the
ticket's file through the broker (`cmd/counter/{c}/materials`: upload, the page over HTTP(S) to the
one-time address, attach; queue_broker/materials/client.py). Only ids and titles travel on MQTT. The
hall server checks the page again and its refusal (blank, blurred, an ID card...) is what the screen
says. The page's bytes live in memory and in /dev/shm only while being sent."""

from __future__ import annotations

from pathlib import Path

from .files_text import SOURCES, board_check, check_text, file_row
from .part import CounterPart

SCAN_SUFFIXES = (".png", ".jpg", ".jpeg")


class CounterFilesControl(CounterPart):
    def _files_cmd(self) -> str:
        return self._cmd("materials")

    def open_files(self) -> None:
        s = self.state
        if not self._signed_in() or not self._need_ticket():
            return
        s.open_files(s.ticket["id"], s.ticket.get("number", ""), has_camera=self._device("camera") is not None)
        s.files_scan = bool(self.settings.scan_folder)
        s.screen = "files"
        self.list_files()

    def list_files(self) -> None:
        s = self.state
        ticket_id = s.files_ticket.get("id")

        def ok(reply: dict) -> None:
            if s.files_ticket.get("id") == ticket_id:
                s.files_rows = [file_row(m, self.tz) for m in reply.get("materials") or []]

        self._send(
            self._files_cmd(), {"action": "list", "ticket_id": ticket_id}, action="files", doing="读取材料", on_ok=ok
        )

    def capture_file(self) -> None:
        """The page under the document camera."""
        camera = self._device("camera")
        if camera is None:
            self.state.say("本窗口没有高拍仪：请用扫描", "warn")
            return
        from queue_broker.materials.client import capture_page

        self._put_file(lambda: capture_page(camera), "camera", "高拍仪拍摄中……")

    def scan_file(self) -> None:
        """The newest page the scanner saved to its folder; the file is deleted once read."""
        folder = self.settings.scan_folder
        if not folder:
            self.state.say("本窗口未配置扫描文件夹", "warn")
            return

        def newest() -> bytes:
            pages = [p for p in Path(folder).iterdir() if p.suffix.lower() in SCAN_SUFFIXES]
            if not pages:
                raise FileNotFoundError("扫描文件夹里没有新的扫描件：请先在扫描仪上扫描")
            page = max(pages, key=lambda p: p.stat().st_mtime)
            try:
                return page.read_bytes()
            finally:
                page.unlink(missing_ok=True)  # no copy of a citizen's paper stays on the board

        self._put_file(newest, "scan", "读取扫描件……")

    def _put_file(self, take, source: str, doing: str) -> None:
        from queue_broker.materials.client import attach_page

        s = self.state
        if s.busy:
            return
        owner = {"ticket_id": s.files_ticket.get("id")}
        title = f"{s.files_ticket.get('number', '')} 第{len(s.files_rows) + 1}页（{SOURCES[source]}）"
        rules, topic, ca_file = self.config.materials, self._files_cmd(), self.config.mqtt.ca_file
        timeout = self.settings.request_timeout_s * 4

        def work() -> tuple[dict, dict]:
            data = take()
            check = board_check(data, rules, source)
            reply = attach_page(
                self.client.link.request,
                topic,
                owner,
                data,
                title=title,
                source=source,
                ca_file=ca_file,
                timeout=timeout,
            )
            return check, reply

        def done(result: tuple[dict, dict]) -> None:
            s.end()
            check, reply = result
            s.files_check = check_text(check)
            if reply.get("ok"):
                s.files_verdict = "kept"
                s.files_result = f"已存档：{reply['material'].get('title', '')}"
                s.say(s.files_result, "info")
                self.list_files()
            else:
                s.files_verdict = "refused"
                s.files_result = "未存档：" + ((reply.get("error") or {}).get("message") or "服务器拒绝")
                s.say(s.files_result, "alert")

        def failed(exc: Exception) -> None:
            s.end()
            s.files_verdict = "refused"
            s.files_check = ""
            s.files_result = f"未存档：{exc}"
            s.say(s.files_result, "alert")

        s.begin("files")
        s.files_verdict = "working"
        s.files_result = doing
        self.client.run_in_background(work, on_done=done, on_error=failed)

    def view_file(self, material_id: str) -> None:
        """The page on the operator's screen, fetched once through the door and decoded in memory."""
        from queue_broker.materials.client import fetch_page

        s = self.state
        if s.busy:
            return
        topic, ca_file, timeout = self._files_cmd(), self.config.mqtt.ca_file, self.settings.request_timeout_s * 4

        def done(got) -> None:
            s.end()
            if isinstance(got, dict):  # a refusal
                s.say("无法查看：" + ((got.get("error") or {}).get("message") or "服务器拒绝"), "alert")
                return
            data, material = got
            s.show_file(material.get("title", ""), page_texture(data))

        def failed(exc: Exception) -> None:
            s.end()
            s.say(f"无法查看：{exc}", "alert")

        s.begin("files")
        self.client.run_in_background(
            lambda: fetch_page(self.client.link.request, topic, material_id, ca_file=ca_file, timeout=timeout),
            on_done=done,
            on_error=failed,
        )

    def remove_file(self, material_id: str) -> None:
        """A wrong or duplicate page off the file, erased at once (the broker records who and why)."""
        s = self.state
        title = next((r["title"] for r in s.files_rows if r["id"] == material_id), "")

        def ok(reply: dict) -> None:
            s.close_file_view()
            s.say(f"已删除：{title}", "info")
            self.list_files()

        self._send(
            self._files_cmd(),
            {"action": "remove", "material_id": material_id, "reason": "窗口删除：错拍或重复"},
            action="files",
            key=f"remove:{material_id}",
            doing="删除材料",
            on_ok=ok,
        )


def page_texture(data: bytes):
    """A Kivy texture of a PNG or JPEG page, from memory (on the UI thread)."""
    from io import BytesIO

    from kivy.core.image import Image as CoreImage

    return CoreImage(BytesIO(data), ext="png" if data[:4] == b"\x89PNG" else "jpg").texture
