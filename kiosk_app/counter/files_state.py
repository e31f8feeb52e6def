"""What the counter shows of materials on file (电子材料, issue 23 item 5), mixed into CounterState: the
ticket whose file it is, its pages (listing only: ids, titles, sizes), the last page's check on the
board and the hall server's verdict. Properties only; no I/O."""

from __future__ import annotations

from kivy.properties import BooleanProperty, DictProperty, ListProperty, ObjectProperty, OptionProperty, StringProperty


class CounterFilesState:
    files_ticket = DictProperty({})  # {"id", "number"}
    files_rows = ListProperty([])  # [{"id", "title", "text"}]
    files_camera = BooleanProperty(False)  # a document camera is attached to this counter
    files_scan = BooleanProperty(False)  # a scanner folder is configured
    files_check = StringProperty("")  # the board's measure of the last page: 清晰度, 页面边缘, 有字部分
    files_result = StringProperty("")  # 已存档 / 未存档：the hall server's sentence
    files_verdict = OptionProperty("", options=["", "working", "kept", "refused"])
    # a page opened for the operator: its texture, decoded in memory from the one-time download (never on disk)
    files_view = ObjectProperty(None, allownone=True)
    files_view_title = StringProperty("")
    files_view_size = ListProperty([])  # [width, height] of the page shown

    def open_files(self, ticket_id: str, number: str, has_camera: bool) -> None:
        if self.files_ticket.get("id") != ticket_id:
            self.files_rows = []
            self.files_check = self.files_result = ""
            self.files_verdict = ""
            self.close_file_view()
        self.files_ticket = {"id": ticket_id, "number": number}
        self.files_camera = has_camera

    def show_file(self, title: str, texture) -> None:
        self.files_view_title = title
        self.files_view = texture
        self.files_view_size = list(texture.size)

    def close_file_view(self) -> None:
        self.files_view = None
        self.files_view_title = ""
        self.files_view_size = []
