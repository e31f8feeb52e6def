"""The supervisor tablet's 计划 screen's I/O (issue 22, docs/planning.md), mixed into SupervisorController:
retained `state/plan` (day plan, cross-training advice, jobs) and `state/reserves`, `event/reserve`;
`cmd/supervisor/plan` to (re)compute a plan, `cmd/supervisor/reserve` to ask, cancel or release a
reserve clerk. The broker keeps one day plan on `state/plan`; the tablet keeps every one it has seen,
so today and tomorrow are one tap apart once both were computed."""

from __future__ import annotations

from datetime import datetime, timedelta

from queue_broker.protocol.planning import PlanState, ReserveEvent, ReservesState

from ..common.reserve_text import RESERVE_REFUSALS, refusal, reserve_line, step_line
from .part import SupervisorPart

RESERVE_DOING = {"ask": "调用后台人员", "cancel": "撤回调用", "release": "释放窗口"}


class PlanDeskControl(SupervisorPart):
    def start_plan(self) -> None:
        t = self.topics
        self._reserve_names: dict[str, str] = {}
        self._hall_now: datetime | None = None  # the broker's clock, from the latest state/plan or state/reserves
        self._plan_asked: set[str] = set()  # days whose plan this tablet asked for (once each)
        self.client.watch(t.state("plan"), PlanState, self._plan)
        self.client.watch(t.state("reserves"), ReservesState, self._reserves)
        self.client.watch(t.event("reserve"), ReserveEvent, self._reserve_step)

    def plan_shown(self) -> None:
        self.show_plan_day(self.state.plan_day)

    def day_iso(self, which: str) -> str:
        """Today or tomorrow on the hall's clock: the broker's latest `at` (plans are the broker's days), else
        this tablet's own clock."""
        today = (self._hall_now or self.clock()).astimezone(self.tz).date()
        return (today + timedelta(days=1 if which == "tomorrow" else 0)).isoformat()

    def show_plan_day(self, which: str) -> None:
        """Today's or tomorrow's plan: shown at once if this tablet has it, else asked for once."""
        s = self.state
        s.plan_day = which
        day = self.day_iso(which)
        s.show_plan_for(day)
        if day not in s.plan_days and day not in self._plan_asked:
            self._plan_asked.add(day)
            self.recompute_plan("day-plan", day)

    def recompute_plan(self, what: str, day: str | None = None) -> None:
        payload = {"what": what}
        if day:
            payload["day"] = day

        def ok(reply: dict) -> None:
            self.state.say("已提交计算，结果稍后显示", "info")

        self._send(self.topics.supervisor_cmd("plan"), payload, "计算计划", ok)

    def reserve(self, action: str, reserve_id: str, reason: str = "") -> None:
        payload = {"action": action, "reserve_id": reserve_id}
        if action == "ask" and reason.strip():
            payload["reason"] = reason.strip()
        doing = RESERVE_DOING[action]

        def ok(reply: dict) -> None:
            name = (reply.get("reserve") or {}).get("name") or reserve_id
            self.state.say(f"已{doing}：{name}", "info")

        def refused(reply: dict) -> None:
            table = {"conflict": RESERVE_REFUSALS[action], "not_found": "找不到该后台人员"}
            self.state.say(refusal(reply, table, doing), "alert")

        self._send(
            self.topics.supervisor_cmd("reserve"), payload, doing, ok, refused, key=f"reserve:{action}:{reserve_id}"
        )

    # ------------------------------------------------------------------ what the broker publishes
    def _plan(self, msg: PlanState, _topic: str) -> None:
        s = self.state
        self._hall_now = msg.at
        s.set_plan(msg.model_dump(mode="json"))
        s.show_plan_for(self.day_iso(s.plan_day))

    def _reserves(self, msg: ReservesState, _topic: str) -> None:
        body = msg.model_dump(mode="json")
        self._hall_now = msg.at
        self._reserve_names = {r["id"]: r["name"] for r in body["reserves"]}
        rows = [
            {"id": r["id"], "state": r["state"], "text": reserve_line(r, self.queue_names, self.tz)}
            for r in body["reserves"]
        ]
        self.state.set_reserves(rows, body["today"])

    def _reserve_step(self, ev: ReserveEvent, _topic: str) -> None:
        body = ev.model_dump(mode="json")
        line = step_line(body, self._reserve_names, self.queue_names, self.tz)
        self.state.add_reserve_step(line)
        if body["state"] == "asked" and body.get("by") == "planner":
            self.state.say(f"系统预测调用：{line}", "warn")
