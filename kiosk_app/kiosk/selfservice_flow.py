"""The kiosk's 24-hour self-service transaction (issue 24): ID card → the department's record → preview →
A4 print → end, wiped. No ticket, no queue.

The transaction itself is `selfservice.session.SelfServiceSession` (pure) carried out by
`selfservice.runner.SessionRunner` (department and printer on worker threads, results back on Kivy's UI
thread through `ui_call`). This module starts one per citizen, hands it the card, the buttons and the
clock's ticks, and puts its view on the state (`state.selfservice`, a dict of `SessionView`'s fields: the
masked name and the record's preview lines, never the ID number or the full name). When the session
ends, however it ends, the runner, the session and the view are dropped and the kiosk goes home.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Callable
from datetime import datetime

from queue_broker.config.models import NodeEntry, SiteConfig
from queue_broker.config.selfservice import RecordItem
from queue_broker.protocol import Holder
from queue_broker.service.keys import load_selfservice_hash_key
from selfservice.adapter import DepartmentAdapter, open_department
from selfservice.runner import SessionRunner, mqtt_record_sender
from selfservice.session import ENDED, SelfServiceSession, SessionSettings, SessionView

from .state import KioskState

log = logging.getLogger(__name__)

# lines of the record on one screen page: a table row may wrap to two lines on a 720 px wide kiosk
PREVIEW_LINES = 12
PREVIEW_LINES_ELDERLY = 6  # larger type: fewer lines


class SelfServiceFlow:
    """One self-service transaction at a time. `ui_call(fn, *args)` runs fn on the UI thread; `on_end` is
    called (on the UI thread) when a session has ended and been wiped."""

    def __init__(
        self,
        config: SiteConfig,
        node: NodeEntry,
        state: KioskState,
        *,
        clock: Callable[[], datetime],
        ui_call: Callable[..., None],
        client,
        hardware_fn: Callable[[], object],
        kiosk_name: str,
        hall_name_fn: Callable[[], str],
        idle_timeout_fn: Callable[[], float],
        on_end: Callable[[], None],
    ):
        self.config = config
        self.node = node
        self.state = state
        self.clock = clock
        self.ui_call = ui_call
        self.client = client
        self.hardware_fn = hardware_fn
        self.kiosk_name = kiosk_name
        self.hall_name_fn = hall_name_fn
        self.idle_timeout_fn = idle_timeout_fn
        self.on_end = on_end
        zone = config.site.self_service
        self.records: dict[str, RecordItem] = {r.service_id: r for r in zone.records}
        self._department_cfg = {d.id: d for d in zone.departments}
        self._departments: dict[str, DepartmentAdapter] = {}  # opened on first use, kept (the HTTP breaker)
        self.runner: SessionRunner | None = None
        self._key: bytes | None = None

    # --- what the item page asks -------------------------------------------------------------------
    def offers(self, service_id: str) -> bool:
        """Can this kiosk do the item's transaction: a record configured and an A4 printer in its devices."""
        return service_id in self.records and any(d.kind == "a4printer" for d in self.node.devices)

    def department_for(self, service_id: str) -> DepartmentAdapter:
        """The item's department adapter, opened on first use and kept (an HTTP department's breaker)."""
        dept_id = self.records[service_id].department
        department = self._departments.get(dept_id)
        if department is None:
            department = self._departments[dept_id] = open_department(self._department_cfg[dept_id])
        return department

    def prewarm(self) -> None:
        """Once, off the UI thread, after start: WeasyPrint's import and fonts (about 2 s cold) are paid
        before the first citizen's print, not during it (docs/benchmarks.md). Only on a kiosk that prints."""
        if not any(self.offers(service_id) for service_id in self.records):
            return
        from selfservice.render import prewarm

        log.info("self-service printing prewarmed in %.1f s", prewarm())

    @property
    def active(self) -> bool:
        return self.runner is not None

    def _hash_key(self) -> bytes:
        """The hall's self-service key: the audit record carries the keyed hash, never the ID number."""
        if self._key is None:
            self._key = load_selfservice_hash_key(self.config.data_dir)
        return self._key

    # --- the citizen's inputs ------------------------------------------------------------------------
    def start(self, service_id: str, title: str, holder: Holder | None = None) -> bool:
        """Start the transaction of `service_id` (`title`: the record's name on screen); a card already read
        on this visit (`holder`) is used at once. False when this kiosk cannot do it."""
        if not self.offers(service_id):
            return False
        self.end()
        record = self.records[service_id]
        department_cfg = self._department_cfg[record.department]
        department = self.department_for(service_id)
        hardware = self.hardware_fn()
        printer = getattr(hardware, "a4printer", None)
        if printer is None:
            log.warning("self-service %s: the A4 printer is not open", service_id)
            return False
        lines = PREVIEW_LINES_ELDERLY if self.state.elderly else PREVIEW_LINES
        session = SelfServiceSession(
            transaction_id=f"{self.node.id}-ss-{uuid.uuid4().hex[:20]}",
            service_id=service_id,
            document_kind=record.document,
            title=title,
            department=department_cfg.name,
            months=record.months,
            settings=SessionSettings(
                idle_timeout_s=self.idle_timeout_fn(),
                lines_per_page=lines,
                language=self.state.language,
            ),
        )
        self.runner = SessionRunner(
            session,
            department,
            printer,
            hall_name=self.hall_name_fn(),
            kiosk_name=self.kiosk_name,
            record=mqtt_record_sender(self.client.link, self.node.id, hash_key=self._hash_key()),
            clock=self.clock,
            on_change=self._show,
            post=self.ui_call,
            timezone=self.config.site.timezone,
        )
        self._show(self.runner.start())
        log.info("self-service %s started", service_id)
        if holder is not None:
            self.card_read(holder)
        return True

    def card_read(self, holder: Holder) -> None:
        if self.runner is not None:
            self.runner.card_read(holder)

    def card_failed(self) -> None:
        if self.runner is not None:
            self.runner.card_failed("unreadable")

    def act(self, action: str) -> None:
        """A button of the screen: prev_page next_page print retry cancel home."""
        runner = self.runner
        if runner is None:
            self.on_end()
            return
        if action in ("cancel", "home"):
            self.end()
            return
        runner.touch()
        getattr(runner, action)()

    def touch(self) -> None:
        if self.runner is not None:
            self.runner.touch()

    def tick(self) -> None:
        if self.runner is not None:
            self.runner.tick()

    def end(self) -> None:
        """End the transaction now (取消, 返回首页, the kiosk going home): an unfinished print is cancelled, the
        transaction recorded once, everything of the citizen dropped."""
        runner = self.runner
        if runner is not None:
            runner.cancel()  # Ended: _show wipes and calls on_end

    # --- the view on the state -------------------------------------------------------------------
    def _show(self, view: SessionView) -> None:
        if view.step == ENDED:
            self.runner = None  # the session, the record and the holder go with it
            self.state.selfservice = {}
            log.info("self-service ended: data wiped")
            self.on_end()
            return
        self.state.selfservice = dataclasses.asdict(view)
