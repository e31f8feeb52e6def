"""Device health into the engine: the broker subscribes `hall/{site}/node/+/device/+` (the retained
`DeviceHealth` every node publishes through `devices.health.HealthReporter`), keeps the latest message
per device, and a tick task turns each change into a `RecordDeviceHealth` command.

Why through the engine and not a side table: a fault becomes an event in the store, so it survives a
restart, the `device_fault` rule measures its duration from the broker's clock, and reports count it.
The MQTT callback thread only writes a dict; the engine is touched on the engine thread alone.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from ..engine.commands import RecordDeviceHealth
from ..protocol import messages as m
from ..protocol.topics import Topics

log = logging.getLogger("queue_broker.supervision")


class DeviceFeed:
    __name__ = "device_feed"

    def __init__(self, topics: Topics):
        self.topics = topics
        self._latest: dict[tuple[str, str], m.DeviceHealth] = {}
        self._lock = threading.Lock()
        self.received = 0
        self.refused = 0

    def filter(self) -> str:
        return f"{self.topics.root}/node/+/device/+"

    def attach(self, link: Any) -> DeviceFeed:
        link.subscribe(self.filter(), self.on_message)
        return self

    def on_message(self, topic: str, payload: bytes, inbound: Any = None) -> None:
        match = self.topics.parse(topic)
        if match is None or match.family != "device":
            return
        if not payload:  # a cleared retained message: the device was removed; keep its last record
            return
        try:
            health = m.parse(m.DeviceHealth, payload)
        except m.ProtocolError as exc:
            self.refused += 1
            log.warning("device health on %s refused: %s", topic, exc)
            return
        with self._lock:
            self._latest[(match.params["node"], match.params["device"])] = health
            self.received += 1

    def __call__(self, engine: Any, now: datetime) -> list[Any]:
        with self._lock:
            latest = list(self._latest.items())
        commands = []
        for (node, device), h in latest:
            rec = engine.devices.get((node, device))
            if rec is None or (rec.ok, rec.state, rec.message, rec.kind) != (h.ok, h.state, h.message, h.kind):
                commands.append(RecordDeviceHealth(node, device, h.kind, h.ok, h.state, h.message))
        return commands
