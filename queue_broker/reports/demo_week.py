"""A simulated week (with three days before it) of the Neixiang sample hall through the production engine, stored in a real
SQLite event store, for the example report in docs/reports/example-week/.

Citizens come from the hall-day simulator's arrival model (`queue_broker.sim.scenario.ticket_stream`:
Poisson arrivals per slot, lognormal service times, no-shows) over the scenario in that folder. The
simulator's own `run_day` drives one day of an in-memory engine with one simulated operator and keeps
no events, so this module drives the week itself, with SimPy, through `HallEngine.execute` only:
operators log in at counters, call, start, finish (a share with a one-time notification and a return
ticket), citizens rate (好差评), supervisors acknowledge alerts and move bad-rating cases, complaints
and complex questions along their closed loops, devices fail and recover, counters pause. The broker's
own tick tasks (expire yesterday, the monitor, the default-satisfied rule) run every simulated minute
in opening hours and every ten minutes otherwise. Every random draw comes from seeded generators: the
same seed gives the same events.

    python -m queue_broker.reports.demo_week --out docs/reports/example-week

writes the database and a site file to a data folder (a temporary one unless --data-dir), then the
report of 16–22 Nov 2026 in every format, and its first pages as pictures (`pages/`, by poppler's
pdftoppm). The report reads the database, like any other report. Without --out it only simulates the
week and prints the `report` command to run on it:

    python -m queue_broker.reports.demo_week --data-dir "$(mktemp -d)"
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import simpy
import yaml

from ..config.loader import load_site_config
from ..config.models import SiteConfig
from ..engine import events as ev
from ..engine.cases import BAD_RATING, COMPLAINT, COMPLEX_QUESTION, CaseRec
from ..engine.commands import (
    AckAlert,
    CaseAction,
    CounterCommand,
    FinishTicket,
    IssuePriorityTicket,
    IssueTicket,
    OpenComplaint,
    OpenComplexQuestion,
    OpenCounter,
    RecordDeviceHealth,
    SubmitRating,
)
from ..engine.hall import HallEngine
from ..engine.rejected import Rejected
from ..security.pins import hash_pin
from ..service.tasks import expire_previous_days
from ..sim.scenario import Arrival, Scenario, load_scenario, ticket_stream
from ..store import SqliteEventStore
from ..supervision import supervision_tasks

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "examples" / "neixiang" / "site.yaml"
SCENARIO = ROOT / "docs" / "reports" / "example-week" / "scenario.yaml"
FIRST_DAY = date(2026, 11, 11)  # a Wednesday: three days before the reported week leave cases open into it
REPORT_FROM, REPORT_TO = date(2026, 11, 16), date(2026, 11, 22)
DAYS = 12
SEED = 20261116
PIN = "246810"
TZ = ZoneInfo("Asia/Shanghai")
DUTY = "super"  # the sample's duty supervisor, who issues the week's green-channel tickets
GREEN_REASON = "危急重症或紧急事项"
WEEKDAY_FACTOR = (1.2, 1.05, 1.0, 0.95, 0.9, 0, 0)  # Monday is the busiest day in most halls
WEAK_COUNTER = "c18"  # one counter with more bad ratings, so the report has something to show
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许"
REASONS_OTHER = ["服务态度差", "办事效率低", "业务不熟练", "材料要求不清或反复要求补正", "多次跑动"]
COMPLAINTS = [
    ("办不成事", "办理{item}时窗口要求的材料与办事指南不一致，跑了两次"),
    ("办事效率", "{item}排队一个多小时，窗口只开了一个"),
    ("服务态度", "{counter}工作人员解释不耐烦"),
    ("政策咨询", "{item}异地办理政策说不清楚"),
    ("办不成事", "{item}系统提示信息不全，无法受理"),
]
ACK_NOTES = {
    "wait_over_sla": "已调派潮汐窗口并现场引导",
    "service_overrun": "已了解情况，业务复杂",
    "device_fault": "已通知运维处理",
    "counter_idle": "已提醒窗口恢复叫号",
    "no_show_streak": "已检查叫号屏和语音",
    "case_due": "已督促承办人",
    "complex_question_due": "已督促窗口答复",
}

# a case's next step (action, note) by its kind and state, where the step takes no choice
CASE_STEPS = {
    BAD_RATING: {
        "verified": ("rectify", "已对窗口人员谈话提醒并组织业务培训"),
        "rectified": ("reply", "已电话向群众说明整改情况并致歉"),
        "replied": ("revisit", "回访群众"),
        "revisited": ("close", "整改到位，办结"),
    },
    COMPLAINT: {
        "handed_over": ("feedback", "承办单位已答复并告知群众办理方式"),
        "supervised": ("feedback", "承办单位已答复"),
        "fed_back": ("revisit", "回访群众"),
        "revisited": ("rectify", "已统一材料清单并更新办事指南"),
        "rectified": ("close", "办结"),
    },
}
REVISIT_SATISFIED = {BAD_RATING: 0.9, COMPLAINT: 0.85}  # the share of citizens satisfied at the revisit


@dataclass
class WeekResult:
    data_dir: Path
    site_file: Path
    events: int
    refused: int
    first_day: date
    days: int


def demo_config(data_dir: Path, site: Path = SITE) -> SiteConfig:
    """The sample hall with one operator per counter (the sample has only a demo login), the
    default-satisfied rule on (2 working days: a demo setting), and the data in `data_dir`."""
    cfg = load_site_config(site, env={"HALL_DATA_DIR": str(data_dir)})
    pin_hash = hash_pin(PIN, iterations=1, salt=b"example-week-demo")  # a simulated hall only
    rng = random.Random(SEED)
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
    cfg.operators = [
        type(cfg.operators[0])(
            id=f"op{i:02d}",
            name=f"{rng.choice(SURNAMES)}{rng.choice(given)}（示例）",
            pin_hash=pin_hash,
            counters="*",
            demo_only=True,
        )
        for i in range(1, len(cfg.counters) + 1)
    ]
    cfg.ratings.default_satisfied.after_days = 2
    return cfg


def write_site_file(cfg: SiteConfig, data_dir: Path) -> Path:
    """The demo config as one YAML file beside its database, so `python -m queue_broker report
    --config` reads the same hall."""
    data = cfg.model_dump(mode="json", exclude_none=True)
    data["data_dir"] = "."
    data.pop("services_file", None)
    path = data_dir / "site.yaml"
    path.write_text(
        "# generated by queue_broker.reports.demo_week: the sample hall with simulated operators\n"
        + yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return path


class Week:
    def __init__(self, cfg: SiteConfig, scenario: Scenario, store: Any, first_day: date, days: int, seed: int):
        self.cfg, self.scn, self.store = cfg, scenario, store
        self.first_day, self.days, self.seed = first_day, days, seed
        self.engine = HallEngine(cfg)
        self.cal = self.engine.work_calendar
        self.env = simpy.Environment()
        self.base = datetime.combine(first_day, time(0), TZ)
        self.tasks = supervision_tasks(cfg)  # and expire_previous_days, at the first tick of each day
        self.pending: list[ev.Event] = []
        self.total = 0
        self.refused = 0
        self.arrivals: dict[str, Arrival] = {}
        self.idle: dict[str, simpy.Event] = {}
        self.ack_plan: dict[str, float | None] = {}  # alert id -> minute of the acknowledgement
        self.services = {
            q.id: [s.id for s in cfg.services if s.queue_id == q.id and not s.self_service] for q in cfg.queues
        }
        self.counter_queues = {c.id: list(c.home) for c in cfg.counters}
        # the scenario draws a service time per queue; a ticket takes its item's usual time (catalog
        # `usual_service_min`) times the drawn time's ratio to the queue's mean
        self.scale: dict[str, float] = {}
        for q in scenario.queues:
            for i in self.services.get(q.id, []):
                usual = self.engine.services[i].usual_service_min
                if usual:
                    self.scale[i] = usual / q.service_min.mean

    # ------------------------------------------------------------------ plumbing
    def now(self) -> datetime:
        return self.base + timedelta(minutes=self.env.now)

    def minute(self, day: date, hhmm: str) -> float:
        h, m = map(int, hhmm.split(":"))
        return ((datetime.combine(day, time(h, m), TZ) - self.base).total_seconds()) / 60

    def run(self, cmd: Any) -> dict | None:
        try:
            result = self.engine.execute(cmd, self.now())
        except Rejected:
            self.refused += 1
            return None
        self.pending.extend(result.events)
        return result.reply

    def tick(self, new_day: bool = False) -> None:
        # the broker runs expire_previous_days every second; it scans every ticket, so here it runs
        # only when the day changes (the only time it can find anything)
        for task in [expire_previous_days, *self.tasks] if new_day else self.tasks:
            for cmd in task(self.engine, self.now()):
                self.run(cmd)

    def flush(self) -> None:
        if self.pending:
            self.store.commit(self.pending, {})
            self.total += len(self.pending)
            self.pending = []

    def rng(self, *parts: Any) -> random.Random:
        return random.Random("|".join(map(str, (self.seed, *parts))))

    # ------------------------------------------------------------------ processes
    def clock(self):
        """Tick tasks: every minute from 08:00 to 19:00 on working days, every 10 minutes otherwise;
        commit every half hour."""
        last_flush, last_day = 0.0, None
        while self.env.now < self.days * 1440:
            day = self.first_day + timedelta(days=int(self.env.now // 1440))
            self.tick(new_day=day != last_day)
            last_day = day
            hour = (self.env.now % 1440) / 60
            busy = self.cal.is_working_day(day) and 8 <= hour < 19
            if self.env.now - last_flush >= 30:
                self.flush()
                last_flush = self.env.now
            yield self.env.timeout(1 if busy else 10)
        self.flush()

    def hall_day(self, day: date, index: int):
        yield self.env.timeout(max(0.0, self.minute(day, "08:25") - self.env.now))
        rng = self.rng("day", day)
        roster = [f"op{i:02d}" for i in range(1, len(self.cfg.counters) + 1)]
        zh = [c.id for c in self.cfg.counters if c.home == ["ZH"]]
        for i, c in enumerate(self.cfg.counters):
            op = roster[i]
            if c.id in zh:  # the comprehensive windows rotate their staff daily
                op = roster[(zh.index(c.id) + index) % len(zh)]
            self.run(OpenCounter(c.id, op, PIN))
        factor = WEEKDAY_FACTOR[day.weekday()]
        scn = self.scn.model_copy(
            update={
                "queues": [
                    q.model_copy(update={"tickets_per_day": q.tickets_per_day * factor}) for q in self.scn.queues
                ]
            }
        )
        stream = ticket_stream(scn, self.seed % 100_000 + index)
        state = {"arrivals_done": False}
        for c in self.cfg.counters:
            self.env.process(self.counter(c.id, day, state))
        self.env.process(self.supervisor(day))
        self.env.process(self.devices(day, rng))
        opens = self.minute(day, self.scn.day.opens)
        for a in stream:
            yield self.env.timeout(max(0.0, opens + a.t - self.env.now))
            svc = rng.choice(self.services[a.queue])
            kiosk = f"kiosk-{1 + rng.randrange(2)}"
            if a.queue == "BB" and rng.random() < 0.3 and self.engine.is_ticketing_open(self.now()):
                # the green channel is staff's call (engine/priority.py): the duty supervisor issues it
                reply = self.run(IssuePriorityTicket("supervisor", svc, "green", GREEN_REASON, supervisor_id=DUTY))
            else:
                reply = self.run(IssueTicket(kiosk, svc, "walk_in"))
            if reply is None:
                continue
            self.arrivals[reply["ticket"]["id"]] = Arrival(
                a.t, a.queue, a.service * self.scale.get(svc, 1.0), a.no_show
            )
            self.wake(a.queue)
        state["arrivals_done"] = True
        self.wake(None)

    def wake(self, queue: str | None) -> None:
        for cid, e in list(self.idle.items()):
            if queue is None or queue in self.counter_queues[cid]:
                del self.idle[cid]
                if not e.triggered:
                    e.succeed()
                if queue is not None:
                    return

    def counter(self, cid: str, day: date, state: dict):
        rng = self.rng("counter", cid, day)
        pauses = [self.minute(day, "08:30") + rng.uniform(30, 170), self.minute(day, "14:00") + rng.uniform(20, 160)]
        pauses = [p for p in pauses if rng.random() < 0.25]
        queues = self.counter_queues[cid]
        while True:
            if pauses and self.env.now >= pauses[0]:
                pauses.pop(0)
                self.run(CounterCommand(cid, "pause"))
                yield self.env.timeout(rng.uniform(3, 14))
                self.run(CounterCommand(cid, "resume"))
            reply = self.run(CounterCommand(cid, "call-next"))
            ticket = reply.get("ticket") if reply else None
            if ticket is None:
                if state["arrivals_done"] and not any(self.engine.waiting[q] for q in queues):
                    break
                e = self.env.event()
                self.idle[cid] = e
                yield e | self.env.timeout(5)
                self.idle.pop(cid, None)
                continue
            a = self.arrivals.get(ticket["id"])
            if a is None or a.no_show:
                yield self.env.timeout(1.0)
                self.run(CounterCommand(cid, "recall"))
                yield self.env.timeout(1.0)
                self.run(CounterCommand(cid, "no-show"))
                continue
            self.run(CounterCommand(cid, "start"))
            yield self.env.timeout(a.service)
            t = self.engine.tickets[ticket["id"]]
            incomplete = t.return_of is None and rng.random() < 0.06
            if incomplete:
                svc = self.engine.services.get(t.service_id)
                missing = [m.name for m in (svc.materials if svc else [])][:2] or ["补充材料"]
                reply = self.run(FinishTicket(cid, "incomplete", tuple(missing)))
                if reply and reply.get("return_ticket"):
                    back = rng.random() < 0.5  # the citizen fetches the missing paper in time, or not
                    self.arrivals[reply["return_ticket"]["id"]] = Arrival(0.0, t.queue_id, 4.0, not back)
                if rng.random() < 0.1:
                    self.run(OpenComplexQuestion(cid, t.id, "所缺材料能否以其他证明替代，需请示业务科室后全面告知"))
            else:
                self.run(FinishTicket(cid, "done"))
            if t.queue_id == "TS" and rng.random() < 0.7:
                self.open_complaint(rng)
            self.rate(t, rng, incomplete)
        self.run(CounterCommand(cid, "close"))

    def rate(self, t: Any, rng: random.Random, incomplete: bool) -> None:
        if rng.random() >= 0.6:
            return  # not rated now: the default-satisfied rule may count it later
        waited = (t.called_at - t.issued_at).total_seconds() / 60
        late = waited > self.engine.queues[t.queue_id].sla_min
        p_bad = 0.015 + 0.07 * late + 0.08 * (t.counter_id == WEAK_COUNTER) + 0.05 * incomplete
        if rng.random() < p_bad:
            level = 1 if rng.random() < 0.4 else 2
            reason = "等候时间长" if late and rng.random() < 0.7 else rng.choice(REASONS_OTHER)
            self.run(SubmitRating(t.id, level, (reason,), ""))
        else:
            x = rng.random()
            self.run(SubmitRating(t.id, 5 if x < 0.7 else 4 if x < 0.92 else 3))

    def open_complaint(self, rng: random.Random) -> None:
        category, text = rng.choice(COMPLAINTS)
        c = rng.choice([c for c in self.cfg.counters if c.kind != "complaint"])
        item = rng.choice(self.services[c.home[0]])
        self.run(
            OpenComplaint(
                text.format(item=self.engine.services[item].name, counter=c.name),
                category,
                counter_id=c.id,
                service_id=item,
                by="op15",
            )
        )

    def supervisor(self, day: date):
        """Rounds every 15 minutes: acknowledge alerts (most within minutes, some never); at 10:00 and
        15:30 move each open case one step with some probability (answers, verification, ...)."""
        rng = self.rng("supervisor", day)
        yield self.env.timeout(max(0.0, self.minute(day, "08:35") - self.env.now))
        end = self.minute(day, "18:00")
        case_rounds = [self.minute(day, "10:00"), self.minute(day, "15:30")]
        while self.env.now < end:
            for a in list(self.engine.alerts.values()):
                if a.acked_at is not None or not a.data.get("rule"):
                    continue
                if a.id not in self.ack_plan:
                    raised = a.escalated_at or a.at
                    delay = rng.uniform(2, 35)
                    self.ack_plan[a.id] = (
                        None if rng.random() < 0.1 else ((raised - self.base).total_seconds() / 60 + delay)
                    )
                when = self.ack_plan[a.id]
                if when is not None and self.env.now >= when:
                    self.run(AckAlert(a.id, ACK_NOTES.get(a.kind, "已处理"), by="super"))
                    if a.acked_at is None:  # escalated since: plan a new acknowledgement
                        del self.ack_plan[a.id]
            if case_rounds and self.env.now >= case_rounds[0]:
                case_rounds.pop(0)
                self.move_cases(rng)
            yield self.env.timeout(15)

    def move_cases(self, rng: random.Random) -> None:
        for case in list(self.engine.cases.values()):
            if not case.open or rng.random() >= 0.45:
                continue
            s = case.state
            if case.kind == COMPLEX_QUESTION:
                self.run(
                    CaseAction(
                        case.id,
                        "answer",
                        "已请示业务科室，电话全面告知",
                        counter_id=case.counter_id,
                        by=f"counter-{case.counter_id}",
                    )
                )
            elif case.kind == BAD_RATING:
                if s == "opened":
                    if rng.random() < 0.12:
                        self.run(
                            CaseAction(
                                case.id,
                                "appeal",
                                "评价时误触评价器，申请复核",
                                counter_id=case.counter_id,
                                by=f"counter-{case.counter_id}",
                            )
                        )
                    else:
                        self.run(CaseAction(case.id, "verify", "调阅录像与办件记录，情况属实"))
                elif s == "appealed":
                    self.run(
                        CaseAction(
                            case.id, "appeal-accept" if rng.random() < 0.5 else "appeal-reject", "复核录像与评价记录"
                        )
                    )
                else:
                    self.next_step(case, rng)
            elif case.kind == COMPLAINT:
                if s == "accepted":
                    dept = self.engine.counter_cfg[case.counter_id].department if case.counter_id else "相关科室"
                    self.run(CaseAction(case.id, "handover", "转承办单位核查办理", to=dept or "相关科室"))
                elif s in ("handed_over", "supervised") and rng.random() < 0.3:
                    self.run(CaseAction(case.id, "supervise", "电话督办，要求尽快答复"))
                else:
                    self.next_step(case, rng)

    def next_step(self, case: CaseRec, rng: random.Random) -> None:
        """The case's plain next step of CASE_STEPS; at the revisit the citizen is satisfied or not."""
        action, note = CASE_STEPS[case.kind][case.state]
        satisfied = rng.random() < REVISIT_SATISFIED[case.kind] if action == "revisit" else None
        self.run(CaseAction(case.id, action, note, satisfied=satisfied))

    def devices(self, day: date, rng: random.Random):
        faults = []
        if rng.random() < 0.5:
            faults.append(
                (
                    f"kiosk-{1 + rng.randrange(2)}",
                    "printer",
                    "printer",
                    rng.choice(["缺纸", "卡纸"]),
                    rng.uniform(30, 400),
                    rng.uniform(4, 50),
                )
            )
        if rng.random() < 0.25:
            faults.append(
                ("counter-c07", "rating", "rating_pad", "评价器无响应", rng.uniform(60, 400), rng.uniform(10, 80))
            )
        opens = self.minute(day, "08:30")
        for node, device, kind, message, at, minutes in sorted(faults, key=lambda f: f[4]):
            yield self.env.timeout(max(0.0, opens + at - self.env.now))
            self.run(RecordDeviceHealth(node, device, kind, False, "fault", message))
            yield self.env.timeout(minutes)
            self.run(RecordDeviceHealth(node, device, kind, True, "ready", ""))

    def simulate(self) -> None:
        self.env.process(self.clock())
        for i in range(self.days):
            day = self.first_day + timedelta(days=i)
            if self.cal.is_working_day(day) and WEEKDAY_FACTOR[day.weekday()]:
                self.env.process(self.hall_day(day, i))
        self.env.run(until=self.days * 1440 + 1)
        self.flush()


