"""Sends the notices the store has marked due, on the event loop's side: each send runs in a worker
thread, a failure is retried with doubling back-off (site file: `retry_first_s`, `retry_max`), and nothing
waits for it: not the broker, not an HTTP answer, not the next notice."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from ..hall import cancel_task
from .backends import Backend, Notice, SendError
from .store import NoticeStore

log = logging.getLogger("gateway.notify")


class NoticeSender:
    def __init__(
        self,
        store: NoticeStore,
        backend: Backend,
        *,
        retry_first_s: float = 2.0,
        retry_max: int = 6,
        params_of: Callable[[str], dict[str, str]] | None = None,
    ):
        self.store = store
        self.backend = backend
        self.retry_first_s = retry_first_s
        self.retry_max = retry_max
        self.params_of = params_of or (lambda ticket_id: {})
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.sent = 0
        self.failures = 0

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="notice-sender")

    async def stop(self) -> None:
        await cancel_task(self._task)

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)
            except TimeoutError:
                pass
            self._wake.clear()
            for row in self.store.due(time.time()):
                if row.address is None or row.kind is None or row.text is None:
                    self.store.sent(row.ticket_id)  # the page's own alert: nothing leaves the gateway
                    continue
                notice = Notice(
                    row.kind, row.channel, row.address, row.text, self.params_of(row.ticket_id), row.ticket_id
                )
                try:
                    await asyncio.to_thread(self.backend.send, notice)
                except SendError as exc:
                    self._failed(row.ticket_id, row.attempts, str(exc))
                except Exception as exc:  # a backend's bug must not stop the sender
                    self._failed(row.ticket_id, row.attempts, f"{type(exc).__name__}")
                else:
                    self.store.sent(row.ticket_id)
                    self.sent += 1
                    log.info("notice %s for ticket %s sent by %s", row.kind, row.ticket_id, self.backend.name)

    def _failed(self, ticket_id: str, attempts: int, why: str) -> None:
        self.failures += 1
        if attempts < self.retry_max:
            delay = self.retry_first_s * (2**attempts)
            self.store.failed_attempt(ticket_id, time.time() + delay)
            log.warning("notice for ticket %s not sent (%s); retry in %.0f s", ticket_id, why, delay)
        else:
            self.store.failed_attempt(ticket_id, None)
            log.error("notice for ticket %s given up after %d attempts (%s)", ticket_id, attempts + 1, why)


async def send_once_with_retries(backend: Backend, notice: Notice, retry_first_s: float, retry_max: int) -> bool:
    """For a notice with no ticket row (an appointment's confirmation): retried in memory, then dropped."""
    for attempt in range(retry_max + 1):
        try:
            await asyncio.to_thread(backend.send, notice)
            return True
        except Exception as exc:  # SendError, or a backend's bug
            log.warning(
                "notice %s for %s not sent (%s)",
                notice.kind,
                notice.ref,
                exc if isinstance(exc, SendError) else type(exc).__name__,
            )
            await asyncio.sleep(retry_first_s * (2**attempt))
    return False
