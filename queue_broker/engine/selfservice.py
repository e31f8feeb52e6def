"""24-hour self-service records in the audit log (issue 24). A mixin of HallEngine.

The kiosk fetches and prints a citizen's record itself; the hall server only learns that it happened:
the item, the kiosk, the outcome, the pages, and the citizen as the keyed hash. Nothing of the record.
The day's counts per item and outcome are kept for reports (`selfservice_counts`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from . import events as ev
from .commands import RecordSelfService
from .dispatch import applies, handles
from .events import Event
from .rejected import Rejected, Result
from .state import EngineState, OwnState

OUTCOMES = ("printed", "viewed", "print_failed", "not_found", "not_allowed", "unavailable")


class SelfServiceMixin(EngineState):
    """Uses HallEngine's state (config, services, tz); mixed into HallEngine only."""

    # (local day, service id, outcome) -> transactions; built from the events like all state.
    selfservice_counts = OwnState(lambda: defaultdict[tuple[date, str, str], int](int))

    @handles(RecordSelfService)
    def _do_RecordSelfService(self, cmd: RecordSelfService, now: datetime) -> Result:
        svc = self.services.get(cmd.service_id)
        if svc is None:
            raise Rejected("not_found", f"本大厅没有事项 {cmd.service_id!r}")
        if not (svc.self_service or cmd.service_id in self.config.site.self_service.service_ids):
            raise Rejected("conflict", f"{svc.name}不是自助办理事项")
        if cmd.outcome not in OUTCOMES:
            raise Rejected("invalid_request", f"未知的自助办理结果 {cmd.outcome!r}")
        out: list[Event] = []
        self._emit(out, ev.SELF_SERVICE_RECORDED, now, **ev.command_data(cmd))
        return Result(out, {"record": {"service_id": cmd.service_id, "outcome": cmd.outcome, "at": now.isoformat()}})

    @applies(ev.SELF_SERVICE_RECORDED)
    def _apply_self_service_recorded(self, at: datetime, d: dict[str, Any]) -> None:
        self.selfservice_counts[(self.local_day(at), d["service_id"], d["outcome"])] += 1