def simulate_week(
    data_dir: Path,
    *,
    first_day: date = FIRST_DAY,
    days: int = DAYS,
    seed: int = SEED,
    scenario: Path = SCENARIO,
    site: Path = SITE,
) -> WeekResult:
    """Simulate into `data_dir` (hall.db and site.yaml); the folder must not hold a database yet."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if (data_dir / "hall.db").exists():
        raise FileExistsError(f"{data_dir / 'hall.db'} exists: simulate into an empty folder")
    cfg = demo_config(data_dir, site)
    site_file = write_site_file(cfg, data_dir)
    store = SqliteEventStore(str(data_dir / "hall.db"))
    try:
        week = Week(cfg, load_scenario(scenario), store, first_day, days, seed)
        week.simulate()
        return WeekResult(data_dir, site_file, week.total, week.refused, first_day, days)
    finally:
        store.close()


PAGES_SHOWN = 4  # the example's first pages as pictures in docs (the main part and the first appendix)


def page_pictures(pdf: Path, folder: Path, pages: int = PAGES_SHOWN, dpi: int = 60) -> list[Path]:
    """`folder/page-1.png`... of the first `pages` pages, rendered by poppler's pdftoppm."""
    import shutil
    import subprocess

    if not shutil.which("pdftoppm"):
        raise SystemExit("pdftoppm (poppler-utils) is needed for the page pictures: scripts/setup.sh installs it")
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("page-*.png"):
        old.unlink()
    cmd = ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", str(pages), str(pdf), str(folder / "page")]
    subprocess.run(cmd, check=True)
    made = sorted(folder.glob("page-*.png"))
    for path in made:  # pdftoppm pads the number to the page count's width: page-01.png
        path.rename(folder / f"page-{int(path.stem.split('-')[1])}.png")
    return sorted(folder.glob("page-*.png"))


