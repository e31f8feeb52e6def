"""Where is my ticket: scan the QR code of the paper ticket (or of the photo of the screen) and see
its state, the people ahead and the wait now (cmd/ticket/status)."""

from __future__ import annotations

from ..i18n import wait_text
from .base import KioskScreen, load_kv

load_kv(__file__.replace("lookup.py", "appointment.py"))  # its ScannerPicture, drawn here too
load_kv(__file__)


class LookupScreen(KioskScreen):
    def on_kv_post(self, _base_widget) -> None:
        for prop in ("lookup", "lookup_phase", "language", "counters"):
            self.state.bind(**{prop: self.refresh})

    def update(self) -> None:
        tk = self.state.lookup
        ids = self.ids
        if not tk:
            ids.number.text = ids.status.text = ids.ahead.text = ""
            return
        ids.number.text = tk.get("number", "")
        ids.status.text = self.ctl.lookup_state_line()
        if tk.get("state") == "waiting":
            ahead = int(tk.get("waiting_ahead", 0))
            low, high = tk.get("estimated_wait_range_s") or (tk.get("estimated_wait_s", 0),) * 2
            ids.ahead.text = (
                (
                    self.tr("ahead_n", n=ahead)
                    + "，"
                    + self.tr("wait_about", wait=wait_text(low, high, self.state.language))
                )
                if ahead
                else self.tr("ahead_zero")
            )
        else:
            ids.ahead.text = ""


SCREEN = LookupScreen
