"""`python -m queue_broker catalog import` as an operator runs it (a subprocess): JSON (a list and
{"data": [...]}), a GBK CSV through a mapping file, an XLSX workbook; added, changed and withdrawn items
with their codes; every malformed record reported by its line with what was done; the hall's own settings
kept; nothing half-written; the result loads as a site."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import yaml

from queue_broker.config.loader import load_site_config
from queue_broker.engine.commands import BookAppointment, IssueTicket
from queue_broker.engine.hall import HallEngine
from queue_broker.store import SqliteEventStore

from .conftest import ROOT, TZ, cli, write_site

NEIXIANG = ROOT / "examples" / "neixiang"
BDC = "11411325MB0000002900011700500001"  # the fixture's bdc-transfer


def fixture_export() -> list[dict]:
    """The platform fixture's own national records, in platform.md's field names."""
    cfg = load_site_config(write_site(Path(os.environ.get("TMPDIR", "/tmp")) / f"exp-{os.getpid()}"), env={})
    out = []
    for s in cfg.services:
        n = s.national
        if n is None:
            continue
        out.append(
            {
                "catalog_code": n.catalog_code,
                "task_code": n.task_code,
                "task_handle_item": n.task_handle_item,
                "task_name": s.name,
                "task_type": n.task_type,
                "dept_code": n.dept_code,
                "dept_name": n.dept_name,
                "project_type": n.project_type,
                "promise_day": n.promise_day,
                "anticipate_day": n.anticipate_day,
                "limit_scene_num": n.limit_scene_num,
                "link_addr": n.link_addr,
            }
        )
    return out


def catalog_import(export, site, out, *options, env: dict[str, str] | None = None):
    """`python -m queue_broker catalog import EXPORT --config SITE --out OUT OPTIONS`, as an operator runs it."""
    return cli("catalog", "import", export, "--config", site, "--out", out, *options, env=env)


def test_the_sample_halls_export_matches_its_catalog(tmp_path):
    """examples/neixiang/platform/catalog-export.json is the sample hall's items: importing it changes nothing."""
    site = tmp_path / "neixiang"
    shutil.copytree(NEIXIANG, site)
    before = (site / "services.yaml").read_bytes()
    run = catalog_import(NEIXIANG / "platform" / "catalog-export.json", site / "site.yaml", site)
    assert run.returncode == 0, run.stderr
    assert "read 56 records" in run.stdout and "(JSON, UTF-8)" in run.stdout
    assert "= 56 unchanged" in run.stdout and "nothing written" in run.stdout
    assert (site / "services.yaml").read_bytes() == before


def test_added_changed_withdrawn_and_every_bad_record_by_line(tmp_path):
    site = write_site(tmp_path / "site")
    records = fixture_export()
    bdc = next(r for r in records if r["task_handle_item"] == BDC)
    bdc.update(task_name="不动产转移登记（二手房）", promise_day=3, accept_condition="产权清晰；已签订买卖合同")
    bdc["materials"] = [{"name": "不动产权证书", "copies": 1, "source": "申请人自备", "required": "是"}]
    new = {
        **bdc,
        "task_code": "11411325MB00000029000117006000",
        "task_handle_item": "11411325MB0000002900011700600001",
        "task_name": "不动产抵押登记",
        "plan_effective_date": "2020-01-01",  # in the past: offered now
    }
    gone = {
        **new,
        "task_handle_item": "11411325MB0000002900011700700001",
        "task_name": "预告登记",
        "plan_cancel_date": "2026-01-01",
    }
    export = [
        *records,
        new,
        {"task_code": "X1", "task_name": "没有办理项编码"},  # missing task_handle_item
        {**new, "task_name": "重复的编码"},  # duplicate of `new`
        {
            **new,
            "task_handle_item": "11411325MB0000002900011700800001",
            "dept_code": "11411325MB00000028",
            "promise_day": "三天",
        },
        {**new, "task_handle_item": "11411325MB0000002900011700900001", "plan_cancel_date": "2026-13-45"},
        gone,  # new and already withdrawn: not added
        ["not", "a", "record"],
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export, ensure_ascii=False, indent=2), encoding="utf-8")
    line = {i: n for i, n in enumerate(_lines_of_elements(path.read_text(encoding="utf-8")))}
    out = tmp_path / "out"
    run = catalog_import(path, site, out, "--today", "2026-11-27")
    assert run.returncode == 0, run.stderr
    o = run.stdout
    assert f"~ changed    bdc-transfer  {BDC}  不动产转移登记（二手房）  [line {line[1]}]" in o
    assert "name" in o and "national.promise_day" in o and "guide.conditions" in o and "materials" in o
    assert (
        f"+ added      11411325MB0000002900011700600001  不动产抵押登记  [line {line[len(records)]}] queue BDC, offered now"
        in o
    )
    n = len(records)
    assert f"! line {line[n + 1]}: task_handle_item (业务办理项编码) is missing: skipped" in o
    assert (
        f"! line {line[n + 2]} (11411325MB0000002900011700600001): the same task_handle_item as line {line[n]}: skipped"
        in o
    )
    assert (
        f"! line {line[n + 3]} (11411325MB0000002900011700800001): promise_day '三天' is not a number of days: ignored"
        in o
    )
    assert "dept_code '11411325MB00000028' fails its check character (should end in 9)" in o
    assert f"! line {line[n + 4]} (11411325MB0000002900011700900001): plan_cancel_date '2026-13-45' is not a date" in o
    assert f"! line {line[n + 5]} (11411325MB0000002900011700700001): a new item already withdrawn: not added" in o
    assert f"! line {line[n + 6]}: not a record (a JSON object): skipped" in o
    # the written catalog loads, keeps the hall's settings and carries the codes
    shutil.copy(site, out / "site.yaml")
    cfg = load_site_config(out / "site.yaml", env={})
    b = cfg.service("bdc-transfer")
    assert b.queue_id == "BDC" and b.life_events == ["买房"] and b.department == "县不动产登记中心"
    assert b.guide.time_limit_days == 3 and b.guide.conditions == ["产权清晰", "已签订买卖合同"]
    assert b.materials[0].note == "来源：申请人自备" and b.national.promise_day == 3
    added = cfg.service("11411325MB0000002900011700600001")
    assert added.queue_id == "BDC" and added.national.task_code == "11411325MB00000029000117006000"
    report = json.loads((out / "catalog-import-report.json").read_text(encoding="utf-8"))
    assert {c["code"] for c in report["added"]} == {
        "11411325MB0000002900011700600001",
        "11411325MB0000002900011700800001",
        "11411325MB0000002900011700900001",
    }


