"""Carries out a `SelfServiceSession`'s effects with the real parts and feeds the results back.

    runner = SessionRunner(session, department, printer, hall_name=..., kiosk_name=..., record=sender,
                           on_change=show, post=ui_thread)
    runner.start(); runner.card_read(holder); runner.print(); runner.cancel(); runner.tick()  # from the screen

The department is asked and the printer followed on worker threads, never on the caller's (a Kivy
screen's UI thread); their results come back through `post` (Kivy: `Clock.schedule_once`), and every
change of the view is handed to `on_change`. The session itself is pure (selfservice/session.py); this
module is where the time, the threads and the devices are.

Bounds the citizen can rely on: a department query is given up after `query_deadline_s` even if the
adapter hangs (its own timeouts and breaker come first); a print that neither finishes nor waits on a
printer fault within `print_deadline_s` is cancelled and reported. When the session ends the print job
of an unfinished print is cancelled and purged, and the runner lets go of the session.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from devices.a4printer import A4Printer, A4PrinterError, A4PrinterNotReady, A4PrinterUnavailable, A4PrintFailed
from queue_broker.protocol import Holder
from queue_broker.security.identity import holder_hash

from .adapter import DepartmentAdapter
from .errors import AdapterError, AdapterTimeout, ServiceDown
from .render import RenderedDocument, render_pdf
from .session import CancelPrint, Effect, Ended, Print, Query, Record, SelfServiceSession, SessionView

log = logging.getLogger(__name__)

Post = Callable[[Callable[[], None]], None]


def call_now(fn: Callable[[], None]) -> None:
    fn()


class SessionRunner:
    def __init__(
        self,
        session: SelfServiceSession,
        department: DepartmentAdapter,
        printer: A4Printer,
        *,
        hall_name: str,
        kiosk_name: str = "",
        record: Callable[[Record], None] | None = None,
        clock: Callable[[], datetime],
        on_change: Callable[[SessionView], None] | None = None,
        post: Post = call_now,
        timezone: str = "Asia/Shanghai",
        query_deadline_s: float = 30.0,
        print_deadline_s: float = 300.0,
        render: Callable[..., RenderedDocument] = render_pdf,
    ):
        self.session = session
        self.department = department
        self.printer = printer
        self.hall_name = hall_name
        self.kiosk_name = kiosk_name
        self.record_sender = record
        self.clock = clock
        self.on_change = on_change or (lambda view: None)
        self.post = post
        self.timezone = timezone
        self.query_deadline_s = query_deadline_s
        self.print_deadline_s = print_deadline_s
        self.render = render
        self.rendered_pages = 0
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._view = session.view()
        self._followers: dict[str, threading.Event] = {}  # print key -> "feed the state again"
        self._cancelled: set[str] = set()
        self._threads: list[threading.Thread] = []

    # --- inputs from the screen (and from the card reader) -------------------------------------
    def start(self) -> SessionView:
        return self._input("start")

    def touch(self) -> SessionView:
        return self._input("touch")

    def card_read(self, holder: Holder) -> SessionView:
        return self._input("card_read", holder)

    def card_failed(self, reason: str) -> SessionView:
        return self._input("card_failed", reason)

    def next_page(self) -> SessionView:
        return self._input("next_page")

    def prev_page(self) -> SessionView:
        return self._input("prev_page")

    def print(self) -> SessionView:
        return self._input("print")

    def retry(self) -> SessionView:
        return self._input("retry")

    def cancel(self) -> SessionView:
        return self._input("cancel")

    def tick(self) -> SessionView:
        return self._input("tick")

    def view(self) -> SessionView:
        with self._lock:
            return self._view

    def wait_for(self, predicate: Callable[[SessionView], bool], timeout: float) -> SessionView:
        """Block until the view satisfies `predicate` (tests, the benchmark); the last view either way."""
        with self._changed:
            self._changed.wait_for(lambda: predicate(self._view), timeout)
            return self._view

    def join(self, timeout: float = 10.0) -> None:
        """Wait for the worker threads (a test's clean end)."""
        for t in list(self._threads):
            t.join(timeout)

    # --- the loop: input -> effects -> view ------------------------------------------------------
    def _input(self, name: str, *args: object) -> SessionView:
        with self._lock:
            effects = getattr(self.session, name)(*args, self.clock())
            return self._apply(effects)

    def _feed(self, name: str, *args: object) -> None:
        """A result from a worker thread, handed to the session on the caller's thread (`post`)."""

        def deliver() -> None:
            with self._lock:
                effects = getattr(self.session, name)(*args, self.clock())
                self._apply(effects)

        self.post(deliver)

    def _apply(self, effects: list[Effect]) -> SessionView:
        for effect in effects:
            if isinstance(effect, Query):
                self._spawn(self._run_query, effect, name="selfservice-query")
            elif isinstance(effect, Print):
                self._start_print(effect)
            elif isinstance(effect, CancelPrint):
                self._cancelled.add(effect.key)
                self._spawn(self._run_cancel, effect.key, name="selfservice-cancel")
            elif isinstance(effect, Record):
                if self.record_sender is not None:
                    self._spawn(self._run_record, effect, name="selfservice-record")
            elif isinstance(effect, Ended):
                for key in list(self._followers):
                    if key not in self._cancelled:  # printed: the printer forgets the key too
                        self._spawn(self.printer.forget, key, name="selfservice-forget")
                self._followers.clear()
        view = self.session.view()
        if view != self._view:
            self._view = view
            self._changed.notify_all()
            self.on_change(view)
        return view

    def _spawn(self, target: Callable[..., None], *args: object, name: str) -> None:
        t = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads = [x for x in self._threads if x.is_alive()] + [t]
        t.start()

    # --- the department ------------------------------------------------------------------------
    def _run_query(self, q: Query) -> None:
        outcome: list[object] = []
        worker = threading.Thread(target=self._ask, args=(q, outcome), name="selfservice-department", daemon=True)
        worker.start()
        worker.join(self.query_deadline_s)
        if worker.is_alive():  # the adapter's own bounds failed: give the citizen an answer anyway
            log.warning("department %s: no answer within %.0f s", self.department.id, self.query_deadline_s)
            self._feed("query_failed", q.attempt, AdapterTimeout(f"no answer within {self.query_deadline_s:g} s"))
            return
        result = outcome[0]
        if isinstance(result, AdapterError):
            self._feed("query_failed", q.attempt, result)
        else:
            self._feed("query_done", q.attempt, result)

    def _ask(self, q: Query, outcome: list[object]) -> None:
        try:
            outcome.append(self.department.query(q.holder, q.params))
        except AdapterError as exc:
            outcome.append(exc)
        except Exception as exc:  # a bug in an adapter: the citizen gets "service down", the log the type
            log.error("department %s: %s in the adapter", self.department.id, type(exc).__name__)
            outcome.append(ServiceDown(f"adapter failed: {type(exc).__name__}"))

    # --- the printer ---------------------------------------------------------------------------
    def _start_print(self, p: Print) -> None:
        self._cancelled.discard(p.key)
        again = self._followers.get(p.key)
        if again is not None:  # a retry while the job is followed: tell the session its state again
            again.set()
            return
        self._followers[p.key] = threading.Event()
        self._spawn(self._run_print, p, name="selfservice-print")

    def _run_print(self, p: Print) -> None:
        key = p.key
        try:
            rendered = self.render(p.document, self.hall_name, self.clock(), self.kiosk_name, self.timezone)
            self.rendered_pages = rendered.pages
            job = self.printer.print_pdf(rendered.pdf, key, rendered.pages)
        except (A4PrinterNotReady, A4PrinterUnavailable) as exc:
            code = "printer_unavailable" if isinstance(exc, A4PrinterUnavailable) else "printer_not_ready"
            with self._lock:
                self._followers.pop(key, None)
            self._feed("print_refused", key, code, exc.citizen_message)
            return
        except A4PrinterError as exc:
            with self._lock:
                self._followers.pop(key, None)
            self._feed("print_progress", key, "failed", exc.sheets, 0, exc.citizen_message)
            return
        self._follow(key, job.pages)

    def _follow(self, key: str, sheets: int) -> None:
        deadline = self.printer.monotonic() + self.print_deadline_s
        last: tuple[str, int] | None = None
        while True:
            with self._lock:
                again = self._followers.get(key)
                if again is None or key in self._cancelled:
                    return  # the session ended or cancelled the print
                if again.is_set():
                    again.clear()
                    last = None
            try:
                job = self.printer.job(key)
            except (KeyError, A4PrinterError) as exc:
                if isinstance(exc, KeyError):
                    return
                job = None
                log.warning("printer: %s", exc)
            if job is not None:
                if (job.state, job.sheets) != last:
                    last = (job.state, job.sheets)
                    self._feed("print_progress", key, job.state, job.sheets, sheets, job.citizen_message)
                if not job.live:
                    with self._lock:
                        if job.state != "completed":
                            self._followers.pop(key, None)  # a new try under this key starts a new follower
                    return
                if job.state != "waiting" and self.printer.monotonic() > deadline:
                    log.warning("printer: job %s did not finish within %.0f s; cancelled", key, self.print_deadline_s)
                    self.printer.cancel(key)
                    with self._lock:
                        self._followers.pop(key, None)
                    self._feed("print_progress", key, "failed", job.sheets, sheets, A4PrintFailed.citizen_message)
                    return
            time.sleep(self.printer.poll_s)

    def _run_cancel(self, key: str) -> None:
        try:
            self.printer.forget(key)
        except A4PrinterError as exc:
            log.warning("printer: could not cancel an abandoned job: %s", exc)

    # --- the audit record --------------------------------------------------------------------
    def _run_record(self, record: Record) -> None:
        assert self.record_sender is not None
        try:
            self.record_sender(record)
        except Exception as exc:  # the citizen is not kept waiting for the audit: logged for staff
            log.error("self-service record %s not stored: %s", record.transaction_id, type(exc).__name__)


def mqtt_record_sender(
    link, kiosk_id: str, timeout: float = 10.0, hash_key: bytes | None = None
) -> Callable[[Record], None]:
    """A `record` callable sending cmd/selfservice/record through the kiosk's HallLink (a retry after a
    reconnect keeps the transaction id, so the broker records it once). With `hash_key` (the hall's
    self-service key, queue_broker/service/keys.py) the citizen goes as `holder_hash` and the ID number
    stays on the kiosk, as the contract wants; without, as the number (the first form)."""

    def send(record: Record) -> None:
        number = record.holder.id_number.strip().upper()
        who = {"holder_hash": holder_hash(hash_key, number)} if hash_key else {"holder": {"id_number": number}}
        payload = {
            "request_id": record.transaction_id,
            "kiosk_id": kiosk_id,
            "service_id": record.service_id,
            **who,
            "outcome": record.outcome,
            "pages": record.pages,
            "started_at": record.started_at.isoformat() if record.started_at else None,
        }
        reply = link.request(link.topics.selfservice_cmd("record"), payload, timeout)
        if not reply.get("ok"):
            error = reply.get("error") or {}
            log.error("self-service record %s refused: %s", record.transaction_id, error.get("code"))

    return send
