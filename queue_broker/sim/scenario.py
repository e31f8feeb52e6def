"""Hall-day scenarios (format: examples/scenarios/README or ../shared/scenarios/README.md).

A scenario is read and checked here, turned into the ticket stream of one seed (the same stream
for every policy: common random numbers), and into a `SiteConfig` the production engine runs on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..config.models import SiteConfig
from ..security.pins import hash_pin
from .leave import LeaveAndReturn

SIM_OPERATOR = "sim"
SIM_PIN = "000000"
# one PBKDF2 round with a fixed salt: this hash only ever guards a simulated hall in memory
_SIM_PIN_HASH = hash_pin(SIM_PIN, iterations=1, salt=b"hall-day-sim-pin")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServiceTime(_Strict):
    mean: float = Field(gt=0)
    cv: float = Field(ge=0)


class Burst(_Strict):
    share: float = Field(ge=0, le=1)
    minutes: float = Field(gt=0)


class DaySpec(_Strict):
    opens: str
    ticketing_closes: str
    slot_minutes: float = Field(gt=0)
    slots: list[str] = Field(min_length=1)
    opening_burst: Burst | None = None


class QueueSpec(_Strict):
    id: str
    name: str
    tickets_per_day: float = Field(ge=0)
    service_min: ServiceTime
    arrival_share: list[float]


class CounterSpec(_Strict):
    id: str
    home: list[str] = Field(min_length=1)
    eligible: list[str] = []

    @property
    def skills(self) -> list[str]:
        """Home first, then the other eligible queues (the config model does the same)."""
        return list(dict.fromkeys([*self.home, *self.eligible]))


class NoShow(_Strict):
    probability: float = Field(ge=0, le=1)
    minutes: float = Field(ge=0)


class Surge(_Strict):
    queue: str
    slots: list[str]
    factor: float = Field(ge=0)


WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class History(_Strict):
    """How weeks of history are generated for forecasting (queue_broker/plan/history.py); the day
    itself is unchanged by it (a factor-1 day)."""

    weekday_factor: dict[str, float] = {}
    day_cv: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _days(self) -> History:
        for key, value in self.weekday_factor.items():
            if key not in WEEKDAY_KEYS:
                raise ValueError(f"history.weekday_factor: {key!r} is not one of {', '.join(WEEKDAY_KEYS)}")
            if value < 0:
                raise ValueError(f"history.weekday_factor.{key} must not be negative")
        return self


class ReserveSpec(_Strict):
    """A back-office clerk who can open a window serving `eligible`, `ready_min` after being asked."""

    id: str
    eligible: list[str] = Field(min_length=1)
    ready_min: float = Field(ge=0)


class Scenario(_Strict):
    name: str
    day: DaySpec
    queues: list[QueueSpec] = Field(min_length=1)
    counters: list[CounterSpec] = Field(min_length=1)
    no_show: NoShow = NoShow(probability=0.0, minutes=0.0)
    switch_cost_min: float = Field(default=0.0, ge=0)
    surges: list[Surge] = []
    leave_and_return: LeaveAndReturn | None = None  # added: citizens who wait outside (sim/come_back.py)
    history: History | None = None  # only for generating history to forecast from
    reserve: list[ReserveSpec] = []  # only `tidal` and `reactive-reserve` use them

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        ids = [q.id for q in self.queues]
        if len(set(ids)) != len(ids):
            raise ValueError("queue ids must be unique")
        n = len(self.day.slots)
        for q in self.queues:
            if len(q.arrival_share) != n:
                raise ValueError(f"queue {q.id}: arrival_share has {len(q.arrival_share)} entries for {n} slots")
            if q.tickets_per_day and abs(sum(q.arrival_share) - 1.0) > 0.02:
                raise ValueError(f"queue {q.id}: arrival_share sums to {sum(q.arrival_share):.3f}, not 1")
        cids = [c.id for c in self.counters]
        if len(set(cids)) != len(cids):
            raise ValueError("counter ids must be unique")
        for c in self.counters:
            for qid in c.skills:
                if qid not in ids:
                    raise ValueError(f"counter {c.id} names unknown queue {qid}")
        for s in self.surges:
            if s.queue not in ids:
                raise ValueError(f"surge names unknown queue {s.queue}")
            for slot in s.slots:
                if slot not in self.day.slots:
                    raise ValueError(f"surge slot {slot} is not a slot of the day")
        starts = [self.minute(s) for s in self.day.slots]
        if starts != sorted(starts):
            raise ValueError("slots must be in time order")
        rids = [r.id for r in self.reserve]
        if len(set(rids)) != len(rids) or set(rids) & set(cids):
            raise ValueError("reserve ids must be unique and differ from the counters' ids")
        for r in self.reserve:
            for qid in r.eligible:
                if qid not in ids:
                    raise ValueError(f"reserve {r.id} names unknown queue {qid}")
        return self

    # ------------------------------------------------------------------ time helpers
    @staticmethod
    def _hm(value: str) -> int:
        h, m = value.split(":")
        return int(h) * 60 + int(m)

    def minute(self, hhmm: str) -> float:
        """Minutes after the hall opens."""
        return float(self._hm(hhmm) - self._hm(self.day.opens))

    @property
    def close_minute(self) -> float:
        return self.minute(self.day.ticketing_closes)

    def clock(self, minute: float) -> str:
        total = int(round(self._hm(self.day.opens) + minute))
        return f"{total // 60:02d}:{total % 60:02d}"

    def ticketing_periods(self) -> list[tuple[float, float]]:
        """Runs of contiguous slots, as (start, end) minutes; the last ends at ticketing_closes."""
        runs: list[list[float]] = []
        for s in self.day.slots:
            start = self.minute(s)
            if runs and abs(runs[-1][1] - start) < 1e-9:
                runs[-1][1] = start + self.day.slot_minutes
            else:
                runs.append([start, start + self.day.slot_minutes])
        runs[-1][1] = max(runs[-1][1], self.close_minute)
        return [(a, min(b, self.close_minute)) for a, b in runs if a < self.close_minute]

    def queue(self, queue_id: str) -> QueueSpec:
        return next(q for q in self.queues if q.id == queue_id)


def load_scenario(path: str | Path) -> Scenario:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return Scenario.model_validate(data)


# ---------------------------------------------------------------------------------- the ticket stream
@dataclass(frozen=True)
class Arrival:
    t: float  # minutes after opening
    queue: str
    service: float  # minutes at the counter if the citizen shows up
    no_show: bool


def lognormal_params(mean: float, cv: float) -> tuple[float, float]:
    """(mu, sigma) of the normal under a lognormal with this mean and coefficient of variation."""
    sigma2 = math.log1p(cv * cv)
    return math.log(mean) - sigma2 / 2, math.sqrt(sigma2)


def ticket_stream(scn: Scenario, seed: int) -> list[Arrival]:
    """One seed's tickets: Poisson counts per slot, uniform times within the slot (a Poisson process
    at constant rate), the opening burst, lognormal service times, no-show flags. Every random draw
    of a queue comes from its own child generator, so adding a queue or a surge elsewhere does not
    shift the others' streams."""
    root = np.random.SeedSequence([seed, 20261127])
    children = root.spawn(len(scn.queues))
    width = scn.day.slot_minutes
    burst = scn.day.opening_burst
    out: list[Arrival] = []
    for q, child in zip(scn.queues, children, strict=True):
        rng = np.random.default_rng(child)
        mu, sigma = lognormal_params(q.service_min.mean, q.service_min.cv)
        for i, slot in enumerate(scn.day.slots):
            factor = math.prod(s.factor for s in scn.surges if s.queue == q.id and slot in s.slots)
            n = int(rng.poisson(q.tickets_per_day * q.arrival_share[i] * factor))
            start = scn.minute(slot)
            offsets = rng.uniform(0.0, width, n)
            if i == 0 and burst is not None and burst.share > 0 and n:
                in_burst = rng.random(n) < burst.share
                b = min(burst.minutes, width)
                offsets = np.where(in_burst, rng.uniform(0.0, b, n), rng.uniform(b, width, n))
            if sigma > 0:
                services = rng.lognormal(mu, sigma, n)
            else:
                services = np.full(n, q.service_min.mean)
            no_shows = rng.random(n) < scn.no_show.probability
            for t, s, ns in zip(offsets, services, no_shows, strict=True):
                out.append(Arrival(float(start + t), q.id, float(s), bool(ns)))
    out.sort(key=lambda a: (a.t, a.queue))
    return out


