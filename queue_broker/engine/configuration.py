"""A new site file or catalog taken into the running engine, and the record of every configuration change.
A mixin of HallEngine (docs/platform.md, "Live reload").

The service (`queue_broker/service/reload.py`) reads and checks the file, which is I/O; the engine gets the
validated `SiteConfig` in an `ApplyConfig` command, refuses what cannot change while the hall runs, and
emits one `config_changed` event: version before and after, the changes in words, who made it. The event
is the audit record (it is in the hash-chained log like every other event). Applying it swaps the
configuration between two commands, which is the safe moment: nothing in flight changes — tickets keep
their queue, item and number, counters keep their current queues, a removed item issues no new ticket but
its waiting citizens are served.

On replay the event cannot swap anything (it holds the version, not the file): a restarted broker reads
the site file from disk, and the service records a `startup` change when that file is not the version the
log last recorded. `RecordConfigChange` records a dated change taking effect by itself (an item's
effective or cancel date, a dated opening-hours change), which changes no state either.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import events as ev
from .commands import ApplyConfig, RecordConfigChange
from .dispatch import applies, handles
from .events import Event
from .records import CounterRec, QueueStats
from .rejected import Rejected, Result
from .state import EngineState, OwnState

CONFIG_LOG_KEEP = 50  # the latest changes, for the reply to a reload and the supervisor; the log keeps all


class ConfigMixin(EngineState):
    """Uses HallEngine's state (config, queues, services, counters, ...)."""

    # The latest `config_changed` records, oldest first.
    config_log = OwnState(list[dict[str, Any]])
    # version -> the SiteConfig an ApplyConfig just checked, swapped in when its event is applied.
    _config_pending = OwnState(dict[str, Any])

    @property
    def config_version(self) -> str | None:
        """The version the log last recorded (None before the first record)."""
        return self.config_log[-1]["version"] if self.config_log else None

    @handles(ApplyConfig)
    def _do_ApplyConfig(self, cmd: ApplyConfig, now: datetime) -> Result:
        new = cmd.config
        problems = self.live_change_problems(new)
        if problems:
            raise Rejected("conflict", "；".join(problems))
        if cmd.version == self.config_version and cmd.kind != "startup":
            return Result([], {"config": {"version": cmd.version, "state": "unchanged", "changes": []}})
        self._config_pending[cmd.version] = new
        return self._record_change(cmd, list(cmd.restart_needed), now)

    @handles(RecordConfigChange)
    def _do_RecordConfigChange(self, cmd: RecordConfigChange, now: datetime) -> Result:
        return self._record_change(cmd, [], now)

    def _record_change(self, cmd: ApplyConfig | RecordConfigChange, restart: list[str], now: datetime) -> Result:
        out: list[Event] = []
        # the checked SiteConfig itself stays out of the log: the version names it
        data = ev.command_data(cmd, leave_out=("config", "restart_needed"))
        self._emit(out, ev.CONFIG_CHANGED, now, **data, restart_needed=restart)
        return Result(out, {"config": self.config_log[-1]})

    def live_change_problems(self, new: Any) -> list[str]:
        """What keeps `new` from replacing the running configuration without a restart."""
        old = self.config
        problems = []
        if new.site.id != old.site.id:
            problems.append(f"大厅编号由 {old.site.id} 改为 {new.site.id}：那是另一个大厅")
        if new.site.timezone != old.site.timezone:
            problems.append("时区改变：请在当天的号办完后重启排队服务器")
        gone_queues = sorted({q.id for q in old.queues} - {q.id for q in new.queues})
        if gone_queues:
            problems.append(
                f"删除了队列 {'、'.join(gone_queues)}：运行中队列和窗口只能新增或修改（它们的号记在日志里）；"
                "请保留该队列，不再给它分配事项"
            )
        gone_counters = sorted({c.id for c in old.counters} - {c.id for c in new.counters})
        if gone_counters:
            problems.append(f"删除了窗口 {'、'.join(gone_counters)}：运行中窗口只能新增或修改")
        return problems

    @applies("config_changed")
    def _on_config_changed(self, at: datetime, d: dict[str, Any]) -> None:
        self.config_log.append({**d, "at": at.isoformat()})
        del self.config_log[:-CONFIG_LOG_KEEP]
        new = self._config_pending.pop(d["version"], None)
        if new is not None:
            self._swap_config(new)

    def _swap_config(self, new: Any) -> None:
        """The new configuration, between two commands. New queues and counters join; existing counters
        keep what they are doing (a closed one takes its new home queues)."""
        self.config = new
        self.queues = {q.id: q for q in new.queues}
        self.services = {s.id: s for s in new.services}
        self.bundles = {b.id: b for b in new.bundles}
        for q in new.queues:
            self.waiting.setdefault(q.id, [])
            if q.id not in self.stats:
                self.stats[q.id] = QueueStats(mean_service_s=q.mean_service_min * 60)
        for c in new.counters:
            rec = self.counters.get(c.id)
            if rec is None:
                self.counters[c.id] = CounterRec(id=c.id, queue_ids=list(c.home), mode="tidal" if c.tidal else "fixed")
            elif rec.status == "closed" and rec.current is None and not rec.locked:
                rec.queue_ids, rec.mode = list(c.home), "tidal" if c.tidal else "fixed"
        self.counter_cfg = {c.id: c for c in new.counters}
        for derived in ("hours", "work_calendar"):  # built from the config: rebuilt on first use
            self.__dict__.pop(derived, None)
