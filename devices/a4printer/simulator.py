"""A simulated A4 printer behind the same link as CUPS: it takes the same PDF, "prints" it page by page
(`seconds_per_page`), and puts it where a test can read it (`out_dir`, or `printed` in memory).

Faults as a real printer shows them through CUPS: paper out (also mid-job, after `paper_sheets`),
offline, jammed. A job waits while the fault lasts, in state processing with the printer's reason
(`media-empty-error`...), and goes on when it is cleared (`load_paper`, `set_offline(False)`,
`clear_jam`), exactly as a job on a USB printer does; a cancelled job prints nothing more.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from .status import A4Status, JobInfo, printer_status


@dataclass
class _Job:
    id: int
    title: str
    pdf: bytes
    pages: int
    state: str = "pending"
    sheets: int = 0
    cancelled: threading.Event = field(default_factory=threading.Event)


class SimulatedA4Link:
    def __init__(
        self,
        out_dir: str | Path | None = None,
        seconds_per_page: float = 0.5,
        paper_sheets: int | None = None,
        offline: bool = False,
        paper_out: bool = False,
        jammed: bool = False,
    ):
        self.out_dir = Path(out_dir) if out_dir else None
        self.seconds_per_page = seconds_per_page
        self.paper_sheets = paper_sheets  # None: never runs out
        self.offline = offline
        self.jammed = jammed
        if paper_out:
            self.paper_sheets = 0
        self.printed: list[tuple[str, bytes]] = []  # (title, PDF) of every finished job
        self.reachable = True  # False: the printing system does not answer (tests)
        self._jobs: dict[int, _Job] = {}
        self._next_id = 1
        self._queue: list[int] = []
        self._changed = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="a4-simulator", daemon=True)
        self._thread.start()

    # --- what a test or demo does ---------------------------------------------------------------
    def load_paper(self, sheets: int | None = None) -> None:
        with self._changed:
            self.paper_sheets = sheets
            self._changed.notify_all()

    def set_offline(self, offline: bool) -> None:
        with self._changed:
            self.offline = offline
            self._changed.notify_all()

    def jam(self) -> None:
        with self._changed:
            self.jammed = True

    def clear_jam(self) -> None:
        with self._changed:
            self.jammed = False
            self._changed.notify_all()

    # --- the link --------------------------------------------------------------------------------
    def _reasons(self) -> list[str]:
        reasons = []
        if self.offline:
            reasons.append("offline-report")
        if self.paper_sheets == 0:
            reasons.append("media-empty-error")
        if self.jammed:
            reasons.append("media-jam-error")
        return reasons

    def _check_reachable(self) -> None:
        if not self.reachable:
            from .errors import A4PrinterUnavailable

            raise A4PrinterUnavailable("打印服务（模拟）无法连接")

    def printer(self) -> A4Status:
        self._check_reachable()
        with self._changed:
            busy = any(j.state == "processing" for j in self._jobs.values())
            # like a USB printer through CUPS: a fault is known once the printer was last talked to
            return printer_status(4 if busy else 3, True, self._reasons())

    def submit(self, pdf: bytes, title: str, pages: int) -> int:
        """`pages`: the sheets the job takes (the caller rendered it; WeasyPrint's compressed PDFs do not
        show their page tree to a simple scan)."""
        self._check_reachable()
        with self._changed:
            job = _Job(self._next_id, title, pdf, max(1, pages))
            self._next_id += 1
            self._jobs[job.id] = job
            self._queue.append(job.id)
            self._changed.notify_all()
            return job.id

    def job(self, job_id: int) -> JobInfo:
        self._check_reachable()
        with self._changed:
            job = self._jobs.get(job_id)
            if job is None:
                return JobInfo("gone")
            reasons = tuple(self._reasons()) if job.state == "processing" else ()
            return JobInfo(job.state, job.sheets, reasons)

    def cancel(self, job_id: int) -> None:
        self._check_reachable()
        with self._changed:
            job = self._jobs.get(job_id)
            if job is not None and job.state in ("pending", "processing"):
                job.state = "canceled"
                job.cancelled.set()
                if job_id in self._queue:
                    self._queue.remove(job_id)
                self._changed.notify_all()

    def open_jobs(self) -> list[int]:
        self._check_reachable()
        with self._changed:
            return sorted(j.id for j in self._jobs.values() if j.state in ("pending", "processing"))

    def close(self) -> None:
        with self._changed:
            self._stop = True
            self._changed.notify_all()
        self._thread.join(2)

    # --- the mechanism ----------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._stop and not self._queue:
                    self._changed.wait()
                if self._stop:
                    return
                job = self._jobs[self._queue.pop(0)]
                job.state = "processing"
            self._print(job)

    def _print(self, job: _Job) -> None:
        while job.sheets < job.pages:
            with self._changed:
                while not self._stop and not job.cancelled.is_set() and self._reasons():
                    self._changed.wait(0.05)  # a fault: wait, as a job on a real printer does
                if self._stop or job.cancelled.is_set():
                    return
            if job.cancelled.wait(self.seconds_per_page):
                return
            with self._changed:
                if job.cancelled.is_set():
                    return
                if self._reasons():
                    continue  # the fault came while this sheet was being fed: it is printed after
                job.sheets += 1
                if self.paper_sheets is not None:
                    self.paper_sheets -= 1
        with self._changed:
            if job.cancelled.is_set():
                return
            job.state = "completed"
            self.printed.append((job.title, job.pdf))
            if self.out_dir is not None:
                self.out_dir.mkdir(parents=True, exist_ok=True)
                (self.out_dir / f"{job.title}-job_{job.id}.pdf").write_bytes(job.pdf)