# ---------------------------------------------------------------------------------- the site config
def _prefix(i: int) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O on a ticket
    return letters[i] if i < len(letters) else letters[i // len(letters) - 1] + letters[i % len(letters)]


def service_id(queue_id: str) -> str:
    return f"svc-{queue_id}"


def site_config(
    scn: Scenario, *, tidal: bool = True, sla_min: int = 20, review_every_s: int = 60, reserves: bool = False
) -> SiteConfig:
    """The SiteConfig of a scenario: one service per queue, every counter open for the sim operator,
    opening hours = the ticketing periods (the broker's tasks then know when no more tickets come),
    caps off, everyone a walk-in. Counters with more eligible queues than home ones are tidal when
    `tidal` is set, fixed otherwise. With `reserves`, the scenario's reserve clerks and a closed
    window for each (sim/reserves.py)."""
    periods = [{"start": scn.clock(a), "end": scn.clock(b)} for a, b in scn.ticketing_periods()]
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    guide = {
        "implementing_body": "模拟大厅",
        "legal_basis": ["模拟"],
        "conditions": ["无"],
        "fee": "不收费",
        "process": ["取号", "办理"],
        "time_limit_days": 0,
        "result": "办结",
        "contact": "无",
    }
    queues = [
        {"id": q.id, "prefix": _prefix(i), "name": q.name, "sla_min": sla_min, "mean_service_min": q.service_min.mean}
        for i, q in enumerate(scn.queues)
    ]
    counters = []
    for i, c in enumerate(scn.counters):
        skills = c.skills
        counters.append(
            {
                "id": c.id,
                "number": i + 1,
                "name": f"{i + 1}号窗口",
                "home": list(c.home),
                "eligible": skills,
                "tidal": bool(tidal and len(skills) > len(set(c.home))),
            }
        )
    data = {
        "site": {
            "id": "sim-hall",
            "name": scn.name,
            "timezone": "Asia/Shanghai",
            "opening_hours": {d: periods for d in days},
            "ticketing_closes_before_min": 0,
        },
        "queues": queues,
        "counters": counters,
        "operators": [{"id": SIM_OPERATOR, "name": "模拟操作员", "pin_hash": _SIM_PIN_HASH, "counters": "*"}],
        "services": [
            {
                "id": service_id(q.id),
                "name": q.name,
                "queue_id": q.id,
                "department": q.name,
                "guide": guide,
                "materials": [],
            }
            for q in scn.queues
        ],
        "priorities": {"walk_in_share": 0.5, "elderly_age": None},
        "caps": {"per_person_per_day": None, "per_person_per_queue_per_day": None},
        "rebalancer": {"enabled": True, "review_every_s": review_every_s, "switch_cost_min": scn.switch_cost_min},
    }
    if reserves and scn.reserve:
        from .reserves import reserve_counters, reserve_entries

        counters.extend(reserve_counters(scn, len(counters) + 1))
        data["reserves"] = reserve_entries(scn)
    return SiteConfig.model_validate(data)
