"""Staff-issued priority in the report (issue 23 item 3): every green-channel and disability ticket of the
period with its reason and who issued it, read from the event log, in the HTML report."""

from __future__ import annotations

from datetime import date, datetime

from queue_broker.engine.commands import IssuePriorityTicket, OpenCounter
from queue_broker.engine.hall import HallEngine
from queue_broker.reports.demo_week import REPORT_FROM, REPORT_TO
from queue_broker.reports.model import build_report, load_period
from queue_broker.reports.render import to_html
from queue_broker.store import SqliteEventStore

from ..clock import Clock
from ..engine.conftest import MINI, TZ


def test_the_example_weeks_green_channel_tickets_are_listed_with_reason_and_issuer(week_store, week_config):
    report = build_report(load_period(week_config, week_store, REPORT_FROM, REPORT_TO))
    greens = [r for r in report.priority_rows if r["priority"] == "green"]
    assert greens and report.priority_counts == {"green": len(greens), "disability": 0}
    assert all(r["reason"] == "危急重症或紧急事项" and r["issued_by"] == "演示值班长（值班主管）" for r in greens)
    html = to_html(report)
    assert "优先办理（工作人员核发）<" in html and f"绿色通道 {len(greens)} 张" in html and greens[0]["number"] in html


def test_a_counters_disability_ticket_names_its_operator_and_counter(tmp_path):
    from queue_broker.config.loader import load_site_config

    cfg = load_site_config(MINI, env={"HALL_DATA_DIR": str(tmp_path)})
    engine, clock = HallEngine(cfg), Clock(datetime(2026, 11, 27, 9, 0, tzinfo=TZ))
    store = SqliteEventStore(str(tmp_path / "hall.db"))
    try:
        for cmd in (
            OpenCounter("W1", "demo", "123456"),
            IssuePriorityTicket(
                "counter", "zh-general", "disability", "其他", "拄双拐", counter_id="W1", by="counter-W1"
            ),
        ):
            store.commit(engine.execute(cmd, clock()).events, {})
        day = date(2026, 11, 27)
        report = build_report(load_period(cfg, store, day, day))
    finally:
        store.close()
    [row] = report.priority_rows
    assert (row["number"], row["priority_name"], row["reason"], row["note"]) == ("A001", "残疾人优先", "其他", "拄双拐")
    assert row["issued_by"] == "演示操作员（1号窗口 综合受理）"
    html = to_html(report)
    assert "拄双拐" in html and "演示操作员（1号窗口 综合受理）" in html
