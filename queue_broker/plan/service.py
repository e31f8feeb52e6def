"""Plans made beside the running broker and published on `state/plan` (docs/planning.md).

`attach(service)` adds a tick task and starts one worker thread. The tick task runs on the engine
thread (like every task) and only looks: today's forecast as the planner set it, plans a supervisor
asked for (`cmd/supervisor/plan`, recorded as `plan_requested`), and, once a day after ticketing has
closed, the next working day's plan. For each job it takes a snapshot of what the plan needs (the
arrival history, the counter times of the tickets the broker holds) and hands it to the worker, which
computes off the engine thread — the cross-training advice simulates hall days for minutes — and
publishes the result, retained. The last cross-training advice is kept in the data folder, so a
restarted broker shows it again at once.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.hall import HallEngine
from ..supervision.calendar import WorkCalendar
from .hall import HallHistory, day_plan, forecast, forecast_json, history_from_engine, scenario_from_history

log = logging.getLogger("queue_broker.plan")

CROSS_TRAIN_SEEDS = 8  # fewer than the CLI's 20: the broker's machine also runs the hall
JOBS_KEPT = 10


class PlanningWorker:
    __name__ = "planning_worker"

    def __init__(self, service: Any, *, cross_train_seeds: int = CROSS_TRAIN_SEEDS, data_dir: str | None = None):
        self.service = service
        self.config = service.config
        self.calendar = WorkCalendar.from_config(self.config)
        self.seeds = cross_train_seeds
        self.saved = Path(data_dir or self.config.data_dir) / "plan-cross-training.json"
        self.state: dict[str, Any] = {"forecast": None, "day_plan": None, "cross_training": None, "jobs": []}
        if self.saved.is_file():
            try:
                self.state["cross_training"] = json.loads(self.saved.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                log.warning("%s cannot be read; the advice will be made again when asked", self.saved)
        self._queue: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        requests = service.engine.plan_requests  # asked before this start: not made again
        self._seen = requests[-1]["number"] if requests else 0
        self._forecast_at: datetime | None = None
        self._auto_day: date | None = None
        self.done = threading.Event()  # set after each finished job (tests wait on it)
        self._thread = threading.Thread(target=self._run, name="hall-planning", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ on the engine thread
    def __call__(self, engine: HallEngine, now: datetime) -> list[Any]:
        today = engine.local_day(now)
        fc = engine.forecast_for(today)
        if fc is not None and fc.set_at != self._forecast_at:
            self._forecast_at = fc.set_at
            with self._lock:
                self.state["forecast"] = _recorded_forecast(engine, fc)
            self.publish(now)
        for req in engine.plan_requests:
            if req["number"] > self._seen:
                self._seen = req["number"]
                self._submit(engine, now, req["what"], req.get("day"), req.get("max_extra"), req["number"])
        if self._auto_day != today and self.calendar.is_working_day(today) and not engine.is_ticketing_open(now):
            local = now.astimezone(engine.tz)
            if local.hour >= 12:  # the afternoon after closing: tomorrow's plan for the evening report
                self._auto_day = today
                self._submit(engine, now, "day-plan", None, None, 0)
        return []

    def _submit(self, engine: HallEngine, now: datetime, what: str, day: str | None, k: int | None, n: int) -> None:
        history = history_from_engine(engine)
        target = date.fromisoformat(day) if day else self._default_day(engine.local_day(now), what)
        job = {"number": n, "what": what, "day": target.isoformat(), "state": "queued", "requested_at": now}
        with self._lock:
            self.state["jobs"] = [*self.state["jobs"], job][-JOBS_KEPT:]
        self._queue.put((job, history, target, k, now))
        self.publish(now)

    def _default_day(self, today: date, what: str) -> date:
        if what == "forecast":
            return today
        if what == "cross-train":
            return today  # advice from the working days before today
        return self.calendar.next_working_day(today)

    # ------------------------------------------------------------------ the worker thread
    def _run(self) -> None:
        while True:
            job, history, target, k, now = self._queue.get()
            job["state"] = "running"
            try:
                self._make(job["what"], history, target, k)
                job["state"] = "done"
            except Exception as exc:  # a plan that cannot be made says why; the broker goes on
                log.exception("plan %s for %s failed", job["what"], target)
                job["state"], job["message"] = "failed", str(exc)[:200]
            job["finished_at"] = self.service.clock()
            self.publish(self.service.clock())
            self.done.set()

    def _make(self, what: str, history: HallHistory, target: date, k: int | None) -> None:
        if what == "forecast":
            result = forecast_json(self.config, forecast(self.config, history, target))
            with self._lock:
                self.state["forecast"] = result
        elif what == "day-plan":
            plan, _ = day_plan(self.config, history, target, check_days=40)
            with self._lock:
                self.state["day_plan"] = plan.to_json()
        else:
            from ..sim.scenario import Scenario
            from .crosstrain import advise

            scn = Scenario.model_validate(scenario_from_history(self.config, history, target))
            numbers = {c.id: c.number for c in self.config.counters}
            result = advise(scn, k if k is not None else len(scn.queues), self.seeds, workers=1, numbers=numbers)
            result["made_for"] = target.isoformat()
            with self._lock:
                self.state["cross_training"] = result
            try:
                self.saved.parent.mkdir(parents=True, exist_ok=True)
                self.saved.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
            except OSError as exc:
                log.warning("the cross-training advice could not be kept in %s: %s", self.saved, exc)

    # ------------------------------------------------------------------ publishing
    def snapshot(self, now: datetime) -> dict[str, Any]:
        with self._lock:
            jobs = [
                {
                    "what": j["what"],
                    "day": j["day"],
                    "state": j["state"],
                    "requested_at": j["requested_at"].isoformat(),
                    "finished_at": j["finished_at"].isoformat() if j.get("finished_at") else None,
                    "message": j.get("message", ""),
                }
                for j in self.state["jobs"]
            ]
            return {
                "at": now.isoformat(),
                "forecast": self.state["forecast"],
                "day_plan": self.state["day_plan"],
                "cross_training": self.state["cross_training"],
                "jobs": jobs,
            }

    def publish(self, now: datetime) -> None:
        self.service.link.set_retained(self.service.topics.state("plan"), self.snapshot(now))


def _recorded_forecast(engine: HallEngine, fc: Any) -> dict[str, Any]:
    """The forecast the planner set for today (engine/planning.py), in the CLI's shape."""
    from .forecast import cell_label

    cells = range(fc.first_cell, fc.first_cell + max((len(r) for r in fc.queues.values()), default=0))
    queues = []
    for q in engine.queues.values():
        row = fc.queues.get(q.id, [])
        low, high = fc.low.get(q.id, []), fc.high.get(q.id, [])
        halves = [
            {
                "start": cell_label(c),
                "mean": row[i] if i < len(row) else 0.0,
                "p10": low[i] if i < len(low) else None,
                "p90": high[i] if i < len(high) else None,
            }
            for i, c in enumerate(cells)
        ]
        queues.append(
            {"id": q.id, "name": q.name, "total": {"mean": round(float(np.sum(row)), 1)}, "half_hours": halves}
        )
    return {
        "day": fc.day.isoformat(),
        "set_at": fc.set_at.isoformat(),
        "history_days": fc.history_days,
        "half_hours": [cell_label(c) for c in cells],
        "queues": queues,
    }


def attach(service: Any, **kw: Any) -> PlanningWorker:
    worker = PlanningWorker(service, **kw)
    service.tick_tasks.append(worker)
    return worker
