"""The operator CLI on a store made by the real engine: status, tickets, export, catalog diff."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import datetime

import pytest

from queue_broker.config.loader import load_site_config
from queue_broker.engine.commands import CounterCommand, HolderInfo, IssueTicket, OpenCounter
from queue_broker.engine.hall import HallEngine
from queue_broker.store import SqliteEventStore

from .conftest import MINI, TZ


def cli(*args, data_dir=None) -> subprocess.CompletedProcess:
    env = {**os.environ, **({"HALL_DATA_DIR": str(data_dir)} if data_dir else {})}
    return subprocess.run(
        [sys.executable, "-m", "queue_broker", *args], capture_output=True, text=True, timeout=60, env=env
    )


def make_day(data_dir) -> str:
    cfg = load_site_config(MINI, env={"HALL_DATA_DIR": str(data_dir)})
    engine = HallEngine(cfg)
    store = SqliteEventStore(str(data_dir / "hall.db"))
    now = datetime.now(TZ).replace(hour=10, minute=0, second=0, microsecond=0)
    holder = HolderInfo("h1", "4113**********1234", "张*", 40)
    for cmd in (
        OpenCounter("W1", "demo", "123456"),
        IssueTicket("kiosk-1", "zh-general", "walk_in", holder),
        IssueTicket("kiosk-1", "sb-card", "walk_in"),
        CounterCommand("W1", "call-next"),
    ):
        store.commit(engine.execute(cmd, now).events, {})
    store.close()
    return now.date().isoformat()


def test_status_tickets_export_audit(tmp_path):
    day = make_day(tmp_path)
    status = cli("status", "--config", str(MINI), data_dir=tmp_path)
    assert status.returncode == 0 and "综合受理" in status.stdout and "A001" in status.stdout
    tickets = cli("tickets", "--today", "--config", str(MINI), data_dir=tmp_path)
    assert "2 tickets" in tickets.stdout and "C001" in tickets.stdout
    export = cli("export", "--day", day, "--config", str(MINI), data_dir=tmp_path)
    rows = list(csv.DictReader(io.StringIO(export.stdout)))
    assert [r["number"] for r in rows] == ["A001", "C001"]
    assert rows[0]["state"] == "called" and rows[0]["holder_masked_id"] == "4113**********1234"
    # to a file: UTF-8 with a byte-order mark, so Excel and WPS open the Chinese ungarbled
    out = tmp_path / "day.csv"
    assert cli("export", "--day", day, "--config", str(MINI), "--out", str(out), data_dir=tmp_path).returncode == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf") and out.read_text(encoding="utf-8-sig") == export.stdout
    assert cli("audit", "verify", "--config", str(MINI), data_dir=tmp_path).returncode == 0


def test_status_columns_line_up_with_chinese_names(tmp_path):
    """Issue 17: the columns after a Chinese name were shifted (a character is two terminal columns)."""
    from queue_broker.cli.commands import fit, width

    assert (
        width("综合受理") == 8
        and fit("综合受理", 10) == "综合受理  "
        and width(fit("工程建设项目审批（发改）", 12)) == 12
    )
    make_day(tmp_path)
    out = cli("status", "--config", str(MINI), data_dir=tmp_path).stdout.splitlines()
    rows = [line for line in out if line[:8].strip() in ("ZH", "BDC", "SB")]
    assert len(rows) == 3
    assert len({width(line[: line.index("m  ") + 1]) for line in rows}) == 1  # 'longest' ends in one column


def test_catalog_diff_names_what_changed(tmp_path):
    new = tmp_path / "site.yaml"
    text = MINI.read_text(encoding="utf-8").replace("name: 社会保障卡补换", "name: 社会保障卡申领补换")
    new.write_text(text.replace("data_dir: var", "data_dir: var\ncatalog_effective_from: 2026-12-01"), encoding="utf-8")
    out = cli("catalog", "diff", str(MINI), str(new))
    assert out.returncode == 0, out.stderr
    assert "~ service sb-card 社会保障卡申领补换: name changed" in out.stdout
    versions = out.stdout.splitlines()[0].split()
    assert versions[1] != versions[3]
    same = cli("catalog", "diff", str(MINI), str(MINI))
    assert "no changes" in same.stdout


def test_a_folder_without_a_hall_is_said_to_be_one_and_left_as_it_was(tmp_path):
    """Issue 17: pointed at a data folder with no hall, the commands showed an empty hall (zeros) and left
    an empty hall.db behind. Now each says so, exits 2, and creates nothing."""
    empty = tmp_path / "nothing-here"
    for args in (
        ["status"],
        ["tickets", "--today"],
        ["audit", "verify"],
        ["export", "--day", "2026-11-27"],
        ["report", "--from", "2026-11-16", "--to", "2026-11-22", "--format", "csv"],
    ):
        out = cli(*args, "--config", str(MINI), data_dir=empty)
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        assert f"no hall in {empty}" in out.stderr and "HALL_DATA_DIR" in out.stderr, (args, out.stderr)
        assert out.stdout == "", args  # no table of zeros
        assert not empty.exists(), args  # and no empty hall.db (nor its folder)
    make_day(tmp_path)  # the same commands on a folder with a hall
    assert cli("status", "--config", str(MINI), data_dir=tmp_path).returncode == 0


@pytest.mark.postgres
def test_a_shared_database_without_this_hall_is_said_to_be_one(pg_url, tmp_path):
    env = {**os.environ, "HALL_DB_URL": pg_url, "HALL_DATA_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-m", "queue_broker", "status", "--config", str(MINI)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert out.returncode == 2 and "holds no events of hall 'mini'" in out.stderr, out.stderr
    assert out.stdout == ""
