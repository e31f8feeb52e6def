"""The ticket: its number large, the queue, people ahead, the wait as a range, a QR code, and what
happened to the paper ticket. When the printer is out of paper, offline or fails midway, the
screen says so and asks the citizen to photograph the number and the QR code: the ticket is valid
either way (it exists in the broker the moment it is shown)."""

from __future__ import annotations

from ..controller import ticket_qr
from ..i18n import wait_text
from .base import KioskScreen, load_kv

load_kv(__file__)


class TicketScreen(KioskScreen):
    def on_kv_post(self, _base_widget) -> None:
        for prop in ("ticket", "ticket_phase", "print_phase", "print_error", "language", "ticket_note", "queues"):
            self.state.bind(**{prop: self.refresh})
        self.refresh(force=True)

    def update(self) -> None:
        s = self.state
        tk = s.ticket
        ids = self.ids
        if not tk:
            ids.number.text = ""
            ids.qr.data = ""
            return
        ids.number.text = tk["number"]
        service = self.ctl.ticket_service_line()
        queue = tk.get("queue_name") or ""
        ids.queue.text = f"{queue} · {service}" if service and service != queue else queue
        ahead = int(tk.get("waiting_ahead", 0))
        ids.ahead.text = self.tr("ahead_n", n=ahead) if ahead else self.tr("ahead_zero")
        q = s.queues.get(tk.get("queue_id", ""), {})
        if q and not q.get("counter_ids") and s.hall_open:
            ids.wait.text = self.tr("wait_unknown")
        else:
            low, high = tk.get("estimated_wait_range_s") or (tk["estimated_wait_s"], tk["estimated_wait_s"])
            ids.wait.text = self.tr("wait_about", wait=wait_text(low, high, s.language)) if ahead else ""
        ids.qr.data = ticket_qr(tk)  # the same as the printed ticket's
        phase = s.print_phase
        if phase == "printed":
            ids.print_status.kind, ids.print_status.text = "info", self.tr("printed")
        elif phase == "printing":
            ids.print_status.kind, ids.print_status.text = "info", self.tr("print_in_progress")
        elif phase == "failed":
            ids.print_status.kind, ids.print_status.text = "alert", self.tr("print_failed", reason=s.print_error)
        elif phase == "none":
            ids.print_status.kind, ids.print_status.text = "alert", self.tr("no_printer")
        else:
            ids.print_status.text = ""


SCREEN = TicketScreen
