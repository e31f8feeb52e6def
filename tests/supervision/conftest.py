"""A hall day through the pure engine with an injected clock, ticking the supervision tasks exactly as
the broker does (`HallService._run_ticks`): every command a task returns is executed at the same `now`,
a refused one is skipped."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from queue_broker.config.loader import load_site_config
from queue_broker.engine import events as ev
from queue_broker.engine.commands import CounterCommand, FinishTicket, IssueTicket, OpenCounter, SubmitRating
from queue_broker.engine.hall import HallEngine, Rejected
from queue_broker.supervision import supervision_tasks

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini-site.yaml"
TZ = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=TZ)


class Day:
    def __init__(self, engine: HallEngine, start: datetime):
        self.e = engine
        self.now = start
        self.events: list[ev.Event] = []
        self.tasks = supervision_tasks(engine.config)

    def run(self, cmd):
        result = self.e.execute(cmd, self.now)
        self.events.extend(result.events)
        return result.reply

    def tick(self) -> list[ev.Event]:
        new: list[ev.Event] = []
        for task in self.tasks:
            for cmd in task(self.e, self.now):
                try:
                    new.extend(self.e.execute(cmd, self.now).events)
                except Rejected:
                    pass
        self.events.extend(new)
        return new

    def to(self, when: datetime) -> list[ev.Event]:
        """Set the clock and tick once."""
        assert when >= self.now
        self.now = when
        return self.tick()

    def later(self, **kw) -> list[ev.Event]:
        return self.to(self.now + timedelta(**kw))

    # terse hall actions
    def issue(self, service="zh-general") -> dict:
        return self.run(IssueTicket("kiosk-1", service, "walk_in"))["ticket"]

    def open(self, counter: str) -> None:
        self.run(OpenCounter(counter, "demo", "123456"))

    def act(self, counter: str, action: str) -> dict:
        return self.run(CounterCommand(counter, action))

    def serve(self, counter: str, outcome="done", missing=()) -> dict:
        """Call the next ticket and finish it at once."""
        t = self.act(counter, "call-next")["ticket"]
        self.run(FinishTicket(counter, outcome, tuple(missing)))
        return t

    def rate(self, ticket_id: str, level: int, reasons=()) -> dict:
        return self.run(SubmitRating(ticket_id, level, tuple(reasons)))

    # what happened
    def of(self, type_: str, rule: str | None = None) -> list[ev.Event]:
        out = [e for e in self.events if e.type == type_]
        if rule is not None:
            out = [e for e in out if self.alert_of(e).data.get("rule") == rule]
        return out

    def alert_of(self, e: ev.Event):
        return self.e.alerts[e.data["id"]]

    def active(self, rule: str):
        """The alert of this rule now (not cleared), or None."""
        found = [a for (r, _s), aid in self.e.monitor_alerts.items() if r == rule for a in [self.e.alerts[aid]]]
        assert len(found) <= 1, found
        return found[0] if found else None


@pytest.fixture
def config():
    return load_site_config(MINI, env={})


@pytest.fixture
def make_day(config):
    def make(start: datetime, cfg=None) -> Day:
        return Day(HallEngine(cfg or config), start)

    return make


# ---------------------------------------------------------------------------------------- over MQTT
@pytest.fixture
def mqtt_hall(mosquitto, site_id, tmp_path):
    """The real broker service (session Mosquitto, injected clock) with the supervision tasks, the
    device-health feed and a metrics endpoint on a free port, as `python -m queue_broker run` has them."""
    from queue_broker.supervision import attach
    from tests.broker.conftest import Clock, Hall

    clock = Clock(at(2026, 11, 27, 9, 0))
    with Hall(mosquitto.url, site_id, tmp_path / "data", clock) as h:
        h.service.tick_tasks.extend(supervision_tasks(h.service.config))
        h.handles = attach(h.service, metrics_addr="127.0.0.1:0")
        yield h
        h.handles["metrics"].stop()


@pytest.fixture
def recorder(mqtt_hall):
    return mqtt_hall.recorder()
