"""The broker's side of the provincial platforms (docs/platform.md): the uplink with its outbox, the
retained `state/platform` (the pending count the supervisor tablet shows, and the open 办件), and the
`cmd/supervisor/uplink` command. `HallService` holds one and calls it from its engine thread."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from ..platform.uplink import NOTICE, RATING, PlatformUplink
from ..protocol import messages as m
from ..protocol import platform as pm

log = logging.getLogger("queue_broker.platform")


class PlatformDesk:
    def __init__(self, service: Any):
        self.service = service
        self.uplink = PlatformUplink(service.config, service.env)
        self.uplink.on_change = self._uplink_changed
        self._counts: dict[str, int] = service.engine.application_counts(service.clock())
        self._last: dict[str, Any] | None = None
        self._lock = threading.Lock()
        self.uplink.reconcile(service.engine)

    def start(self) -> None:
        self.uplink.start()

    def stop(self) -> None:
        self.uplink.stop()

    # ------------------------------------------------------------ the engine thread
    def after_commit(self, events: list[Any], now: datetime) -> None:
        try:
            self.uplink.after_commit(self.service.engine, events)
        except Exception:  # the outbox must never stop the hall: the records come back at the next start
            log.exception("platform outbox: records of this batch not kept")
        self._counts = self.service.engine.application_counts(now)

    def publish(self, now: datetime) -> None:
        """state/platform, when something in it changed (it is cheap to build, not to send every batch)."""
        self._counts = self.service.engine.application_counts(now)
        self._publish(now)

    def _uplink_changed(self) -> None:  # the uplink thread: acks and failures
        self._publish(self.service.clock())  # `at` in the hall's time, as every state topic

    def _publish(self, now: datetime) -> None:
        body = {
            "uplink": self.uplink.status(RATING),
            "notices": self.uplink.status(NOTICE),
            "applications": dict(self._counts),
            "catalog_version": (self.service.catalog or {}).get("version"),
            "config_version": self.service.engine.config_version,
        }
        with self._lock:  # two threads publish (the engine's and the uplink's): never an older body last
            if body == self._last:
                return
            self._last = body
            self.service.link.set_retained(self.service.topics.state("platform"), {"at": now.isoformat(), **body})

    # ------------------------------------------------------------ cmd/supervisor/uplink
    def uplink_reply(self, req: pm.SupervisorUplink) -> dict[str, Any]:
        if req.action == "retry-now":
            n = self.uplink.outbox.retry_now(self.uplink.clock())
            self.uplink.wake()
            return m.ok_reply(retried=n, uplink=self.uplink.status(RATING), notices=self.uplink.status(NOTICE))
        return m.ok_reply(
            uplink=self.uplink.status(RATING),
            notices=self.uplink.status(NOTICE),
            pending=self.uplink.pending_list(),
        )
