"""The kiosk's flows: browse, take a ticket (walk-in, ID card, appointment), where is my ticket,
help, printing, idle wipe, screensaver, offline. It changes the state; screens only show it.

Runs on the UI thread. Everything slow happens elsewhere and comes back through `ui_call`: broker
requests on the HallClient's worker threads, printing too, device callbacks on device threads.

Personal data: an ID card gives `self._holder` (a protocol `Holder`, whose repr is redacted) and the
masked name on screen, nothing more. The holder goes into exactly one place, the `holder` field of
cmd/ticket/issue, and is dropped when the reply comes, when the flow ends, or when the citizen walks
away (idle timeout). No log line carries it.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from devices.health import HealthReporter
from queue_broker.config.models import NodeEntry, SiteConfig
from queue_broker.engine.hours import OpeningHours
from queue_broker.protocol import Topics
from queue_broker.protocol.gateway import TicketView
from queue_broker.protocol.messages import (
    CatalogState,
    Channel,
    CountersState,
    HallState,
    HelpNeed,
    Holder,
    Message,
    QueuesState,
    TicketHelp,
    TicketIssue,
    TicketStatus,
)
from queue_broker.protocol.waiting import DEMO_OPEN_NOW, opening_words, wait_words
from queue_broker.security.identity import mask_name

from ..common.hall_client import HallClient
from ..common.memory import release_memory
from .catalog import CatalogView, Item
from .hours import HallHours
from .i18n import material_text, t, wait_text
from .selfservice_flow import SelfServiceFlow
from .settings import KioskSettings, default_display_name
from .state import KioskState

if TYPE_CHECKING:
    from .blind import BlindMode

log = logging.getLogger(__name__)

TICKET_ID_RE = re.compile(r"^\d{8}-[A-Z]{1,2}\d{3,}$")
# the code alone, APPT:CODE, or a booking URL ending in code=CODE (the broker's alphabet: no 0/O, 1/I)
APPOINTMENT_RE = re.compile(r"^(?:APPT:|.*[?&]code=)?([A-HJ-NP-Z2-9]{6,12})$", re.IGNORECASE)
# a ticket's QR code when the site has a public_url: {public_url}/t/{status_token} (docs/gateway.md)
STATUS_URL_RE = re.compile(r"^https?://\S+/t/([A-Za-z0-9_-]{16,64})/?$")


def ticket_qr(ticket: dict) -> str:
    """What the ticket's QR code holds, on screen and on paper: the citizen page's URL, else the ticket id."""
    return str(ticket.get("status_url") or ticket.get("id") or "")


UiCall = Callable[..., None]
PENDING_VIEW_AFTER_S = 0.15
HOUSEKEEPING_IDLE_S = 5.0


@dataclass
class _Issue:
    """A ticket request in flight. Retried with the same request_id until a reply or the flow ends."""

    message: TicketIssue | None
    service_id: str
    channel: Channel
    attempts: int = 0
    tapped_at: float = field(default_factory=time.perf_counter)


class KioskController:
    def __init__(
        self,
        config: SiteConfig,
        node: NodeEntry,
        settings: KioskSettings,
        state: KioskState,
        *,
        client: HallClient,
        clock: Callable[[], datetime],
        ui_call: UiCall,
        speaker=None,
        hardware=None,
        health: HealthReporter | None = None,
    ):
        self.config = config
        self.opening_hours = OpeningHours.from_config(config)  # the broker's own rules
        self.node = node
        self.settings = settings
        self.state = state
        self.client = client
        self.clock = clock
        self.ui_call = ui_call
        self.speaker = speaker
        self.hardware = hardware
        self.health = health or HealthReporter(client.publish_health)
        self.topics: Topics = client.topics
        self.tz = ZoneInfo(config.site.timezone)
        self.display_name = settings.display_name or default_display_name(node)
        self._holder: Holder | None = None
        self._issue: _Issue | None = None
        self._lookup_id: str | None = None
        self._history: list[str] = []
        self._elderly_auto = False
        self._last_activity = time.monotonic()
        self._last_state_at = time.monotonic()
        self._help_since: float | None = None
        self._help_request: str | None = None  # the open call's request id (retried under it)
        self.metrics: dict[str, float | str] = {}
        self._dirty = True  # start-up garbage (the site file, the first catalog) goes at the first idle moment
        self.housekeeping: Callable[[], None] = release_memory  # the app adds dropping unused screens
        self._awaiting_flip = False
        self.catalog_state: CatalogState | None = None  # as published: the blind mode's guide reads it
        self.blind: BlindMode | None = None  # the app adds it (kiosk/blind.py)
        self.broker_hall: HallState | None = None  # state/queues' hall: the broker's word on the hours
        self.selfservice = SelfServiceFlow(  # 24-hour self-service records (issue 24)
            config,
            node,
            state,
            clock=clock,
            ui_call=ui_call,
            client=client,
            hardware_fn=lambda: self.hardware,
            kiosk_name=self.display_name,
            hall_name_fn=self._hall_name,
            idle_timeout_fn=self.idle_timeout,
            on_end=self.go_home,
        )
        state.kiosk_name = self.display_name
        state.site_name = config.site.name
        state.language = node.language
        state.elderly = settings.elderly_by_default

    # ================================================================ wiring
    def start(self) -> None:
        c = self.client
        c.on_online(self._on_online)
        c.watch(self.topics.state_catalog(), CatalogState, self._on_catalog)
        c.watch(self.topics.state_queues(), QueuesState, self._on_queues)
        c.watch(self.topics.state_counters(), CountersState, self._on_counters)
        self.tick()

    def new_request_id(self) -> str:
        return f"{self.node.id}-{uuid.uuid4().hex[:20]}"

    def request(
        self,
        topic: str,
        message: Message | dict,
        on_reply: Callable[[dict], None],
        on_error: Callable[[Exception], None],
    ) -> None:
        """A request to the broker with the kiosk's timeout; the answer comes on the UI thread."""
        self.client.request(
            topic, message, timeout=self.settings.request_timeout_s, on_reply=on_reply, on_error=on_error
        )

    # device threads → UI thread
    def card_read(self, card) -> None:
        self.ui_call(self._card_read, card)

    def card_error(self, exc: Exception) -> None:
        self.ui_call(self._card_error, exc)

    def scanned(self, text: str) -> None:
        self.ui_call(self._scanned, text)

    def presence(self) -> None:
        self.ui_call(self._presence)

    # ================================================================ broker state
    def _on_online(self, online: bool) -> None:
        self.state.online = online
        if online:
            self._last_state_at = time.monotonic()  # give the broker time to publish before judging it
        log.info("hall link %s", "up" if online else "DOWN")

    def _on_catalog(self, catalog: CatalogState, _topic: str) -> None:
        view = CatalogView.from_state(catalog, self.config.site.self_service.service_ids)
        self.catalog_state = catalog
        self.state.catalog = view
        self.state.catalog_version = view.version
        self.state.frequent = view.frequent(self.settings.frequent_service_ids, self.settings.frequent_count)
        self._dirty = True  # when idle: the old catalog's memory back, the new one's search index built
        if self.state.service_id and view.get(self.state.service_id) is None and self.state.screen == "item":
            self.go_home()  # the item was withdrawn from the catalog while on screen
        log.info("catalog %s: %d items", view.version, len(view.items))

    def _on_queues(self, queues: QueuesState, _topic: str) -> None:
        self.state.queues = {q.id: q.model_dump(mode="json") for q in queues.queues}
        if self.blind is not None and self.blind.guide is not None:
            self.blind.guide.set_queues({"queues": list(self.state.queues.values())})
        if queues.hall is not None:
            self.broker_hall = queues.hall
            self._show_hours()
        self._last_state_at = time.monotonic()
        self.state.server_ok = True

    def _on_counters(self, counters: CountersState, _topic: str) -> None:
        self.state.counters = {c.id: c.model_dump(mode="json") for c in counters.counters}

    # ================================================================ time, idle, screensaver
    def now(self) -> datetime:
        return self.clock().astimezone(self.tz)

    def tick(self, *_args) -> None:
        now = self.now()
        s = self.state
        s.now_text = now.strftime("%H:%M")
        self._show_hours()
        mono = time.monotonic()
        if s.online and mono - self._last_state_at > self.settings.server_silent_after_s:
            s.server_ok = False
        idle = mono - self._last_activity
        # what this tick saw (tests: a timeout that must not have fired yet, with no fixed sleep)
        self.metrics["idle_s"], self.metrics["idle_on"] = round(idle, 2), s.screen
        if s.help_active and self._help_since is not None and mono - self._help_since > self.settings.help_timeout_s:
            self.cancel_help()
        if s.screen in ("home", "screensaver") and idle > HOUSEKEEPING_IDLE_S and self._dirty:
            self._dirty = False
            self.housekeeping()
        if s.blind_active and self.blind is not None:
            self.blind.tick(idle)  # its own, longer walk-away rule (a blind citizen listens before a key)
        elif s.screen == "home":
            if idle > self.settings.screensaver_after_s:
                self._go("screensaver")
        elif s.screen == "screensaver" or (s.screen == "help" and s.help_active):
            pass
        elif s.screen == "selfservice" and self.selfservice.active:
            self.selfservice.tick()  # the session times out by itself (and cancels an unfinished print)
        elif idle > self.idle_timeout():
            log.info("idle for %.0f s on %s: back to the home screen, personal data wiped", idle, s.screen)
            self.go_home()

    def _show_hours(self) -> None:
        """Open or closed, and when next, as the broker says in state/queues' `hall` (one source for every
        face); the kiosk's own reading of the hours only while the broker has not said (an older broker)."""
        s, now, hall = self.state, self.now(), self.broker_hall
        if hall is None:
            hours = HallHours.at(self.opening_hours, now)
            s.hall_open, s.self_service_open = hours.ticketing_open, hours.self_service_open
            s.next_open_text = opening_words(hours.next_opening, now, s.language)
            return
        s.hall_open = hall.ticketing_open
        if hall.self_service_open is not None:
            s.self_service_open = hall.self_service_open
        nxt = hall.next_opening.astimezone(self.tz) if hall.next_opening else None
        s.next_open_text = opening_words(nxt, now, s.language) if not hall.ticketing_open else ""
        s.demo = hall.demo == DEMO_OPEN_NOW

    def idle_timeout(self) -> float:
        if self.state.screen == "ticket":
            return self.settings.ticket_timeout_s
        return self.settings.elderly_idle_timeout_s if self.state.elderly else self.settings.idle_timeout_s

    def activity(self) -> None:
        self._last_activity = time.monotonic()

    def touched(self) -> None:
        self.activity()
        self.selfservice.touch()
        if self.state.screen == "screensaver":
            self.wake()

    def wake(self) -> None:
        self.activity()
        if self.state.screen == "screensaver":
            self._go("home")

    def _presence(self) -> None:
        self.wake()

    # ================================================================ navigation
    def _go(self, screen: str) -> None:
        if self.state.screen == screen:
            return
        self.state.screen = screen
        self._speak_for(screen)

    def go(self, screen: str) -> None:
        """Forward navigation: remember where we came from for 返回上一步."""
        if self.state.screen not in ("ticket", "screensaver") and self.state.screen != screen:
            self._history.append(self.state.screen)
            del self._history[:-10]
        self._go(screen)

    def back(self) -> None:
        if self.state.screen == "selfservice":
            self.go_home()  # leaving the transaction ends it: nothing of it kept
            return
        if self.state.screen == "ticket" and self.state.ticket_phase in ("pending", "retrying"):
            self.cancel_issue()
            return
        while self._history:
            target = self._history.pop()
            if target != self.state.screen:
                if target == "home":
                    self.go_home()
                else:
                    self._go(target)
                return
        self.go_home()

    def go_home(self) -> None:
        """End of a citizen's flow: forget everything of it (personal data first); a call for staff still
        open is withdrawn (the citizen left); the blind mode ends."""
        if self.blind is not None:
            self.blind.stop("home")
        self._withdraw_help()
        self.selfservice.end()  # an unfinished self-service transaction: print cancelled, data dropped
        self._dirty = True  # memory is given back once the kiosk is idle again
        self._holder = None
        self._issue = None
        self._lookup_id = None
        self._history.clear()
        self.state.clear_flow()
        if self._elderly_auto:
            self._elderly_auto = False
            self.state.elderly = self.settings.elderly_by_default
        self.state.language = self.node.language
        self._go("home")

    def set_language(self, language: str) -> None:
        self.activity()
        self.state.language = language
        self.tick()
        if self.blind is not None:
            self.blind.follow_settings()

    def toggle_elderly(self) -> None:
        self.activity()
        self._elderly_auto = False
        self.state.elderly = not self.state.elderly
        self._speak_for(self.state.screen)
        if self.blind is not None:
            self.blind.follow_settings()

    # ================================================================ browsing
    def item(self, item_id: str) -> Item | None:
        cat = self.state.catalog
        return cat.get(item_id) if cat else None

    def open_item(self, item_id: str) -> None:
        if self.item(item_id) is None:
            return
        self.state.service_id = item_id
        self.state.guide_tab = "conditions"
        self.state.materials_print = ""
        self.go("item")

    def browse(self, mode: str) -> None:
        self.state.browse_mode = mode
        self.state.browse_group = ""
        self.go("browse")

    def open_group(self, name: str) -> None:
        self.state.browse_group = name

    def open_search(self) -> None:
        self.state.search_query = ""
        self.state.search_results = []
        self.go("search")

    def search_type(self, text: str) -> None:
        self.set_search(self.state.search_query + text)

    def search_delete(self) -> None:
        self.set_search(self.state.search_query[:-1])

    def set_search(self, query: str) -> None:
        self.state.search_query = query[:20]
        cat = self.state.catalog
        self.state.search_results = cat.search(self.state.search_query) if cat and query else []

    # ================================================================ what the screens show
    def queue_line(self, item: Item) -> str:
        lang = self.state.language
        q = self.state.queues.get(item.queue_id)
        if not q:
            return ""
        status = q.get("wait_status")
        if status in ("closed", "full"):
            return self.broker_words(q)
        if status == "no_counter" or (status is None and not q.get("counter_ids") and self.state.hall_open):
            return t("queue_no_counter", lang, n=q["waiting"])
        low, high = q.get("estimated_wait_range_s") or (q["estimated_wait_s"], q["estimated_wait_s"])
        return t("queue_now", lang, n=q["waiting"], wait=wait_text(low, high, lang))

    def broker_words(self, q: dict) -> str:
        """A closed or full queue's wait in the broker's words (protocol/waiting.py), in the kiosk's language."""
        nxt = datetime.fromisoformat(q["next_opening"]) if q.get("next_opening") else None
        return wait_words(q.get("wait_status") or "", None, nxt, self.now(), self.state.language)

    def where_line(self, item: Item) -> str:
        cat = self.state.catalog
        queue_name = cat.queue_names.get(item.queue_id, item.queue_id) if cat else item.queue_id
        counters = sorted(
            (
                c
                for c in self.state.counters.values()
                if item.queue_id in c.get("queue_ids", []) and c.get("status") == "open"
            ),
            key=lambda c: c["number"],
        )
        where = queue_name
        if counters:
            where += " · " + "、".join(f"{c['number']}号窗口" for c in counters)
        return t("where_to_go", self.state.language, where=where)

    def counter_label(self, counter_id: str | None) -> str:
        c = self.state.counters.get(counter_id or "")
        if c:
            return f"{c['number']}号窗口"
        return t("counter_unknown", self.state.language)

    def can_issue(self) -> bool:
        return self.state.online and self._issue is None

    def checkin_service_id(self) -> str:
        cat = self.state.catalog
        if self.settings.checkin_service_id:
            return self.settings.checkin_service_id
        if cat and cat.items:
            first_queue = self.config.queues[0].id
            for item in cat.items.values():
                if item.queue_id == first_queue and not item.is_bundle:
                    return item.id
            return next(iter(cat.items))
        return self.config.services[0].id if self.config.services else ""

    # ================================================================ taking a ticket
    def take_ticket(self, service_id: str, channel: Channel = "walk_in", appointment_code: str | None = None) -> None:
        s = self.state
        self.activity()
        if self._issue is not None:
            return  # a second tap while the first is in flight: still one ticket
        if not s.online:
            s.message = t("offline", s.language)
            return
        try:
            message = TicketIssue(
                request_id=self.new_request_id(),
                kiosk_id=self.node.id,
                service_id=service_id,
                channel=channel,
                appointment_code=appointment_code,
                holder=self._holder,
                language=s.language,
                needs=["sign_or_text"] if s.sign_or_text else None,
            )
        except ValidationError:
            s.ticket_phase, s.ticket_error = "failed", t("err_card", s.language)
            self._holder = None
            self.go("ticket")
            return
        issue = self._issue = _Issue(message, service_id, channel)
        self.metrics.pop("tap_to_ticket_ms", None)
        s.ticket = {}
        s.ticket_note = ""
        s.ticket_error = ""
        s.print_phase = ""
        self._send_issue(issue)
        # The answer usually comes within a few ms: show "taking your ticket..." only if it does not,
        # so the ticket itself is the next frame drawn (the tapped button stays pressed meanwhile).
        from kivy.clock import Clock

        Clock.schedule_once(lambda _dt: self._show_pending(issue), PENDING_VIEW_AFTER_S)

    def _show_pending(self, issue: _Issue) -> None:
        if issue is self._issue and self.state.ticket_phase == "":
            self.state.ticket_phase = "pending"
            self.go("ticket")

    def _send_issue(self, issue: _Issue) -> None:
        if issue is not self._issue or issue.message is None:
            return
        self.request(
            self.topics.ticket_issue(),
            issue.message,
            lambda reply: self._issue_reply(issue, reply),
            lambda exc: self._issue_failed(issue, exc),
        )

    def _issue_failed(self, issue: _Issue, exc: Exception) -> None:
        if issue is not self._issue:
            return  # the citizen cancelled or walked away meanwhile
        issue.attempts += 1
        self.state.ticket_phase = "retrying"
        self.go("ticket")
        if self.state.online:
            self.state.server_ok = False
        delay = min(self.settings.retry_max_s, 0.5 * 2**issue.attempts)
        log.warning(
            "ticket request %s: %s; retry %d in %.1f s with the same request_id",
            issue.message.request_id if issue.message else "?",
            exc,
            issue.attempts,
            delay,
        )
        from kivy.clock import Clock

        Clock.schedule_once(lambda _dt: self._send_issue(issue), delay)

    def _issue_reply(self, issue: _Issue, reply: dict) -> None:
        if issue is not self._issue:
            return
        self.metrics["reply_on_ui_ms"] = (time.perf_counter() - issue.tapped_at) * 1000
        s = self.state
        lang = s.language
        if not reply.get("ok"):
            error = reply.get("error") or {}
            code, detail = error.get("code", "internal"), error.get("message", "")
            if code == "unavailable":  # nothing was changed; the broker asks for a retry
                self._issue_failed(issue, RuntimeError(detail))
                return
            self._finish_issue()
            s.ticket_phase = "failed"
            self.go("ticket")
            if code == "closed":
                s.ticket_error = t("err_closed", lang, when=s.next_open_text)
            elif code == "full":
                s.ticket_error = t("err_full", lang, detail=detail)
            elif code == "invalid_request" and issue.message and issue.message.holder is not None:
                s.ticket_error = t("err_card", lang)
            else:
                s.ticket_error = t("err_other", lang, detail=detail or code)
            return
        self._finish_issue()
        ticket = dict(reply["ticket"])
        s.server_ok = True
        s.ticket = ticket
        s.ticket_note = self._ticket_note(ticket, reply.get("appointment_status"))
        s.ticket_phase = "shown"
        self.go("ticket")
        self.metrics["tap_to_reply_ms"] = (time.perf_counter() - issue.tapped_at) * 1000
        # the ticket on screen first; printing (CPU work in a thread, holding the GIL at times) after
        # the frame that shows it
        self.metrics["state_set_ms"] = (time.perf_counter() - issue.tapped_at) * 1000
        self._after_flip(issue.tapped_at, lambda: self._print(ticket))
        if self._speaking():
            self._speak("say_ticket", number=self._spoken_number(ticket["number"]), n=ticket.get("waiting_ahead", 0))

    def _finish_issue(self) -> None:
        if self._issue is not None:
            self._issue.message = None  # drops the holder with the request
        self._issue = None
        self._holder = None

    def _ticket_note(self, ticket: dict, appointment_status: str | None) -> str:
        lang = self.state.language
        notes = []
        if appointment_status == "on_time" or ticket.get("priority") == "appointment":
            notes.append(t("priority_appointment", lang))
        elif appointment_status in ("early", "late", "not_found", "already_checked_in"):
            key = {
                "early": "appt_early",
                "late": "appt_late",
                "not_found": "appt_not_found",
                "already_checked_in": "appt_already",
            }[appointment_status]
            notes.append(t(key, lang))
        if ticket.get("priority") == "elderly":
            notes.append(t("priority_elderly", lang))
        elif ticket.get("priority") == "green":
            notes.append(t("priority_green", lang))
        return "；".join(notes)

    def toggle_sign_or_text(self) -> None:
        """需要手语/文字沟通: the ticket taken next carries it (`needs`), for the counter terminal to show."""
        self.activity()
        self.state.sign_or_text = not self.state.sign_or_text

    def print_blind_ticket(self, ticket: dict) -> None:
        """The blind mode's ticket on paper too (a helper, or the counter, reads it)."""
        self.state.ticket = ticket
        self._print(ticket)

    def cancel_issue(self) -> None:
        self._issue = None
        self.go_home()

    def retry_failed(self) -> None:
        """After a refusal (not a network failure): back to the item, nothing kept."""
        self.back()

    def _after_flip(self, tapped_at: float, then: Callable[[], None]) -> None:
        """Tap to ticket on screen: until the frame showing the ticket is swapped onto the screen;
        then start `then` (printing)."""
        from kivy.app import App
        from kivy.clock import Clock

        def shown() -> None:
            self.metrics["tap_to_ticket_ms"] = (time.perf_counter() - tapped_at) * 1000
            self.metrics["tickets_shown"] = int(self.metrics.get("tickets_shown", 0)) + 1
            Clock.schedule_once(lambda _dt: then(), 0)

        App.get_running_app().on_next_frame(shown)

    # ================================================================ printing
    def _print(self, ticket: dict) -> None:
        s = self.state
        if self.hardware is None or not self.hardware.has_printer:
            s.print_phase = "none"
            self._speak("say_ticket_photo")
            return
        from devices.printer import TicketPrint

        item = self.item(ticket.get("service_id", ""))
        low, high = ticket.get("estimated_wait_range_s") or (ticket["estimated_wait_s"], ticket["estimated_wait_s"])
        job = TicketPrint(
            hall_name=self._hall_name(),
            number=ticket["number"],
            queue_name=ticket.get("queue_name") or "",
            service_name=self._ticket_service_name(ticket),
            waiting_ahead=int(ticket.get("waiting_ahead", 0)),
            wait_range_min=(round(low / 60), round(high / 60)),
            issued_at=datetime.fromisoformat(ticket["issued_at"]),
            ticket_id=ticket_qr(ticket),  # what the printed QR code holds
            materials_hint=[m.name for m in item.materials if m.required][:6] if item else [],
            footer="请留意叫号  不预约也可现场办理",
        )
        s.print_phase = "printing"
        number = ticket["number"]

        def done(_result) -> None:
            if s.ticket.get("number") == number:
                s.print_phase = "printed"

        def failed(exc: Exception) -> None:
            log.warning("ticket %s not printed: %s", number, exc)
            if s.ticket.get("number") == number:
                s.print_phase = "failed"
                s.print_error = _reason(str(exc))
                self._speak("say_ticket_photo")

        self.client.run_in_background(lambda: self.hardware.print_ticket(job), done, failed)

    def _hall_name(self) -> str:
        cat = self.state.catalog
        return (cat.site_name if cat and cat.site_name else "") or self.config.site.name

    def _ticket_service_name(self, ticket: dict) -> str:
        if ticket.get("channel") == "appointment":
            return t("appt_service", "zh") + "：" + (ticket.get("queue_name") or "")
        return ticket.get("service_name") or ticket.get("service_id", "")

    def ticket_service_line(self) -> str:
        ticket = self.state.ticket
        if not ticket:
            return ""
        if ticket.get("channel") == "appointment":
            return t("appt_service", self.state.language)
        return ticket.get("service_name") or ""

    def print_materials(self) -> None:
        s = self.state
        self.activity()
        item = self.item(s.service_id)
        if item is None:
            return
        if self.hardware is None or not self.hardware.has_printer:
            s.materials_print = "failed"
            return
        s.materials_print = "printing"
        lines = [material_text(m) for m in item.materials] or ["无需提交材料"]
        kwargs = dict(
            hall_name=self._hall_name(),
            item_name=item.name,
            lines=lines,
            where=self.where_line(item),
            contact=item.guide.contact if item.guide else "",
            today=self.now().date(),
        )
        sid = item.id

        def done(_r) -> None:
            if s.service_id == sid:
                s.materials_print = "printed"

        def failed(exc: Exception) -> None:
            log.warning("materials list not printed: %s", exc)
            if s.service_id == sid:
                s.materials_print = "failed"

        self.client.run_in_background(lambda: self.hardware.print_materials(**kwargs), done, failed)

    # ================================================================ 24-hour self-service
    def start_self_service(self, service_id: str) -> None:
        """The item's self-service transaction (a record printed on A4), with the card read on this visit
        if there is one; no ticket, no queue."""
        self.activity()
        item = self.item(service_id)
        if item is None or not self.state.self_service_open:
            return
        if self.selfservice.start(service_id, item.title(self.state.language), self._holder):
            self.go("selfservice")
        else:
            self.state.message = t("self_service_unavailable", self.state.language)

    def self_service_action(self, action: str) -> None:
        """A button of the self-service screen; 找人帮忙 calls staff and keeps the transaction."""
        self.activity()
        if action == "help":
            self.request_help()
        else:
            self.selfservice.act(action)

    # ================================================================ ID card
    def reader_usable(self) -> bool:
        """Is there an ID-card reader, and did its last health say it works?"""
        reader = getattr(self.hardware, "reader", None) if self.hardware is not None else None
        if reader is None:
            return False
        health = self.health.latest().get(reader.device_id)
        return health is None or health.state in ("ready", "degraded")

    def start_card_flow(self, purpose: str = "walk_in") -> None:
        s = self.state
        s.card_flow = purpose
        if s.holder_name_masked:
            s.card_phase = "read"
        else:
            s.card_phase = "waiting" if self.reader_usable() else "fault"
        if purpose == "appointment":
            self.go("appointment")
        else:
            self.go("idcard")

    def _card_read(self, card) -> None:
        s = self.state
        self.wake()
        if s.screen == "ticket" and s.ticket_phase in ("pending", "retrying"):
            return
        try:
            holder = Holder(id_number=card.id_number, name=card.name)
        except ValidationError:
            s.card_phase = "unusable"
            s.message = t("err_card", s.language)
            return
        if s.screen == "selfservice" and self.selfservice.active:
            self.selfservice.card_read(holder)  # the transaction's card: only its masked name is shown
            return
        age = card.age_on(self.now().date())
        self._holder = holder
        s.holder_name_masked = mask_name(card.name)
        elderly_age = self.config.priorities.elderly_age
        if elderly_age and age >= elderly_age and not s.elderly:
            s.elderly = True
            self._elderly_auto = True
            s.message = t("elderly_auto", s.language)
        log.info("ID card read (%s)", "elderly" if elderly_age and age >= elderly_age else "adult")
        if s.screen == "appointment" or s.card_flow == "appointment":
            self.take_ticket(self.checkin_service_id(), "appointment")
        elif s.screen == "item":
            pass  # the 取号 button now carries the card
        else:
            s.card_flow = "walk_in"
            s.card_phase = "read"
            self.go("idcard")

    def _card_error(self, exc: Exception) -> None:
        if self.state.screen == "selfservice":
            self.selfservice.card_failed()
            return
        if self.state.screen in ("idcard", "appointment"):
            self.state.card_phase = "unusable"

    # ================================================================ scanner: appointment codes and ticket QR codes
    def _scanned(self, text: str) -> None:
        self.wake()
        s = self.state
        code = text.strip()
        if s.screen == "ticket" and s.ticket_phase in ("pending", "retrying"):
            return
        if TICKET_ID_RE.match(code):
            self.lookup(code)
            return
        if m := STATUS_URL_RE.match(code):
            self.lookup(m.group(1), by_token=True)
            return
        m = APPOINTMENT_RE.match(code)
        if m:
            self.take_ticket(self.checkin_service_id(), "appointment", appointment_code=m.group(1).upper())
            return
        s.message = "无法识别这个二维码，请咨询工作人员" if s.language == "zh" else "This code is not recognised"

    def open_lookup(self) -> None:
        self.state.lookup = {}
        self.state.lookup_phase = ""
        self.go("lookup")

    def lookup(self, ticket_id: str, by_token: bool = False) -> None:
        """Where is my ticket: by its id (cmd/ticket/status), or by the status token of its QR code's URL
        (cmd/ticket/view, whose view holds the same fields)."""
        s = self.state
        s.lookup = {}
        s.lookup_phase = "waiting"
        self._lookup_id = ticket_id
        self.go("lookup")
        rid = self.new_request_id()
        req = (
            TicketView(request_id=rid, status_tokens=[ticket_id])
            if by_token
            else TicketStatus(request_id=rid, ticket_id=ticket_id)
        )
        topic = self.topics.ticket_cmd("view") if by_token else self.topics.ticket_status()

        def reply(r: dict) -> None:
            if self._lookup_id != ticket_id:
                return
            found = (r.get("tickets") or {}).get(ticket_id) if by_token else r.get("ticket")
            if r.get("ok") and found:
                s.lookup = dict(found)
                s.lookup_phase = "shown"
            elif r.get("ok") or (r.get("error") or {}).get("code") == "not_found":
                s.lookup_phase = "not_found"
            else:
                s.lookup_phase = "failed"

        def failed(_exc: Exception) -> None:
            if self._lookup_id == ticket_id:
                s.lookup_phase = "failed"

        self.request(topic, req, reply, failed)

    def lookup_state_line(self) -> str:
        tk, lang = self.state.lookup, self.state.language
        st = tk.get("state", "")
        if st == "called":
            return t("state_called", lang, counter=self.counter_label(tk.get("counter_id")))
        if st == "serving":
            return t("state_serving", lang, counter=self.counter_label(tk.get("counter_id")))
        key = {
            "waiting": "state_waiting",
            "done": "state_done",
            "no_show": "state_no_show",
            "transferred": "state_transferred",
            "cancelled": "state_cancelled",
        }.get(st)
        return t(key, lang) if key else st

    # ================================================================ calling staff (帮办代办, priority)
    def request_help(self, need: HelpNeed = "general") -> None:
        """Call a member of staff to this kiosk (`cmd/ticket/help`): the floor gets an alert at once
        (`event/alert` kind help, with the need), and the citizen waits here. `need` "priority": the
        citizen asks to be served first (绿色通道, 残疾人优先): staff decide that in person and issue the
        ticket at a counter or on the tablet; the kiosk never issues priority itself."""
        self.activity()
        s = self.state
        if s.help_active and s.help_need == need:
            self.go("help")
            return
        if s.help_active:  # another need while a call is open: the new one replaces it
            self._withdraw_help()
        s.help_need = need
        s.help_active = True
        self._help_since = time.monotonic()
        self._help_request = self.new_request_id()
        self.go("help")
        self._send_help(self._help_request, need)

    def request_priority(self) -> None:
        self.request_help("priority")

    def _send_help(self, request_id: str, need: HelpNeed) -> None:
        s = self.state
        if self._help_request != request_id:
            return  # withdrawn meanwhile
        s.help_phase = "sending" if s.help_phase != "failed" else "failed"
        message = TicketHelp(request_id=request_id, kiosk_id=self.node.id, need=need)

        def reply(r: dict) -> None:
            if self._help_request != request_id:
                return
            if r.get("ok"):
                s.help_phase = "sent"
                log.info("staff called to this kiosk (%s)", need)
                return
            log.warning("call for staff refused: %s", r.get("error"))
            failed(RuntimeError(str((r.get("error") or {}).get("code"))))

        def failed(exc: Exception) -> None:
            if self._help_request != request_id:
                return
            s.help_phase = "failed"
            from kivy.clock import Clock

            # the same request again: the broker answers a retry without raising a second alert
            Clock.schedule_once(lambda _dt: self._send_help(request_id, need), self.settings.retry_max_s)

        self.request(self.topics.ticket_help(), message, reply, failed)

    def _withdraw_help(self) -> None:
        """The citizen left (or needs nobody any more): the call is taken back, so the floor does not go to
        an empty kiosk (the alert is cleared)."""
        s = self.state
        if not s.help_active:
            return
        need = s.help_need
        s.help_active = False
        s.help_phase = ""
        self._help_since = None
        self._help_request = None
        message = TicketHelp(request_id=self.new_request_id(), kiosk_id=self.node.id, need=need, cancel=True)
        self.request(
            self.topics.ticket_help(),
            message,
            lambda r: log.info("call for staff withdrawn (%s)", "ok" if r.get("ok") else r.get("error")),
            lambda exc: log.warning("call for staff not withdrawn: %s", exc),
        )

    def stop(self) -> None:
        """The kiosk is closing: a call for help still open is taken back."""
        self._withdraw_help()

    def cancel_help(self) -> None:
        self._withdraw_help()
        if self.state.screen == "help":
            self.go_home()

    # ================================================================ speech
    def _speak_for(self, screen: str) -> None:
        if screen == "home":
            self._speak("say_home")
        elif screen == "idcard" and self.state.card_phase == "waiting":
            self._speak("say_card")
        elif screen == "help":
            self._speak("say_priority" if self.state.help_need == "priority" else "say_help")
        elif screen == "item":
            item = self.item(self.state.service_id)
            q = self.state.queues.get(item.queue_id, {}) if item else {}
            if item and self.selfservice.offers(item.id):
                self._speak("ss_start_note")  # no queue to speak of
            elif item:
                self._speak("say_item", name=item.name, n=q.get("waiting", 0))

    def _speaking(self) -> bool:
        if self.speaker is None or not self.settings.speech or self.state.blind_active:
            return False  # the blind mode speaks for itself
        return (self.state.elderly or self.settings.speech_always) and self.state.language == "zh"

    def _speak(self, key: str, **values) -> None:
        if not self._speaking():
            return
        text = t(key, "zh", **values)
        self.state.last_spoken = text
        self.speaker.say(text)

    @staticmethod
    def _spoken_number(number: str) -> str:
        try:
            from voice.normalise import Normaliser

            return Normaliser().ticket_zh(number)
        except Exception:
            return number

    # ================================================================ for tests and the benchmark
    def has_personal_data(self) -> bool:
        return (
            self._holder is not None
            or self.selfservice.active
            or (self._issue is not None and self._issue.message is not None and self._issue.message.holder is not None)
        )


def _reason(message: str) -> str:
    """'取号单未打印：纸将用尽；缺纸' → '纸将用尽；缺纸' (the printer's own words, for the citizen)."""
    return message.split("：", 1)[1] if "：" in message else message
