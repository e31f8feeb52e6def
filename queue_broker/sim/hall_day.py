"""One simulated hall day (SimPy) driving the production engine.

Every ticket, call, start, no-show, finish and counter move is an `HallEngine.execute` command at a
simulated datetime; the policy's periodic task runs on the same engine like the broker's tick tasks
do. The simulator only decides what the world does: when citizens arrive, how long they take, whether
they show up, and that a counter whose set of queues changed is away for the scenario's switch cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import simpy

from ..engine import events as ev
from ..engine.commands import CounterCommand, FinishTicket, IssueTicket, OpenCounter, TakeReserve
from ..engine.hall import HallEngine
from ..engine.rejected import Rejected
from .policies import make_policy, tidal_config_for, uses_reserves
from .scenario import SIM_OPERATOR, SIM_PIN, Arrival, Scenario, service_id, site_config, ticket_stream

TZ = ZoneInfo("Asia/Shanghai")
SIM_DATE = date(2026, 3, 2)  # a Monday; any working day would do
SAMPLE_MIN = 5.0  # how often the counters-per-queue timeline is sampled
_RESERVE_EVENTS = (ev.RESERVE_ASKED, ev.RESERVE_TAKEN, ev.RESERVE_CLOSED, ev.RESERVE_CANCELLED, ev.COUNTER_CLOSED)


@dataclass
class TicketOutcome:
    queue: str
    issued_min: float
    wait_min: float | None  # None: a no-show (not counted in waiting metrics)
    est_p50_min: float
    est_p80_min: float


@dataclass
class DayResult:
    scenario: str
    policy: str
    seed: int
    counters: int
    tickets: list[TicketOutcome]
    switches: int
    busy_min: float
    last_finish_min: float
    refused: int = 0
    recommendations: int = 0
    timeline: list[tuple[float, dict[str, float]]] = field(default_factory=list)
    moves: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    reserve_minutes: float = 0.0  # reserve counter-minutes: from each ask to its close (or withdrawal)
    reserve_asks: int = 0
    reserve_open_min: float = 0.0  # minutes reserve windows were open (taken to closed)


def run_day(
    scn: Scenario,
    policy: str,
    seed: int = 0,
    stream: list[Arrival] | None = None,
    *,
    record: bool = False,
    day: date | None = None,
    away: Any | None = None,
    sink: list[ev.Event] | None = None,
) -> DayResult:
    """Simulate one day of `scn` under `policy`. `stream` replaces the seed's random tickets (tests);
    `sink` receives every event the engine made (a simulated hall's event log, plan/demo.py)."""
    from .forecasting import sim_date

    if stream is None:
        stream = ticket_stream(scn, seed)
    day = day or sim_date(scn)
    config = site_config(scn, tidal=tidal_config_for(policy), reserves=uses_reserves(policy))
    pol = make_policy(policy, config)
    engine = HallEngine(config)
    opens = Scenario._hm(scn.day.opens)
    base = datetime.combine(day, time(opens // 60, opens % 60), TZ)
    env = simpy.Environment()
    switch_cost = scn.switch_cost_min if pol.switch_cost else 0.0
    reserve_ids = {r.id for r in config.reserves}
    counter_ids = [c.id for c in config.counters if c.id not in reserve_ids]
    cooldown = dict.fromkeys([c.id for c in config.counters], 0.0)
    idle: dict[str, simpy.Event] = {}  # counters waiting for work, oldest first
    closed: dict[str, simpy.Event] = {}  # reserve windows waiting for their clerk
    taken_at: dict[str, float] = {}
    arrival_of: dict[str, Arrival] = {}
    state: dict[str, Any] = {"switches": 0, "busy": 0.0, "last": 0.0, "arrivals_done": False, "refused": 0, "recs": 0}
    reserves: dict[str, Any] = {"minutes": 0.0, "asks": 0, "open": 0.0}
    moves: list[dict[str, Any]] = []
    alerts: list[dict[str, Any]] = []
    timeline: list[tuple[float, dict[str, float]]] = []

    def now() -> datetime:
        return base + timedelta(minutes=env.now)

    def wake(cid: str) -> None:
        e = idle.pop(cid, None)
        if e is not None:
            e.succeed()

    def run(cmd: Any):
        res = engine.execute(cmd, now())
        if sink is not None:
            sink.extend(res.events)
        if res.events:
            pol.observe(res.events, engine)
            for e in res.events:
                if e.type == ev.COUNTER_REBALANCED:
                    cid = e.data["counter_id"]
                    state["switches"] += 1
                    if engine.counters[cid].status != "closed":  # a closed counter loses nothing
                        cooldown[cid] = env.now + switch_cost
                    if record:
                        moves.append(
                            {
                                "t": env.now,
                                "counter_id": cid,
                                "from": e.data["from_queue_ids"],
                                "to": e.data["to_queue_ids"],
                                "reason": e.data["reason"],
                            }
                        )
                    wake(cid)
                elif e.type in _RESERVE_EVENTS:
                    on_reserve_event(e)
                elif e.type == ev.ALERT_RAISED and e.data["kind"].startswith("recommend_"):
                    state["recs"] += 1
                    if record:
                        alerts.append(
                            {
                                "t": env.now,
                                "kind": e.data["kind"],
                                "message": e.data["message"],
                                **e.data.get("extra", {}),
                            }
                        )
        return res

    def on_reserve_event(e: ev.Event) -> None:
        d = e.data
        if e.type == ev.RESERVE_ASKED:
            reserves["asks"] += 1
            env.process(clerk(d["reserve_id"], d["ask_id"]))
        elif e.type == ev.RESERVE_TAKEN:
            taken_at[d["counter_id"]] = env.now
        elif e.type == ev.COUNTER_CLOSED:
            wake(d["counter_id"])  # an idle window that closed goes back to waiting for its clerk
        else:  # closed or cancelled: the ask is over
            reserves["minutes"] += d["minutes"]
            if d.get("counter_id") in taken_at:
                reserves["open"] += env.now - taken_at.pop(d["counter_id"])

    def clerk(reserve_id: str, ask_id: str):
        """The asked clerk comes `ready_min` later, logs in at the reserve's window and takes the ask."""
        yield env.timeout(next(r.ready_min for r in config.reserves if r.id == reserve_id))
        rec = engine.reserves[reserve_id]
        if rec.state != "asked" or rec.ask_id != ask_id:
            return  # withdrawn meanwhile
        run(OpenCounter(reserve_id, SIM_OPERATOR, SIM_PIN))
        run(TakeReserve(reserve_id, reserve_id, pol.take_mode))
        e = closed.pop(reserve_id, None)
        if e is not None:
            e.succeed()

    def hall_empty() -> bool:
        return (
            state["arrivals_done"]
            and not any(engine.waiting.values())
            and all(c.current is None for c in engine.counters.values())
        )

    def day_over() -> bool:
        """Nothing left for the policy's task: the hall is empty and no reserve ask is still running
        (given at most two hours to be released after the last citizen)."""
        if not hall_empty():
            return False
        active = any(r.active for r in engine.reserves.values())
        return not active or env.now > state["last"] + 120.0

    def counter(cid: str):
        while True:
            if engine.counters[cid].status == "closed":
                e = env.event()
                closed[cid] = e
                yield e
                continue
            if cooldown[cid] > env.now:
                yield env.timeout(cooldown[cid] - env.now)
                continue
            ticket = run(CounterCommand(cid, "call-next")).reply.get("ticket")
            if ticket is None:
                e = env.event()
                idle[cid] = e
                yield e
                continue
            a = arrival_of[ticket["id"]]
            # a citizen who left the hall and comes back on a notice (sim/come_back.py) may be late: the
            # counter waits up to its grace (the recalls), else the ticket is a no-show after the grace
            late = away.late_by(ticket["id"], env.now) if away is not None else 0.0
            wait_for = scn.no_show.minutes
            if away is not None and late > 0 and not a.no_show:
                if late <= away.grace_min:
                    yield env.timeout(late)
                    state["busy"] += late
                else:
                    a, wait_for = Arrival(a.t, a.queue, a.service, True), away.grace_min
            if a.no_show:
                yield env.timeout(wait_for)
                run(CounterCommand(cid, "no-show"))
                state["busy"] += wait_for
            else:
                run(CounterCommand(cid, "start"))
                yield env.timeout(a.service)
                run(FinishTicket(cid, "done"))
                state["busy"] += a.service
            state["last"] = env.now

    def arrivals():
        for a in stream:
            if a.t > env.now:
                yield env.timeout(a.t - env.now)
            try:
                reply = run(IssueTicket("kiosk-sim", service_id(a.queue), "walk_in")).reply
            except Rejected:
                state["refused"] += 1
                continue
            arrival_of[reply["ticket"]["id"]] = a
            if away is not None:
                away.issued(run, engine, reply["ticket"]["id"], a, now())
            for cid, e in list(idle.items()):
                if a.queue in engine.counters[cid].queue_ids:
                    del idle[cid]
                    e.succeed()
                    break
        state["arrivals_done"] = True

    def ticker(every_min: float):
        while not day_over():
            yield env.timeout(every_min)
            for cmd in pol.task(engine, now()):
                try:
                    run(cmd)
                except Rejected:
                    pass

    def sampler():
        # where the counters' time goes: each counter counts for the queue of the citizen it serves,
        # an idle one for "idle", one changing over for "switching"
        while not hall_empty():
            cap = dict.fromkeys([*engine.queues, "idle", "switching"], 0.0)
            for cid, c in engine.counters.items():
                if c.status == "closed":
                    continue
                if c.current:
                    cap[engine.tickets[c.current].queue_id] += 1
                elif cooldown[cid] > env.now:
                    cap["switching"] += 1
                else:
                    cap["idle"] += 1
            timeline.append((env.now, cap))
            yield env.timeout(SAMPLE_MIN)

    if pol.uses_forecast:  # the forecast the broker's planner would have set from the hall's history
        from .forecasting import forecast_command

        cmd = forecast_command(scn, seed, day)
        if cmd is not None:
            run(cmd)
    # the broker's tasks already run before the staff log in at opening time
    for cmd in pol.task(engine, now()):
        try:
            run(cmd)
        except Rejected:
            pass
    for cid in counter_ids:
        run(OpenCounter(cid, SIM_OPERATOR, SIM_PIN))
    for cmd in pol.setup(engine, now()):
        run(cmd)
    env.process(arrivals())
    for cid in [*counter_ids, *sorted(reserve_ids)]:
        env.process(counter(cid))
    if pol.review_s:
        env.process(ticker(pol.review_s / 60.0))
    if away is not None:
        env.process(away.watch(env, engine, run, now, hall_empty))
    if record:
        env.process(sampler())
    env.run()
    for rec in engine.reserves.values():  # an ask never released: counted to the end of the day
        if rec.active and rec.asked_at is not None:
            reserves["minutes"] += (now() - rec.asked_at).total_seconds() / 60.0
            if rec.counter_id in taken_at:
                reserves["open"] += env.now - taken_at.pop(rec.counter_id)

    outcomes: list[TicketOutcome] = []
    for tid, a in arrival_of.items():
        t = engine.tickets[tid]
        wait = None
        if t.state == "done" and t.called_at is not None:
            wait = (t.called_at - t.issued_at).total_seconds() / 60.0
        outcomes.append(TicketOutcome(a.queue, a.t, wait, t.estimate_s / 60.0, t.estimate_range_s[1] / 60.0))
    return DayResult(
        scn.name,
        policy,
        seed,
        len(counter_ids),
        outcomes,
        state["switches"],
        state["busy"],
        state["last"],
        state["refused"],
        state["recs"],
        timeline,
        moves,
        alerts,
        reserves["minutes"],
        reserves["asks"],
        reserves["open"],
    )
