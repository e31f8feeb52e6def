"""The CUPS backend: IPP to the local printing system through pycups (libcups).

Why pycups and not `lp`/`lpstat`: the printer's state reasons (`media-empty-error`), a job's state and
the sheets it has printed come back as typed IPP attributes, not as text to parse in whatever language
the board is set to; a job is created and its PDF streamed from memory (`createJob`, `startDocument`,
`writeRequestData`), so the record never becomes a file on the kiosk's disk before CUPS spools it; and a
job is cancelled and purged in one call. The cost: pycups is a C extension built against libcups2-dev.

libcups keeps its server and user per thread; this link names its server on every connection and
serialises its calls, so any thread may use it.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import cups

from .errors import A4PrinterUnavailable
from .status import JOB_STATES, A4Status, JobInfo, printer_status

PRINTER_ATTRS = ["printer-state", "printer-state-reasons", "printer-is-accepting-jobs"]
JOB_ATTRS = ["job-state", "job-state-reasons", "job-media-sheets-completed"]


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


class CupsLink:
    def __init__(self, queue: str, server: str | None = None, job_options: dict[str, str] | None = None):
        self.queue = queue
        self.server = server
        self.job_options = dict(job_options or {})
        self._conn: cups.Connection | None = None
        self._lock = threading.Lock()

    def _call(self, fn):
        """Run `fn(connection)`; a broken connection is reopened once; anything else is A4PrinterUnavailable."""
        with self._lock:
            for attempt in (1, 2):
                try:
                    if self._conn is None:
                        self._conn = cups.Connection(host=self.server) if self.server else cups.Connection()
                    return fn(self._conn)
                except cups.IPPError:
                    raise
                except (RuntimeError, cups.HTTPError, OSError) as exc:
                    self._conn = None
                    if attempt == 2:
                        raise A4PrinterUnavailable(f"打印服务（CUPS）无法连接：{exc}") from None
        raise AssertionError("unreachable")

    def printer(self) -> A4Status:
        try:
            attrs = self._call(lambda c: c.getPrinterAttributes(self.queue, requested_attributes=PRINTER_ATTRS))
        except cups.IPPError as exc:
            if exc.args and exc.args[0] == cups.IPP_NOT_FOUND:
                raise A4PrinterUnavailable(f"打印服务中没有打印队列 {self.queue}") from None
            raise A4PrinterUnavailable(f"打印服务出错：{exc.args[-1] if exc.args else exc}") from None
        return printer_status(
            attrs.get("printer-state", 3),
            bool(attrs.get("printer-is-accepting-jobs", True)),
            _as_list(attrs.get("printer-state-reasons")),
        )

    def submit(self, pdf: bytes, title: str, pages: int) -> int:
        def send(c: cups.Connection) -> int:
            job_id = c.createJob(self.queue, title, self.job_options)
            try:
                c.startDocument(self.queue, job_id, title, cups.CUPS_FORMAT_PDF, 1)
                c.writeRequestData(pdf, len(pdf))
                c.finishDocument(self.queue)
            except BaseException:
                with contextlib.suppress(Exception):  # a job without its document must not wait in the queue
                    c.cancelJob(job_id, purge_job=True)
                raise
            return int(job_id)

        try:
            return self._call(send)
        except cups.IPPError as exc:
            raise A4PrinterUnavailable(f"打印服务拒绝了打印任务：{exc.args[-1] if exc.args else exc}") from None

    def job(self, job_id: int) -> JobInfo:
        try:
            attrs = self._call(lambda c: c.getJobAttributes(job_id, requested_attributes=JOB_ATTRS))
        except cups.IPPError as exc:
            if exc.args and exc.args[0] == cups.IPP_NOT_FOUND:
                return JobInfo("gone")
            raise A4PrinterUnavailable(f"打印服务出错：{exc.args[-1] if exc.args else exc}") from None
        return JobInfo(
            JOB_STATES.get(attrs.get("job-state", 0), "pending"),
            int(attrs.get("job-media-sheets-completed", 0) or 0),
            tuple(_as_list(attrs.get("job-state-reasons"))),
        )

    def cancel(self, job_id: int) -> None:
        try:
            self._call(lambda c: c.cancelJob(job_id, purge_job=True))
        except cups.IPPError as exc:
            if not (exc.args and exc.args[0] in (cups.IPP_NOT_FOUND, cups.IPP_NOT_POSSIBLE)):
                raise A4PrinterUnavailable(f"打印服务出错：{exc.args[-1] if exc.args else exc}") from None

    def open_jobs(self) -> list[int]:
        """Unfinished jobs on this queue, which is the kiosk's own. (Not `my_jobs`: a scheduler that does
        not authenticate local clients hides the jobs' owners, and the filter then finds nothing.)"""
        try:
            jobs = self._call(
                lambda c: c.getJobs(
                    which_jobs="not-completed", requested_attributes=["job-id", "job-printer-uri", "job-name"]
                )
            )
        except cups.IPPError as exc:
            raise A4PrinterUnavailable(f"打印服务出错：{exc.args[-1] if exc.args else exc}") from None
        return sorted(
            j
            for j, a in jobs.items()
            if str(a.get("job-printer-uri", "")).endswith(f"/printers/{self.queue}")
            and str(a.get("job-name", "hall-")).startswith("hall-")
        )

    def close(self) -> None:
        with self._lock:
            self._conn = None