def _lines_of_elements(text: str) -> list[int]:
    """Where json.dumps(indent=2) put each top-level element (independent of the importer's own scanner)."""
    lines, depth = [], 0
    for number, row in enumerate(text.splitlines(), start=1):
        if depth == 1 and row.strip() not in ("]", ""):
            lines.append(number)
        depth += row.count("[") + row.count("{") - row.count("]") - row.count("}")
    return lines


def test_a_withdrawn_item_the_hall_has_tickets_for(tmp_path):
    """The department's export no longer lists bdc-transfer: withdrawn from tomorrow, and the report says
    what happens to the tickets and appointments the hall already has for it."""
    site = write_site(tmp_path / "site")
    data = tmp_path / "data"
    cfg = load_site_config(site, env={"HALL_DATA_DIR": str(data)})
    engine, store = HallEngine(cfg), SqliteEventStore(str(data / "hall.db"))
    now = datetime(2026, 11, 27, 9, 0, tzinfo=TZ)
    for cmd in (
        IssueTicket("kiosk-1", "bdc-transfer", "walk_in"),
        IssueTicket("kiosk-1", "bdc-transfer", "walk_in"),
        BookAppointment("bdc-transfer", datetime(2026, 12, 1, 9, 0, tzinfo=TZ), "ABCD2345"),
    ):
        store.commit(engine.execute(cmd, now).events, {})
    store.close()
    records = [r for r in fixture_export() if r["task_handle_item"] != BDC]
    records.append(
        {
            **records[0],
            "task_handle_item": "11411325MB0000002900011700600001",
            "task_code": "T2",
            "task_name": "不动产抵押登记",
            "dept_code": "11411325MB00000029",
            "dept_name": "县不动产登记中心",
        }
    )
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"data": records}, ensure_ascii=False), encoding="utf-8")
    run = catalog_import(path, site, tmp_path / "out", "--today", "2026-11-27", env={"HALL_DATA_DIR": str(data)})
    assert run.returncode == 0, run.stderr
    assert (
        f"- withdrawn  bdc-transfer  {BDC}  不动产转移登记  [not in the export] not in its department's export any more; "
        "no new tickets from 2026-11-28; 2 tickets already issued will be served; "
        "1 appointment booked for 2026-12-01 is kept and served"
    ) in run.stdout


