"""办件 in the supervision report (HTML): on time, overdue, by department and item, from the event store."""

from __future__ import annotations

import re

from queue_broker.config.loader import load_site_config
from queue_broker.engine.commands import ApplicationAction, CounterCommand, FinishTicket, IssueTicket, OpenCounter
from queue_broker.engine.hall import HallEngine
from queue_broker.reports.applications import application_summary
from queue_broker.store import SqliteEventStore

from .conftest import at, cli, write_site


def _serve_and_accept(engine, store, now, service, counter):
    def run(cmd, when=now):
        result = engine.execute(cmd, when)
        store.commit(result.events, {})
        return result.reply

    t = run(IssueTicket("kiosk-1", service, "walk_in"))["ticket"]
    if engine.counters[counter].status == "closed":
        run(OpenCounter(counter, "demo", "123456"))
    run(CounterCommand(counter, "call-next"))
    app = run(ApplicationAction("accept", ticket_id=t["id"], counter_id=counter))["application"]
    run(FinishTicket(counter, "done"))
    return app["case_no"], run


def test_the_report_counts_applications_on_time_and_overdue(tmp_path):
    site = write_site(tmp_path / "site")
    data = tmp_path / "data"
    cfg = load_site_config(site, env={"HALL_DATA_DIR": str(data)})
    engine, store = HallEngine(cfg), SqliteEventStore(str(data / "hall.db"))
    # Mon 16 Nov: three 不动产 applications (5 working days: due at the end of Mon 23 Nov)
    monday = at(2026, 11, 16, 9, 0)
    on_time, run = _serve_and_accept(engine, store, monday, "bdc-transfer", "W2")
    late, _ = _serve_and_accept(engine, store, monday, "bdc-transfer", "W2")
    still_open, _ = _serve_and_accept(engine, store, monday, "bdc-transfer", "W2")
    run(ApplicationAction("conclude", case_no=on_time), at(2026, 11, 20, 15, 0))
    run(ApplicationAction("result-ready", case_no=on_time, pickup_code="ABC234"), at(2026, 11, 20, 15, 5))
    run(ApplicationAction("deliver", case_no=on_time), at(2026, 11, 21, 9, 0))
    run(ApplicationAction("conclude", case_no=late), at(2026, 11, 24, 10, 0))
    store.close()

    s = application_summary(
        engine, at(2026, 11, 16, 0, 0).date(), at(2026, 11, 29, 0, 0).date(), at(2026, 11, 30, 0, 0)
    )
    hall = s["hall"]
    assert (hall.accepted, hall.on_time, hall.late, hall.open_overdue, hall.delivered) == (3, 1, 1, 1, 1)
    assert [a["case_no"] for a in s["attention"]] == [late, still_open]
    assert s["department"][0].name == "县不动产登记中心" and s["item"][0].key == "bdc-transfer"

    out = tmp_path / "report.html"
    run_cli = cli("report", "--config", site, "--from", "2026-11-16", "--to", "2026-11-29", "--format", "html",
                  "--out", out, env={"HALL_DATA_DIR": str(data)})  # fmt: skip
    assert run_cli.returncode == 0, run_cli.stderr
    html = out.read_text(encoding="utf-8")
    start = html.index("办件时效（承诺件，受理至办结）<")
    section = html[start : html.index("<h2", start)]
    assert late in section and still_open in section and on_time not in section
    row = re.search(r"<td class=\"name\">全厅</td>((?:<td[^>]*>[^<]*</td>\s*)+)", section)
    assert row and re.findall(r">([^<]*)</td>", row.group(1))[:5] == ["3", "1", "1", "50.0%", "0"]
