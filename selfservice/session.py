"""One citizen's self-service transaction as a pure state machine: what a kiosk screen binds to.

    card read → query → preview pages → print → printed → ended (wiped)

No I/O and no clock: every input carries `now`, and every input returns the *effects* the caller must
carry out (ask the department, print, cancel the print, record the transaction for the audit log);
`SessionRunner` (selfservice/runner.py) carries them out and feeds their results back. The screen shows
`view()` and calls the inputs its buttons name (`view().actions`).

Every failure has its path and a plain sentence (selfservice/texts.py): the card cannot be read, the
department does not know the citizen or refuses, times out or answers garbage, the printer is out of
paper or offline (before sending, or while the job waits), the citizen walks away halfway (`tick` after
`idle_timeout_s` without a touch). Ending, however it happens, cancels an unfinished print, records the
transaction once, and drops the citizen's data: the holder, the record, the pages.

Results that come back after the session moved on (a department answering after the citizen cancelled,
the answer to an earlier try) are recognised by their attempt number and ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from queue_broker.config.selfservice import DocumentKind
from queue_broker.protocol import Holder
from queue_broker.security.identity import mask_name

from .adapter import QueryParams
from .document import Document
from .errors import AdapterError
from .texts import text

# steps
INSERT_CARD, QUERYING, PREVIEW, PRINTING, PRINTED, FAILED, ENDED = (
    "insert_card",
    "querying",
    "preview",
    "printing",
    "printed",
    "failed",
    "ended",
)
# what failed (view().failure), which decides what 重试 does
CARD, DEPARTMENT, PRINTER = "card", "department", "printer"


# --- effects: what the runner must do ----------------------------------------------------------


@dataclass(frozen=True)
class Query:
    holder: Holder
    params: QueryParams
    attempt: int


@dataclass(frozen=True)
class Print:
    document: Document
    key: str  # the transaction id: the printer prints a key once


@dataclass(frozen=True)
class CancelPrint:
    key: str


@dataclass(frozen=True)
class Record:
    """cmd/selfservice/record: the transaction for the audit log (request_id = transaction id)."""

    transaction_id: str
    service_id: str
    holder: Holder  # only its ID number is sent; the broker keeps the keyed hash
    outcome: str
    pages: int
    started_at: datetime | None


@dataclass(frozen=True)
class Ended:
    """The session is over and wiped; the screen goes home."""


Effect = Query | Print | CancelPrint | Record | Ended


# --- what the screen shows ---------------------------------------------------------------------


@dataclass(frozen=True)
class SessionView:
    step: str
    title: str  # the record's name (社会保险个人权益记录…)
    message: str
    detail: str = ""
    masked_name: str = ""  # 张*; empty before the card and after the end
    page_lines: tuple[str, ...] = ()
    page: int = 0  # 1-based, in the preview
    pages: int = 0
    sheets: int = 0  # A4 sheets of the print
    sheets_done: int = 0
    actions: tuple[str, ...] = ()  # buttons the screen offers: prev_page next_page print retry cancel home help
    busy: bool = False  # waiting for the department or the printer: show progress, no other input
    failure: str = ""  # card | department | printer when step is failed
    error: str = ""  # the error code (not_found, timeout, media-empty, ...) for tests and staff


@dataclass
class SessionSettings:
    idle_timeout_s: float = 60.0  # no touch for this long at a step waiting for the citizen: abandoned
    printed_timeout_s: float = 20.0  # the printed screen goes home by itself
    lines_per_page: int = 14  # preview lines per screen page (fewer in elderly mode)
    language: str = "zh"


@dataclass
class _Print:
    key: str
    sheets: int = 0
    sheets_done: int = 0
    state: str = ""  # the printer's job state: queued printing waiting completed failed cancelled
    requested: bool = False


@dataclass
class SelfServiceSession:
    transaction_id: str  # made by the caller (uuid4): the machine has no randomness
    service_id: str
    document_kind: DocumentKind
    title: str  # the record's name for the screen
    department: str  # the department's name
    months: int = 12
    settings: SessionSettings = field(default_factory=SessionSettings)
    step: str = INSERT_CARD
    _holder: Holder | None = None
    _started_at: datetime | None = None
    _document: Document | None = None
    _pages: list[list[str]] = field(default_factory=list)
    _page: int = 0
    _attempt: int = 0
    _print: _Print | None = None
    _failure: str = ""
    _error: str = ""
    _message: str = ""
    _detail: str = ""
    _outcome: str = ""  # for the audit record
    _recorded: bool = False
    _last_touch: datetime | None = None
    _printed_at: datetime | None = None

    def __repr__(self) -> str:
        return f"SelfServiceSession({self.transaction_id}, {self.service_id}, step={self.step})"

    # --- inputs ------------------------------------------------------------------------------
    def start(self, now: datetime) -> list[Effect]:
        self._last_touch = now
        return []

    def touch(self, now: datetime) -> list[Effect]:
        """Any touch on the screen: the citizen is still there."""
        self._last_touch = now
        return []

    def card_read(self, holder: Holder, now: datetime) -> list[Effect]:
        if self.step not in (INSERT_CARD,) and not (self.step == FAILED and self._failure == CARD):
            return []  # a card laid later on is not this session's business
        self._holder = holder
        self._started_at = now
        return self._query(now)

    def card_failed(self, reason: str, now: datetime) -> list[Effect]:
        if self.step != INSERT_CARD:
            return []
        return self._fail(
            CARD, "card_unreadable", text("card_failed", self._lang), text("card_failed_detail", self._lang), now
        )

    def query_done(self, attempt: int, document: Document, now: datetime) -> list[Effect]:
        if self.step != QUERYING or attempt != self._attempt:
            return []
        self._document = document
        self._pages = document.pages(self.settings.lines_per_page)
        self._page = 0
        self._outcome = "viewed"
        self.step = PREVIEW
        self._last_touch = now
        return []

    def query_failed(self, attempt: int, error: AdapterError, now: datetime) -> list[Effect]:
        if self.step != QUERYING or attempt != self._attempt:
            return []
        self._outcome = error.code if error.code in ("not_found", "not_allowed") else "unavailable"
        key = (
            error.code
            if error.code in ("not_found", "not_allowed", "timeout", "service_down", "bad_answer")
            else "service_down"
        )
        detail = "counter_detail" if error.code in ("not_found", "not_allowed") else "retry_detail"
        return self._fail(DEPARTMENT, error.code, text(key, self._lang), text(detail, self._lang), now)

    def next_page(self, now: datetime) -> list[Effect]:
        if self.step == PREVIEW and self._page + 1 < len(self._pages):
            self._page += 1
        self._last_touch = now
        return []

    def prev_page(self, now: datetime) -> list[Effect]:
        if self.step == PREVIEW and self._page > 0:
            self._page -= 1
        self._last_touch = now
        return []

    def print(self, now: datetime) -> list[Effect]:
        if self.step != PREVIEW or self._document is None:
            return []
        self._last_touch = now
        return self._send_print()

    def print_refused(self, key: str, code: str, citizen_message: str, now: datetime) -> list[Effect]:
        """The printer refused before anything was sent (paper out, offline, no printing system)."""
        if self._print is None or key != self._print.key or self.step != PRINTING:
            return []
        self._print.state = "refused"
        self._outcome = "print_failed"
        return self._fail(PRINTER, code, citizen_message, text("retry_detail", self._lang), now)

    def print_progress(
        self, key: str, state: str, sheets_done: int, sheets: int, citizen_message: str, now: datetime
    ) -> list[Effect]:
        """The job's state as the printer tells it (queued printing waiting completed failed cancelled)."""
        p = self._print
        if p is None or key != p.key or self.step in (ENDED, PRINTED, PREVIEW):
            return []
        p.state, p.sheets_done, p.sheets = state, sheets_done, sheets or p.sheets
        if state in ("queued", "printing"):
            self.step, self._failure, self._error = PRINTING, "", ""
            return []
        if state == "waiting":  # a printer fault holds the job: it prints when the fault clears
            self._outcome = "print_failed"
            if self.step == FAILED and self._error == "printer_waiting":
                return []  # still waiting: the walk-away timer runs from when the fault appeared
            return self._fail(PRINTER, "printer_waiting", citizen_message, text("printer_wait_detail", self._lang), now)
        if state == "completed":
            self.step = PRINTED
            self._printed_at = now
            self._outcome = "printed"
            return self._record()
        self._outcome = "print_failed"  # failed or cancelled by the printing system
        detail = text("print_failed_partial" if sheets_done else "retry_detail", self._lang)
        return self._fail(PRINTER, f"print_{state}", citizen_message or text("print_failed", self._lang), detail, now)

    def retry(self, now: datetime) -> list[Effect]:
        if self.step != FAILED:
            return []
        self._last_touch = now
        if self._failure == CARD:
            self.step, self._failure, self._error = INSERT_CARD, "", ""
            return []
        if self._failure == DEPARTMENT and self._error not in ("not_found", "not_allowed"):
            return self._query(now)
        if self._failure == PRINTER and not (
            self._print and self._print.sheets_done and self._print.state != "waiting"
        ):
            return self._send_print()
        return []

    def cancel(self, now: datetime) -> list[Effect]:
        """取消 / 返回首页 / the citizen left: end the session and wipe it."""
        return self._end()

    def tick(self, now: datetime) -> list[Effect]:
        """Called about once a second: the printed screen's own timeout, and the walk-away timeout."""
        if self.step == ENDED:
            return []
        if self.step == PRINTED:
            if self._printed_at and now - self._printed_at >= timedelta(seconds=self.settings.printed_timeout_s):
                return self._end()
            return []
        if self.step in (QUERYING,) or (self.step == PRINTING and self._print and self._print.state != "waiting"):
            return []  # the department or the printer is working: bounded by the runner, not by the citizen
        if self._last_touch and now - self._last_touch >= timedelta(seconds=self.settings.idle_timeout_s):
            return self._end()
        return []

    # --- what the screen shows ---------------------------------------------------------------
    def view(self) -> SessionView:
        lang = self._lang
        name = mask_name(self._holder.name) if self._holder is not None else ""
        common: dict[str, Any] = {"step": self.step, "title": self.title, "masked_name": name}
        if self.step == INSERT_CARD:
            return SessionView(
                **common,
                message=text("insert_card", lang),
                detail=text("insert_card_detail", lang, title=self.title),
                actions=("cancel", "help"),
            )
        if self.step == QUERYING:
            return SessionView(
                **common,
                message=text("querying", lang, name=name, department=self.department),
                busy=True,
                actions=("cancel",),
            )
        if self.step == PREVIEW:
            actions = tuple(
                a
                for a, ok in (
                    ("prev_page", self._page > 0),
                    ("next_page", self._page + 1 < len(self._pages)),
                    ("print", True),
                    ("cancel", True),
                    ("help", True),
                )
                if ok
            )
            return SessionView(
                **common,
                message=text("preview", lang),
                detail=text("preview_detail", lang, page=self._page + 1, pages=len(self._pages)),
                page_lines=tuple(self._pages[self._page]),
                page=self._page + 1,
                pages=len(self._pages),
                actions=actions,
            )
        if self.step == PRINTING:
            p = self._print
            assert p is not None
            return SessionView(
                **common,
                message=text("printing", lang),
                detail=text("printing_detail", lang, done=p.sheets_done, sheets=p.sheets or "—"),
                sheets=p.sheets,
                sheets_done=p.sheets_done,
                busy=True,
            )
        if self.step == PRINTED:
            code = self._document.verification_code if self._document else ""
            p = self._print
            return SessionView(
                **common,
                message=text("printed", lang, title=self.title),
                detail=text("printed_detail", lang, code=code),
                sheets=p.sheets if p else 0,
                sheets_done=p.sheets_done if p else 0,
                actions=("home",),
            )
        if self.step == FAILED:
            return SessionView(
                **common,
                message=self._message,
                detail=self._detail,
                failure=self._failure,
                error=self._error,
                actions=self._failure_actions(),
                sheets=self._print.sheets if self._print else 0,
                sheets_done=self._print.sheets_done if self._print else 0,
            )
        return SessionView(step=ENDED, title=self.title, message=text("ended", lang), actions=("home",))

    # --- internals ---------------------------------------------------------------------------
    @property
    def _lang(self) -> str:
        return self.settings.language

    def _query(self, now: datetime) -> list[Effect]:
        assert self._holder is not None
        self._attempt += 1
        self.step, self._failure, self._error = QUERYING, "", ""
        self._last_touch = now
        params = QueryParams(document=self.document_kind, months=self.months, request_id=self.transaction_id)
        return [Query(self._holder, params, self._attempt)]

    def _send_print(self) -> list[Effect]:
        assert self._document is not None
        if self._print is None:
            self._print = _Print(self.transaction_id)
        self._print.requested = True
        self._print.state = "queued"
        self.step, self._failure, self._error = PRINTING, "", ""
        self._outcome = "print_failed"  # until the printer says completed
        return [Print(self._document, self._print.key)]

    def _fail(self, failure: str, error: str, message: str, detail: str, now: datetime) -> list[Effect]:
        self.step, self._failure, self._error = FAILED, failure, error
        self._message, self._detail = message, detail
        self._last_touch = now
        return []

    def _failure_actions(self) -> tuple[str, ...]:
        if self._failure == CARD:
            return ("retry", "cancel", "help")
        if self._failure == DEPARTMENT:
            if self._error in ("not_found", "not_allowed"):
                return ("home", "help")
            return ("retry", "cancel", "help")
        p = self._print
        if p is not None and p.sheets_done and p.state != "waiting":
            return ("home", "help")  # pages came out of a failed job: never reprinted whole
        return ("retry", "cancel", "help")

    def _record(self) -> list[Effect]:
        if self._recorded or self._holder is None or not self._outcome:
            return []
        self._recorded = True
        pages = self._print.sheets_done if self._print else 0
        return [Record(self.transaction_id, self.service_id, self._holder, self._outcome, pages, self._started_at)]

    def _end(self) -> list[Effect]:
        if self.step == ENDED:
            return []
        effects: list[Effect] = []
        p = self._print
        if p is not None and p.requested and p.state not in ("completed",):
            effects.append(CancelPrint(p.key))  # nothing of it comes out after the citizen has gone
        effects += self._record()
        effects.append(Ended())
        self.step = ENDED
        self._holder, self._document, self._pages, self._page = None, None, [], 0
        self._message = self._detail = ""
        return effects
