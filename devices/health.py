"""Device health as every device package reports it (protocol v1 `node/{node}/device/{device}`).

A device calls `HealthReporter.report(state, message)`; the reporter remembers the latest health
of each device, forwards a change to its sink (the node's MQTT link publishes it retained), and can
replay everything after a reconnect. The reporter itself does no I/O.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol, cast

from queue_broker.protocol import DeviceHealth, DeviceState

log = logging.getLogger(__name__)

HealthSink = Callable[[str, DeviceHealth], None]


class Reports(Protocol):
    """What a device needs of its health reporter: `report` (a HealthReporter, or a wrapper that also tells
    someone else, as the kiosk's blind mode is told of the tactile keypad's junk keys)."""

    def report(self, device_id: str, kind: str, state: str, message: str) -> Any: ...


def report_safely(health: Reports, device_id: str, kind: str, state: str, message: str) -> None:
    """`health.report(...)` for a device that must keep working when its health sink is broken: the
    sink's error is logged, never raised."""
    try:
        health.report(device_id, kind, state, message)
    except Exception:
        log.exception("%s %s: health sink failed", kind, device_id)


def utcnow() -> datetime:
    return datetime.now(UTC)


class HealthReporter:
    """Latest health per device id; calls `sink(device_id, health)` only when the state or message changes."""

    def __init__(self, sink: HealthSink | None = None, clock: Callable[[], datetime] = utcnow):
        self._sink = sink
        self._clock = clock
        self._latest: dict[str, DeviceHealth] = {}
        self._lock = threading.Lock()

    def set_sink(self, sink: HealthSink | None) -> None:
        self._sink = sink

    def report(self, device_id: str, kind: str, state: str, message: str) -> DeviceHealth:
        # the devices name their state as a str; DeviceHealth checks it is a DeviceState
        health = DeviceHealth(
            kind=kind, ok=state == "ready", state=cast(DeviceState, state), message=message, at=self._clock()
        )
        with self._lock:
            old = self._latest.get(device_id)
            changed = old is None or (old.state, old.message) != (state, message)
            self._latest[device_id] = health
        if changed and self._sink is not None:
            self._sink(device_id, health)
        return health

    def latest(self) -> dict[str, DeviceHealth]:
        with self._lock:
            return dict(self._latest)

    def replay(self) -> None:
        """Send every device's latest health again (after an MQTT reconnect)."""
        if self._sink is None:
            return
        for device_id, health in self.latest().items():
            self._sink(device_id, health)
