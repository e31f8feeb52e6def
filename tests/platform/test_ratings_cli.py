"""`ratings export` (JSON and CSV, every field of platform.md §4, the province's keys by mapping) and
`ratings status`, as an operator runs them, on a store written by the real engine."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from queue_broker.config.loader import load_site_config
from queue_broker.engine.commands import (
    ApplicationAction,
    ApplyDefaultRatings,
    CaseAction,
    CounterCommand,
    FinishTicket,
    IssueTicket,
    OpenCounter,
    SubmitRating,
)
from queue_broker.engine.hall import HallEngine
from queue_broker.platform.outbox import PlatformOutbox
from queue_broker.platform.ratings import FIELDS, RECTIFICATION_FIELDS
from queue_broker.store import SqliteEventStore

from .conftest import at, cli, write_site
from .fake_province import MAPPING

ROOT = Path(__file__).resolve().parents[2]


def make_week(tmp_path) -> tuple[Path, Path, dict]:
    site = write_site(tmp_path / "site")
    text = site.read_text(encoding="utf-8").replace(
        "rebalancer: {enabled: false}\n",
        "rebalancer: {enabled: false}\nratings: {default_satisfied: {after_days: 1}}\n",
    )
    text = text.replace(
        "  pickup_service_id: zh-result-pickup\n",
        "  pickup_service_id: zh-result-pickup\n  ratings_mapping: province.yaml\n",
    )
    site.write_text(text, encoding="utf-8")
    (site.parent / "province.yaml").write_text(MAPPING, encoding="utf-8")
    data = tmp_path / "data"
    cfg = load_site_config(site, env={"HALL_DATA_DIR": str(data)})
    engine, store = HallEngine(cfg), SqliteEventStore(str(data / "hall.db"))

    def run(cmd, when):
        result = engine.execute(cmd, when)
        store.commit(result.events, {})
        return result.reply

    def serve(counter, service, when):
        t = run(IssueTicket("kiosk-1", service, "walk_in"), when)["ticket"]
        if engine.counters[counter].status == "closed":
            run(OpenCounter(counter, "clerk" if counter == "W2" else "demo", "123456"), when)
        run(CounterCommand(counter, "call-next"), when)
        return t

    mon = at(2026, 11, 23, 9, 0)
    ids = {}
    t = serve("W2", "bdc-transfer", mon)
    app = run(ApplicationAction("accept", ticket_id=t["id"], counter_id="W2"), mon)["application"]
    run(FinishTicket("W2", "done"), mon)
    run(SubmitRating(t["id"], 5, by="counter-W2"), mon)
    ids["with_case"], ids["case_no"] = t["id"], app["case_no"]
    t = serve("W1", "zh-general", mon)
    run(FinishTicket("W1", "done"), mon)
    bad = run(SubmitRating(t["id"], 2, ("等候时间长",), "等了一个小时", by="gateway"), mon)
    ids["bad"] = t["id"]
    for action, kw in (("verify", {}), ("rectify", {}), ("reply", {}), ("revisit", {"satisfied": False})):
        run(CaseAction(bad["case"]["id"], action, note=f"{action} 说明", **kw), at(2026, 11, 24, 10, 0))
    t = serve("W1", "zh-general", mon)
    run(FinishTicket("W1", "done"), mon)
    ids["default"] = t["id"]
    run(ApplyDefaultRatings((t["id"],)), at(2026, 11, 25, 9, 0))
    store.close()
    return site, data, ids


def export(site, data, start, end, fmt, out, *more):
    return cli("ratings", "export", "--config", site, "--from", start, "--to", end, "--format", fmt, "--out", out,
               *more, env={"HALL_DATA_DIR": str(data)})  # fmt: skip


def test_export_json_has_every_field_of_the_platform_record(tmp_path):
    site, data, ids = make_week(tmp_path)
    out = tmp_path / "ratings.json"
    run = export(site, data, "2026-11-23", "2026-11-29", "json", out)
    assert run.returncode == 0, run.stderr
    assert "3 ratings (1 bad, 1 default) 2026-11-23 – 2026-11-29" in run.stdout
    body = json.loads(out.read_text(encoding="utf-8"))
    recs = {r["eval_id"].split("-", 1)[1]: r for r in body["records"]}
    for r in recs.values():
        assert list(r) == list(FIELDS)
    withcase = recs[ids["with_case"]]
    assert withcase["case_no"] == ids["case_no"] and withcase["task_code"] == "11411325MB00000029000117005000"
    assert (withcase["channel"], withcase["window_no"], withcase["staff_no"], withcase["level"]) == (
        "4",
        "2",
        "clerk",
        5,
    )
    assert withcase["dept_code"] == "11411325MB00000029" and withcase["rectification"] is None
    bad = recs[ids["bad"]]
    assert (bad["channel"], bad["reasons"], bad["comment"], bad["is_default"]) == (
        "3",
        ["等候时间长"],
        "等了一个小时",
        False,
    )
    rect = bad["rectification"]
    assert set(RECTIFICATION_FIELDS) <= set(rect)
    assert rect["status"] == "verified" and rect["result"] == "rectify 说明"  # not satisfied at the revisit: again
    assert (
        rect["callback_at"] == at(2026, 11, 24, 10, 0).isoformat() and rect["callback_result"] == "不满意：revisit 说明"
    )
    default = recs[ids["default"]]
    assert default["is_default"] is True and default["level"] == 4 and default["staff_no"] is None
    text = out.read_text(encoding="utf-8")
    assert "holder" not in text and "masked" not in text  # no name, no ID number, not even masked


def test_export_csv_opens_in_excel_and_the_province_keys_by_mapping(tmp_path):
    site, data, ids = make_week(tmp_path)
    out = tmp_path / "ratings.csv"
    run = export(site, data, "2026-11-23", "2026-11-23", "csv", out, "--province-keys")
    assert run.returncode == 0, run.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 2  # by the day of rating: the default one counts on the 25th
    assert {"evalId", "projectNo", "pf", "alternate", "appraisalReasons", "rectifyStatus", "visitResult"} <= set(
        rows[0]
    )
    bad = next(r for r in rows if r["evalId"].endswith(ids["bad"]))
    assert bad["appraisalReasons"] == "等候时间长" and bad["rectifyStatus"] == "verified" and bad["isDefault"] == "0"
    run = export(site, data, "2026-11-29", "2026-11-23", "csv", out)
    assert run.returncode == 2 and "before --from" in run.stderr


def test_status_lists_what_is_pending(tmp_path):
    site, data, ids = make_week(tmp_path)
    box = PlatformOutbox(str(data / "platform-outbox.db"))
    now = at(2026, 11, 27, 9, 0)
    box.put("rating", "plat-1", {"level": 5}, now)
    box.put("rating", "plat-2", {"level": 4}, now)
    [p, _] = box.due("rating", now, 10)
    box.failed([p], "cannot reach the platform: [Errno 111] Connection refused", now, 30, 3600)
    box.acked("rating", "plat-2", box.pending()[1].revision, now)
    box.close()
    run = cli("ratings", "status", "--config", site, env={"HALL_DATA_DIR": str(data)})
    assert run.returncode == 0, run.stderr
    assert "ratings: 1 pending, 1 acknowledged, oldest pending since 2026-11-27T09:00:00+08:00" in run.stdout
    assert "(no endpoint configured: they wait)" in run.stdout
    assert (
        "plat-1" in run.stdout
        and "Connection refused" in run.stdout
        and "plat-2" not in run.stdout.split("last error")[-1]
    )
    run = cli("ratings", "status", "--config", site, env={"HALL_DATA_DIR": str(tmp_path / "empty")})
    assert run.returncode == 2 and "no platform outbox" in run.stderr
