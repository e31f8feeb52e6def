from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from queue_broker.config.loader import load_site_config
from queue_broker.engine.commands import CounterCommand, HolderInfo, IssueTicket, OpenCounter
from queue_broker.engine.hall import HallEngine

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini-site.yaml"
TZ = ZoneInfo("Asia/Shanghai")


class Clock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw) -> datetime:
        self.now += timedelta(**kw)
        return self.now


@pytest.fixture
def config():
    return load_site_config(MINI, env={})


@pytest.fixture
def clock():
    return Clock(datetime(2026, 11, 27, 9, 0, tzinfo=TZ))


@pytest.fixture
def hall(config):
    return HallEngine(config)


class Driver:
    """Terse helpers over the engine for tests."""

    def __init__(self, engine: HallEngine, clock: Clock):
        self.e, self.clock, self.events = engine, clock, []

    def run(self, cmd, **advance):
        if advance:
            self.clock.advance(**advance)
        result = self.e.execute(cmd, self.clock())
        self.events.extend(result.events)
        return result.reply

    def issue(self, service="zh-general", channel="walk_in", holder=None, code=None, **adv):
        return self.run(IssueTicket("kiosk-1", service, channel, holder, code), **adv)["ticket"]

    def open(self, counter, operator="demo", pin="123456"):
        return self.run(OpenCounter(counter, operator, pin))

    def act(self, counter, action, **adv):
        return self.run(CounterCommand(counter, action), **adv)


@pytest.fixture
def drive(hall, clock):
    return Driver(hall, clock)


def holder(h: str, age: int | None = 40) -> HolderInfo:
    return HolderInfo(hash=h, masked_id="1101**********002X", masked_name="张*", age=age)