def test_gbk_csv_through_a_mapping_file(tmp_path):
    site = write_site(tmp_path / "site")
    mapping = tmp_path / "henan.yaml"
    mapping.write_text(
        "# 某省导出字段 → platform.md\n"
        "fields: {SSBM: task_code, YWBLXBM: task_handle_item, SXMC: task_name, SSZT: dept_name, SSZTDM: dept_code,\n"
        "         BJLX: project_type, CNSX: promise_day, CL: materials, SFSF: is_fee, SXRQ: plan_effective_date}\n"
        "values: {project_type: {'1': 即办, '2': 承诺}}\n",
        encoding="utf-8",
    )
    csv_text = (
        "SSBM,YWBLXBM,SXMC,SSZT,SSZTDM,BJLX,CNSX,CL,SFSF,SXRQ,BZ\n"
        f"11411325MB00000029000117005000,{BDC},不动产转移登记,县不动产登记中心,11411325MB00000029,2,5,"
        "不动产权证书；买卖合同；身份证明,否,2026/12/1,备注\n"
        "11411325MB00000016000120009000,11411325MB0000001600012000900001,“一件事”综合窗口咨询,"
        "县行政审批服务中心,11411325MB00000016,1,0,无,否,,\n"
    )
    path = tmp_path / "事项导出.csv"
    path.write_bytes(csv_text.encode("gbk"))
    run = catalog_import(path, site, tmp_path / "out", "--mapping", mapping, "--today", "2026-11-27")
    assert run.returncode == 0, run.stderr
    assert "(CSV, GBK/GB18030): 2 usable" in run.stdout
    assert "+ added      11411325MB0000001600012000900001  “一件事”综合窗口咨询  [line 3] queue ZH" in run.stdout
    assert "columns not used (no field of platform.md, none in the mapping): BZ" in run.stdout
    services = yaml.safe_load((tmp_path / "out" / "platform-services.yaml").read_text(encoding="utf-8"))["services"]
    bdc = next(s for s in services if s["id"] == "bdc-transfer")
    assert [m["name"] for m in bdc["materials"]] == ["不动产权证书", "买卖合同", "身份证明"]
    assert bdc["materials"][1]["copies"] == 1  # given by name only: the hall's details of 买卖合同 are kept
    assert str(bdc["national"]["plan_effective_date"]) == "2026-12-01"


def test_xlsx_with_excel_dates(tmp_path):
    from openpyxl import Workbook

    site = write_site(tmp_path / "site")
    wb = Workbook()
    ws = wb.active
    ws.append(["task_code", "task_handle_item", "task_name", "dept_name", "promise_day", "plan_cancel_date"])
    ws.append(["11411325MB00000029000117005000", BDC, "不动产转移登记", "县不动产登记中心", 5, datetime(2026, 12, 31)])
    ws.append([None, None, None, None, None, None])
    ws.append(["T3", None, "缺编码", "县不动产登记中心", 1, None])
    path = tmp_path / "export.xlsx"
    wb.save(path)
    run = catalog_import(path, site, tmp_path / "out", "--today", "2026-11-27")
    assert run.returncode == 0, run.stderr
    assert "(XLSX): 1 usable" in run.stdout
    assert f"- withdrawn  bdc-transfer  {BDC}  不动产转移登记  [line 2] no new tickets from 2026-12-31" in run.stdout
    assert "! line 4: task_handle_item (业务办理项编码) is missing: skipped" in run.stdout


def test_unreadable_input_is_refused_in_one_line_and_nothing_is_written(tmp_path):
    site = write_site(tmp_path / "site")
    out = tmp_path / "out"
    binary = tmp_path / "export.json"
    binary.write_bytes(b'{"data": [\n{"task_name": "\xff\xfe\xfd\xfc"}]}')
    run = catalog_import(binary, site, out)
    assert run.returncode == 2 and "neither UTF-8 nor GBK" in run.stderr and "line 2" in run.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"data": [\n {"task_code": "a",}\n]}', encoding="utf-8")
    run = catalog_import(broken, site, out)
    assert run.returncode == 2 and run.stderr.startswith(f"{broken}: line 2: not JSON")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("fields:\n  A: task_cod\n", encoding="utf-8")
    run = catalog_import(broken, site, out, "--mapping", mapping)
    assert run.returncode == 2 and "map.yaml:1" in run.stderr and "'task_cod' is not a field" in run.stderr
    nothing = tmp_path / "nothing.json"
    nothing.write_text('[{"task_name": "x"}]', encoding="utf-8")
    run = catalog_import(nothing, site, out)
    assert run.returncode == 2 and "no usable record; nothing written" in run.stderr
    assert not out.exists()


def test_a_catalog_that_would_not_load_is_never_written(tmp_path):
    """A record whose code is a bundle's id: the site loader refuses the result, and the folder keeps its file."""
    site = write_site(tmp_path / "site")
    services = site.parent / "platform-services.yaml"
    before = services.read_bytes()
    export = [
        {"task_code": "T9", "task_handle_item": "bundle-birth", "task_name": "与套餐同名", "dept_name": "县人社局"}
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    run = catalog_import(path, site, site.parent)
    assert run.returncode == 2 and "the new catalog does not load" in run.stderr
    assert "bundle id 'bundle-birth' is also a service id" in run.stderr
    assert services.read_bytes() == before
    assert sorted(p.name for p in site.parent.iterdir()) == ["platform-services.yaml", "site.yaml"]  # no temp left
