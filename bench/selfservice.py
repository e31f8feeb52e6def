"""24-hour self-service: how long from laying the ID card to the record on screen, and to the first page out?

    sudo .venv/bin/python bench/selfservice.py [--runs 10] [--latency 0.3] [--months 12]
                                               [--printer cups|simulator] [--card-poll 0.3]

The same parts as the kiosk: the ID-card reader's simulator on a real pseudo-terminal (devices.idcard),
read by `CardWatcher` every `--card-poll` seconds (the kiosk's `card_poll_s`, 0.3 s by default); the
department simulator answering after `--latency` seconds (the sample site's 0.3 s); the session and its
runner (selfservice.session, selfservice.runner); the record rendered by WeasyPrint and printed through a
real cupsd of the benchmark's own with a cups-pdf queue (needs root), or the A4 printer's simulator.

Each run: a card is laid on the reader (t0); the preview is on screen (`preview`); the print is tapped at
once (the citizen's reading time is not counted) and the benchmark watches the queue's output directory
every 5 ms for the PDF (`first page out`: cups-pdf writes the whole document when the job ends, so for
it first page and last page are the same moment; a real printer's first sheet comes earlier). The first
run pays for importing WeasyPrint and loading the fonts and is shown apart (`cold`), unless `--prewarm`
renders a sample first as the kiosk should at start (`selfservice.render.prewarm`).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from procfs import pct  # noqa: E402

from devices.a4printer import A4Printer, SimulatedA4Link, open_a4printer  # noqa: E402
from devices.health import HealthReporter  # noqa: E402
from devices.idcard import open_reader  # noqa: E402
from queue_broker.config.models import DeviceConfig  # noqa: E402
from queue_broker.config.selfservice import SimulatedDepartment  # noqa: E402
from selfservice.cards import CardWatcher  # noqa: E402
from selfservice.render import render_pdf  # noqa: E402
from selfservice.runner import SessionRunner  # noqa: E402
from selfservice.session import SelfServiceSession, SessionSettings  # noqa: E402
from selfservice.simulator import SimulatedDepartmentAdapter  # noqa: E402


def one_run(args, reader, printer: A4Printer, out_dir: Path | None, department) -> dict[str, float]:
    marks: dict[str, float] = {}
    session = SelfServiceSession(
        transaction_id=f"bench-{uuid.uuid4().hex[:12]}",
        service_id="sb-record-print",
        document_kind="social_insurance_record",
        title="社会保险个人权益记录",
        department=department.name,
        months=args.months,
        settings=SessionSettings(),
    )
    render_s: list[float] = []

    def timed_render(*a, **kw):
        t = time.perf_counter()
        try:
            return render_pdf(*a, **kw)
        finally:
            render_s.append(time.perf_counter() - t)

    def seen(view) -> None:
        marks.setdefault(view.step, time.perf_counter())

    runner = SessionRunner(
        session,
        department,
        printer,
        hall_name="内乡县行政审批服务中心",
        kiosk_name="1号自助机",
        clock=lambda: datetime.now(UTC),
        on_change=seen,
        render=timed_render,
    )
    before = set(out_dir.glob("*.pdf")) if out_dir else set()
    printed_before = len(printer.link.printed) if isinstance(printer.link, SimulatedA4Link) else 0
    runner.start()
    watcher = CardWatcher(runner, reader, poll_s=args.card_poll).start()
    time.sleep(random.uniform(0.05, 0.05 + args.card_poll))  # the card comes at any moment between two polls
    t0 = time.perf_counter()
    reader.simulator.place("zhang_san")
    view = runner.wait_for(lambda v: v.step in ("preview", "failed"), 30)
    if view.step != "preview":
        raise RuntimeError(f"no preview: {view}")
    t_preview = marks["preview"]
    runner.print()
    t_tap = time.perf_counter()
    deadline = t_tap + 120
    t_out = None
    while time.perf_counter() < deadline:
        if out_dir is not None:
            if set(out_dir.glob("*.pdf")) - before:
                t_out = time.perf_counter()
                break
        elif len(printer.link.printed) > printed_before:
            t_out = time.perf_counter()
            break
        time.sleep(0.005)
    if t_out is None:
        raise RuntimeError("the record did not come out")
    runner.wait_for(lambda v: v.step == "printed", 30)
    runner.cancel()
    watcher.stop()
    runner.join()
    reader.simulator.remove()
    reader.read_card(timeout=0.5)  # the reader sees the card leave the field
    return {
        "card_to_preview_ms": (t_preview - t0) * 1000,
        "tap_to_page_out_ms": (t_out - t_tap) * 1000,
        "card_to_page_out_ms": (t_out - t0) * 1000 - (t_tap - t_preview) * 1000,
        "render_ms": render_s[0] * 1000 if render_s else float("nan"),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--latency", type=float, default=0.3, help="the department simulator's answer time, s")
    p.add_argument("--months", type=int, default=12, help="the record's period (12: one A4 page, 36: two)")
    p.add_argument("--printer", choices=("cups", "simulator"), default="cups")
    p.add_argument("--card-poll", type=float, default=0.3, help="how often the reader is asked for a card, s")
    p.add_argument("--prewarm", action="store_true", help="render once before the first run, as the kiosk does")
    args = p.parse_args()
    if args.prewarm:
        from selfservice.render import prewarm

        print(f"prewarm: {prewarm() * 1000:.0f} ms")

    health = HealthReporter()
    reader = open_reader(DeviceConfig(id="idcard", kind="idcard", backend="simulator"), health)
    department = SimulatedDepartmentAdapter(
        "rsj", "内乡县人力资源和社会保障局", SimulatedDepartment(latency_s=args.latency)
    )
    cupsd = None
    if args.printer == "cups":
        from devices.a4printer.cupsd import CupsdProcess

        cupsd = CupsdProcess().start()
        out_dir = cupsd.add_pdf_queue("BENCH-A4")
        printer = open_a4printer(
            DeviceConfig(
                id="a4printer",
                kind="a4printer",
                backend="cups",
                options={"queue": "BENCH-A4", "server": cupsd.socket, "poll_s": 0.1},
            ),
            health,
        )
    else:
        out_dir = None
        printer = A4Printer("a4printer", SimulatedA4Link(seconds_per_page=0.0), health, poll_s=0.05)
    try:
        results = []
        for i in range(args.runs + 1):
            r = one_run(args, reader, printer, out_dir, department)
            results.append(r)
            print(f"run {i:2d}: " + "  ".join(f"{k} {v:7.0f}" for k, v in r.items()), flush=True)
    finally:
        printer.close()
        reader.close()
        if cupsd:
            cupsd.cleanup()

    cold, warm = results[0], results[1:]
    load = os.getloadavg()
    print()
    print(
        f"machine: {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}, "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; printer {args.printer}, "
        f"department latency {args.latency:g} s, card poll {args.card_poll:g} s, {args.months} months"
    )
    print(f"{'measure':<24}{'cold':>8}{'median':>9}{'p90':>8}{'max':>8}   (ms, {len(warm)} warm runs)")
    for key in cold:
        values = [r[key] for r in warm]
        print(f"{key:<24}{cold[key]:8.0f}{statistics.median(values):9.0f}{pct(values, 90):8.0f}{max(values):8.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
