"""What the supervisor tablet's 计划 screen shows (issue 22, docs/planning.md), mixed into SupervisorState:
the day plan of today or tomorrow as a grid queue × half-hour (short half-hours in red), the reserve
clerks and their asks, and the cross-training advice. Properties only; no I/O."""

from __future__ import annotations

from kivy.properties import DictProperty, ListProperty, OptionProperty, StringProperty

from ..common.hall_text import short_name

JOB_TEXT = {"forecast": "预测", "day-plan": "排班计划", "cross-train": "交叉培训建议"}
JOB_STATE = {"queued": "排队中", "running": "计算中", "done": "已完成", "failed": "失败"}


def plan_grid(plan: dict) -> dict:
    """A day plan (`state/plan.day_plan`) as rows of cells: each queue's counters needed per half-hour,
    red where that queue is short; then the hall's total, its shortage and the shortage left with the
    reserve clerks."""
    halves = list(plan.get("half_hours") or [])
    n = len(halves)
    short_queues = [set(x) for x in (plan.get("short_queues") or [[]] * n)]
    rows = []
    for q in plan.get("queues") or []:
        needed = q.get("needed") or []
        rows.append(
            {
                "name": short_name(q["name"]),
                "cells": [
                    {"text": str(needed[i]) if needed[i] else "·", "short": q["id"] in short_queues[i]}
                    for i in range(min(n, len(needed)))
                ],
            }
        )
    total = plan.get("needed_total") or []
    short = plan.get("short") or []
    with_reserves = plan.get("short_with_reserves") or []
    windows = plan.get("windows", 0)
    rows.append({"name": f"合计（{windows}窗）", "cells": [{"text": str(x), "short": False} for x in total]})
    rows.append({"name": "缺口", "cells": [{"text": str(x) if x else "·", "short": bool(x)} for x in short]})
    if plan.get("reserves"):
        rows.append(
            {"name": "含后台仍缺", "cells": [{"text": str(x) if x else "·", "short": bool(x)} for x in with_reserves]}
        )
    gaps = [halves[i] for i, x in enumerate(short) if x and i < n]
    summary = (
        f"需要窗口最多 {max(total, default=0)} 个，本厅 {windows} 个窗口、{plan.get('reserves', 0)} 名后台人员；"
        + (f"缺人时段 {len(gaps)} 个（{gaps[0]} 起）" if gaps else "各时段人手足够")
    )
    return {"day": plan.get("day", ""), "half_hours": halves, "rows": rows, "summary": summary}


def advice_lines(ct: dict | None) -> tuple[list[str], str]:
    """The cross-training advice (`state/plan.cross_training`): one sentence per extra skill, and the
    simulated effect of all of them together."""
    if not ct:
        return [], "尚无交叉培训建议：点“计算交叉培训建议”，由本厅近20个工作日的数据模拟得出"
    lines = [row.get("advice") or f"{row['counter']} 加学 {row['add_queue']}" for row in ct.get("plan") or []]
    b, a = ct.get("before") or {}, ct.get("after") or {}
    summary = (
        f"按{ct.get('made_for', '')}前的数据：平均等候 {b.get('mean_wait_min', 0):.1f} → {a.get('mean_wait_min', 0):.1f} 分钟，"
        f"超20分钟 {100 * b.get('share_over_20_min', 0):.1f}% → {100 * a.get('share_over_20_min', 0):.1f}%"
    )
    return (lines or ["现有技能已足够：模拟未发现值得加学的业务"]), summary


class PlanDeskState:
    plan_day = OptionProperty("today", options=["today", "tomorrow"])
    plan_days = DictProperty({})  # day (ISO) → the day plan seen on state/plan for it
    plan_grid = DictProperty({})  # plan_grid() of the day shown; {} while none
    plan_note = StringProperty("")  # what the grid shows, or why there is none
    plan_jobs = StringProperty("")  # the latest plan jobs, in words
    reserve_rows = ListProperty([])  # [{"id", "state", "text"}]
    reserves_today = StringProperty("")
    reserve_steps = ListProperty([])  # the latest event/reserve steps, newest first
    advice = ListProperty([])
    advice_summary = StringProperty("")

    def set_plan(self, body: dict) -> None:
        plan = body.get("day_plan")
        if plan and plan.get("day"):
            self.plan_days = {**self.plan_days, plan["day"]: plan}
        self.advice, self.advice_summary = advice_lines(body.get("cross_training"))
        self.plan_jobs = "；".join(
            f"{JOB_TEXT.get(j['what'], j['what'])} {j.get('day') or ''} {JOB_STATE.get(j['state'], j['state'])}"
            + (f"（{j['message']}）" if j.get("message") else "")
            for j in (body.get("jobs") or [])[-3:]
        )

    def show_plan_for(self, day: str) -> None:
        plan = self.plan_days.get(day)
        self.plan_grid = plan_grid(plan) if plan else {}
        self.plan_note = self.plan_grid.get("summary", "") if plan else f"{day} 的排班计划正在计算……"

    def set_reserves(self, rows: list[dict], today: dict) -> None:
        self.reserve_rows = rows
        self.reserves_today = f"今日调用 {today.get('asks', 0)} 次，共 {today.get('counter_minutes', 0):.0f} 窗口分钟"

    def add_reserve_step(self, line: str) -> None:
        self.reserve_steps = [line, *self.reserve_steps][:6]
