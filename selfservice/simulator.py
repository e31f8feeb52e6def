"""The department simulator: believable records (selfservice/sample_records.py), deterministic per citizen,
after a configurable latency, with faults a test or a demo can inject for the next queries (as the device
simulators do): `timeout`, `down`, `garbage`, `not_found`, `not_allowed`.

The bytes a real department sends are exercised by the HTTP backend against the fake service in the
tests; this backend is what a hall without a department connection (or a demo) runs.
"""

from __future__ import annotations

import threading

from devices.faults import FaultQueue
from queue_broker.config.selfservice import SimulatedDepartment
from queue_broker.protocol import Holder

from .adapter import Clock, QueryParams, check_answer, utcnow
from .document import Document
from .errors import AdapterError, AdapterTimeout, BadAnswer, NotAllowed, NotFound, ServiceDown
from .sample_records import MAKERS, citizen

FAULTS: dict[str, type[AdapterError]] = {
    "timeout": AdapterTimeout,
    "down": ServiceDown,
    "garbage": BadAnswer,
    "not_found": NotFound,
    "not_allowed": NotAllowed,
}


class SimulatedDepartmentAdapter:
    def __init__(self, id: str, name: str, options: SimulatedDepartment | None = None, clock: Clock = utcnow):
        self.id = id
        self.name = name
        self.options = options or SimulatedDepartment()
        self.clock = clock
        self.queries = 0  # how many were asked (tests: a retry must not ask again)
        self._faults = FaultQueue(FAULTS)
        self._closed = threading.Event()
        self._lock = threading.Lock()

    def inject(self, *faults: str) -> None:
        """Spoil the next queries, one fault each, in order."""
        self._faults.inject(*faults)

    def query(self, holder: Holder, params: QueryParams) -> Document:
        with self._lock:
            self.queries += 1
            fault = self._faults.take()
        if self._closed.wait(self.options.latency_s):
            raise ServiceDown(f"department {self.id}: the adapter was closed")
        if fault is not None:
            raise FAULTS[fault](f"department {self.id}: simulated {fault}")
        maker = MAKERS.get(params.document)
        if maker is None:
            raise NotAllowed(f"department {self.id} does not issue {params.document}")
        document = maker(citizen(self.options.seed, holder), params, self.clock(), self.name)
        return check_answer(document, holder, params)

    def close(self) -> None:
        self._closed.set()
