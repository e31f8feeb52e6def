"""The gateway's notices (docs/gateway.md "Notices"): it keeps the address, the broker decides the moment.

- `POST .../notify` stores the address here first, then asks the broker (`cmd/ticket/notify`); a refusal
  erases it again.
- `event/come-now` (the broker's calibrated rule fired) claims the ticket's one notice as `come_now`;
  `event/called` claims it as `called` when the call came first. The sender sends it with retries.
- `event/finished`, `event/no-show`, a cancel, or a sweep that finds the ticket ended or gone erase the
  row: the phone number is kept only while the ticket lives. Appointments' contacts likewise.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

from queue_broker.config.models import SiteConfig

from ..hall import BrokerDown, HallDoor, Refused, cancel_task
from .backends import Backend, Notice, mask_address
from .sender import NoticeSender, send_once_with_retries
from .store import NoticeStore

log = logging.getLogger("gateway.notify")

SWEEP_S = 60.0
ENDED = ("done", "no_show", "cancelled", "handed_over")


class NoticeDesk:
    def __init__(self, config: SiteConfig, door: HallDoor, store: NoticeStore, backend: Backend, public_url: str):
        self.config = config
        self.door = door
        self.store = store
        self.backend = backend
        self.public_url = public_url
        n = config.gateway.notify
        self.templates = n.templates
        self.sender = NoticeSender(
            store, backend, retry_first_s=n.retry_first_s, retry_max=n.retry_max, params_of=self._params
        )
        self._params_by_ticket: dict[str, dict[str, str]] = {}
        self._service_names: dict[str, str] = {}  # the item's name, for the call's notice (no personal data)
        self._task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self.erased = 0

    def start(self) -> None:
        self.sender.start()
        self._task = asyncio.get_running_loop().create_task(self._sweeper(), name="notice-sweeper")

    async def stop(self) -> None:
        await self.sender.stop()
        await cancel_task(self._task)

    @staticmethod
    def notify_id(token: str) -> str:
        return "n_" + hashlib.sha256(b"notify:" + token.encode()).hexdigest()[:16]

    def _hall(self) -> str:
        return self.config.site.short_name or self.config.site.name

    def _params(self, ticket_id: str) -> dict[str, str]:
        return self._params_by_ticket.get(ticket_id, {})

    def _service_name(self, service_id: str) -> str:
        try:
            catalog = self.door.state("catalog")
        except BrokerDown:
            return service_id
        for s in catalog.get("services", []):
            if s.get("id") == service_id:
                return str(s.get("name") or service_id)
        return service_id

    # ------------------------------------------------------------ events from the hall
    def on_event(self, kind: str, body: dict[str, Any]) -> None:
        tid = str(body.get("ticket_id") or "")
        row = self.store.get(tid) if tid else None
        if row is None:
            return
        url = f"{self.public_url}/t/{row.token}" if self.public_url else ""
        if kind == "event/come-now" and row.kind is None:
            params = {
                "number": str(body.get("number", "")),
                "service": self._service_name(str(body.get("service_id", ""))),
                "hall": self._hall(),
                "minutes": str(max(row.travel_min, 1)),
                "url": url,
                "window": "",
            }
            self._claim(tid, "come_now", self.templates.come_now, params)
        elif kind == "event/called" and row.kind is None and body.get("recall", 0) == 0:
            number = body.get("counter_number")
            params = {
                "number": str(body.get("number", "")),
                "service": self._service_names.get(tid, ""),
                "hall": self._hall(),
                "window": f"{number}号窗口" if number is not None else str(body.get("counter_name", "")),
                "minutes": "",
                "url": url,
            }
            self._claim(tid, "called", self.templates.called, params)
        elif kind in ("event/finished", "event/no-show"):
            self.erase(tid)

    def _claim(self, ticket_id: str, kind: str, template: str, params: dict[str, str]) -> None:
        text = template.format_map(_Blank(params))
        if self.store.claim(ticket_id, kind, text):
            self._params_by_ticket[ticket_id] = params
            self.sender.wake()

    def erase(self, ticket_id: str) -> None:
        if self.store.erase(ticket_id):
            self.erased += 1
        self._params_by_ticket.pop(ticket_id, None)
        self._service_names.pop(ticket_id, None)

    # ------------------------------------------------------------ asking for a notice
    async def request(
        self, token: str, ticket_id: str, channel: str, address: str | None, travel_min: int
    ) -> dict[str, Any]:
        """Keep the address, then ask the broker; on a refusal or no answer the address goes again."""
        self.store.register(ticket_id, token, channel, address, travel_min)
        try:
            reply = await self.door.ask(
                self.door.topics.ticket_cmd("notify"),
                {"status_token": token, "travel_min": travel_min, "channel": channel},
            )
        except (BrokerDown, Refused):
            self.erase(ticket_id)
            raise
        ticket = reply.get("ticket") or {}
        self._service_names[ticket_id] = str(ticket.get("service_name") or "")
        notice = ticket.get("notice") or {}
        if notice.get("due_at"):  # due before the address came (or at once): send it now
            self.on_event(
                "event/come-now",
                {"ticket_id": ticket_id, "number": ticket.get("number"), "service_id": ticket.get("service_id")},
            )
        return ticket

    def keep_appointment(self, code: str, partner: str, phone: str, appointment: dict[str, Any]) -> None:
        self.store.keep_appointment_contact(code, partner, phone)
        params = {
            "hall": self._hall(),
            "service": self._service_name(str(appointment.get("service_id", ""))),
            "slot": str(appointment.get("slot_start", ""))[:16].replace("T", " "),
            "code": code,
        }
        text = self.templates.booked.format_map(_Blank(params))
        notice = Notice("booked", "sms", phone, text, params, code)
        n = self.config.gateway.notify
        task = asyncio.get_running_loop().create_task(
            send_once_with_retries(self.backend, notice, n.retry_first_s, n.retry_max)
        )
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        log.info("booking confirmation for %s to %s queued", code, mask_address(phone))

    # ------------------------------------------------------------ the sweep
    async def _sweeper(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_S)
            try:
                await self.sweep()
            except (BrokerDown, Refused) as exc:
                log.info("notice sweep postponed: %s", exc)

    async def sweep(self) -> int:
        """Erase the rows of tickets that ended or are no longer today's, and of appointments that ended."""
        before = self.erased
        rows = self.store.tickets()
        for i in range(0, len(rows), 200):
            chunk = rows[i : i + 200]
            reply = await self.door.ask(
                self.door.topics.ticket_cmd("view"), {"status_tokens": [tok for _, tok in chunk]}
            )
            views = reply.get("tickets") or {}
            for tid, tok in chunk:
                v = views.get(tok)
                if v is None or v.get("state") in ENDED:
                    self.erase(tid)
        for code, partner in self.store.appointment_contacts():
            try:
                reply = await self.door.ask(
                    self.door.topics.appointment_cmd("status"), {"code": code, "partner": partner}
                )
                status = (reply.get("appointment") or {}).get("status")
            except Refused as exc:
                status = "gone" if exc.code == "not_found" else None
            if status in ("cancelled", "checked_in", "missed", "gone"):
                if self.store.erase_appointment(code):
                    self.erased += 1
        return self.erased - before


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""