def main(argv: list[str] | None = None) -> int:
    from . import generate

    p = argparse.ArgumentParser(
        prog="python -m queue_broker.reports.demo_week",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", help="folder for the example report (without it: only simulate the week)")
    p.add_argument("--data-dir", help="where the database goes (default: a temporary folder)")
    p.add_argument("--seed", type=int, default=SEED)
    args = p.parse_args(argv)
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="example-week-"))
    if (data_dir / "hall.db").exists():
        print(f"{data_dir / 'hall.db'} exists: give an empty --data-dir", file=sys.stderr)
        return 2
    result = simulate_week(data_dir, seed=args.seed)
    print(f"{result.events} events ({result.refused} refused commands) in {data_dir / 'hall.db'}")
    if not args.out:
        print(
            f"report: python -m queue_broker report --config {result.site_file} --from {REPORT_FROM} "
            f"--to {REPORT_TO} --format pdf --out {data_dir / 'week.pdf'}"
        )
        return 0
    cfg = load_site_config(result.site_file, env={})
    store = SqliteEventStore(str(data_dir / "hall.db"))
    out = Path(args.out)
    try:
        for fmt, name in (("csv", "report.csv"), ("html", "report.html"), ("pdf", "report.pdf"), ("md", "report.md")):
            generate(cfg, store, REPORT_FROM, REPORT_TO, fmt, out / name)
    finally:
        store.close()
    pages = page_pictures(out / "report.pdf", out / "pages")
    print(f"report in {out} ({len(pages)} page pictures in {out / 'pages'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
