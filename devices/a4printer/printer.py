"""The kiosk's A4 printer as one object, whatever its backend: print a PDF once, follow the job, cancel it,
report the printer's health on `node/{node}/device/{device}` like every device.

    printer = open_a4printer(device_config, health)
    job = printer.print_pdf(pdf, key="tx-3f9c", pages=2)   # A4PrinterNotReady: nothing was sent
    job = printer.wait(key, timeout=60)                    # completed | waiting (fault) | failed | ...
    printer.cancel(key)                                     # the citizen left: the job is purged

**Once only.** A job is known by the caller's `key` (the self-service transaction's id). Printing the same
key again while its job is queued, waiting on a fault or printing, or after it completed, sends nothing
and returns that job: a retry after "paper out" lets the waiting job go on instead of queueing a second
copy. Only a job that ended with no sheet out (cancelled, or aborted before printing) is sent again; one
that failed after sheets came out is refused (`A4PrintFailed`), never reprinted whole.

**Nothing left behind.** At start every unfinished job of this kiosk on its queue is cancelled and purged:
after a restart nobody is at the kiosk to take a record that would come out later.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..health import HealthReporter
from ..serialport import Backoff
from .errors import A4PrinterError, A4PrinterNotReady, A4PrinterUnavailable, A4PrintFailed
from .status import A4Status, JobInfo

log = logging.getLogger(__name__)

KEY_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
LIVE = ("queued", "printing", "waiting")


@dataclass(frozen=True)
class PrintJob:
    key: str
    state: str  # queued | printing | waiting (a printer fault holds it) | completed | failed | cancelled
    sheets: int  # sheets out so far
    pages: int
    message: str = ""  # for staff
    citizen_message: str = ""  # for the screen when waiting or failed

    @property
    def live(self) -> bool:
        return self.state in LIVE


@dataclass
class _Record:
    job_id: int
    pages: int
    last: PrintJob


class A4Printer:
    kind = "a4printer"

    def __init__(
        self,
        device_id: str,
        link,
        health: HealthReporter,
        poll_s: float = 0.25,
        backoff: Backoff | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.id = device_id
        self.link = link
        self.health = health
        self.poll_s = poll_s
        self.backoff = backoff or Backoff()
        self.monotonic = monotonic
        self._jobs: dict[str, _Record] = {}
        self._lock = threading.RLock()

    # --- state --------------------------------------------------------------------------------
    def status(self) -> A4Status:
        """The printer's state now, reported as health; never raises."""
        try:
            status = self.link.printer()
        except A4PrinterUnavailable as exc:
            self.backoff.failed()
            status = A4Status("fault", str(exc), A4PrinterUnavailable.citizen_message)
        else:
            self.backoff.succeeded()
        self.health.report(self.id, self.kind, status.state, status.message)
        return status

    def purge_open_jobs(self) -> int:
        """Cancel and purge every unfinished job of this kiosk on its queue; how many there were."""
        try:
            stale = self.link.open_jobs()
            for job_id in stale:
                self.link.cancel(job_id)
        except A4PrinterUnavailable as exc:
            log.warning("%s: could not clear the queue: %s", self.id, exc)
            return 0
        if stale:
            log.warning("%s: cancelled %d unfinished job(s) left from before", self.id, len(stale))
        return len(stale)

    # --- printing -----------------------------------------------------------------------------
    def print_pdf(self, pdf: bytes, key: str, pages: int) -> PrintJob:
        """Send the PDF once for `key` (see the module's docstring). Raises A4PrinterNotReady (a fault:
        nothing sent), A4PrinterUnavailable (no printing system: nothing sent), A4PrintFailed."""
        if not KEY_RE.match(key):
            raise ValueError("a print key is 1-64 letters, digits, '-' or '_' (it becomes the job's title)")
        with self._lock:
            rec = self._jobs.get(key)
            if rec is not None:
                job = self._refresh(key, rec)
                if job.live or job.state == "completed":
                    return job
                if job.sheets > 0:
                    raise A4PrintFailed(f"{self.id}: job {rec.job_id} failed after {job.sheets} sheet(s)", job.sheets)
            try:
                status = self.link.printer()
            except A4PrinterUnavailable as exc:
                self.health.report(self.id, self.kind, "fault", str(exc))
                raise
            self.health.report(self.id, self.kind, status.state, status.message)
            if not status.can_print:
                raise A4PrinterNotReady(status.message, status.citizen_message)
            job_id = self.link.submit(pdf, f"hall-{key}", pages)
            job = PrintJob(key, "queued", 0, pages)
            self._jobs[key] = _Record(job_id, pages, job)
            return job

    def job(self, key: str) -> PrintJob:
        """The job's state now (KeyError for a key never printed). Printer faults become `waiting`."""
        with self._lock:
            return self._refresh(key, self._jobs[key])

    def wait(self, key: str, timeout: float, until_waiting: bool = True) -> PrintJob:
        """Follow the job until it ends, or it waits on a printer fault (when `until_waiting`), or `timeout`."""
        deadline = self.monotonic() + timeout
        while True:
            job = self.job(key)
            if not job.live or (until_waiting and job.state == "waiting") or self.monotonic() >= deadline:
                return job
            time.sleep(min(self.poll_s, max(0.0, deadline - self.monotonic())))

    def cancel(self, key: str) -> PrintJob | None:
        """Cancel and purge the key's job if it has not finished; the job as it ended (None if unknown)."""
        with self._lock:
            rec = self._jobs.get(key)
            if rec is None:
                return None
            job = self._refresh(key, rec)
            if job.live:
                self.link.cancel(rec.job_id)
                job = PrintJob(key, "cancelled", job.sheets, rec.pages, "已取消")
                rec.last = job
            return job

    def forget(self, key: str) -> None:
        """The session is over: cancel what is unfinished and drop the record of the key."""
        with self._lock:
            if key in self._jobs:
                try:
                    self.cancel(key)
                except A4PrinterError as exc:
                    log.warning("%s: could not cancel a job at the end of its session: %s", self.id, exc)
                del self._jobs[key]

    def close(self) -> None:
        self.link.close()

    # --- internals ----------------------------------------------------------------------------
    def _refresh(self, key: str, rec: _Record) -> PrintJob:
        if not rec.last.live:
            return rec.last  # ended: the answer does not change
        info: JobInfo = self.link.job(rec.job_id)
        sheets = max(info.sheets, rec.last.sheets)
        if info.state in ("pending", "held"):
            job = PrintJob(key, "queued", sheets, rec.pages)
        elif info.state in ("processing", "stopped"):
            status = self.status()
            if status.can_print and info.state == "processing":
                job = PrintJob(key, "printing", sheets, rec.pages, status.message)
            else:
                job = PrintJob(key, "waiting", sheets, rec.pages, status.message, status.citizen_message)
        elif info.state == "completed" or (info.state == "gone" and sheets >= rec.pages):
            job = PrintJob(key, "completed", max(sheets, rec.pages), rec.pages)
            self.status()
        elif info.state == "canceled":
            job = PrintJob(key, "cancelled", sheets, rec.pages, "打印任务已被取消", A4PrintFailed.citizen_message)
        else:  # aborted, or gone before it was seen finished
            job = PrintJob(
                key, "failed", sheets, rec.pages, f"打印任务未完成（{info.state}）", A4PrintFailed.citizen_message
            )
            self.status()
        rec.last = job
        return job
