"""One report over two halls: two township halls' SQLite event stores filled by the real engine, read by
`python -m queue_broker report --config A --config B` (and with `--db`), and the same two halls in ONE
PostgreSQL database (HALL_DB_URL, rows keyed by site id): each hall's figures are the ones its own
single-hall report gives, and the totals are computed again here from the tickets as they were played
(waits, SLA, ratings), not from the halls' figures."""

from __future__ import annotations

import csv
import io
import math
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from queue_broker.__main__ import main
from queue_broker.config.loader import load_site_config
from queue_broker.engine.commands import CounterCommand, FinishTicket, IssueTicket, OpenCounter, SubmitRating
from queue_broker.engine.hall import HallEngine
from queue_broker.store import open_store

from .conftest import pdf_fonts

ROOT = Path(__file__).resolve().parents[2]
TZ = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 3, 2, tzinfo=TZ)  # a Monday
PERIOD = ["--from", "2026-03-02", "--to", "2026-03-02"]

# per hall: (issue minute after 9:00), then (call minute, outcome, rating) for each ticket in order;
# every ticket in the general queue (SLA 20 min in the mini site)
PLAY = {
    "township-a": {"issued": [0, 1, 2], "served": [(10, "done", 5), (25, "done", 1), (40, "no-show", None)]},
    "township-b": {"issued": [3, 4], "served": [(8, "done", 4), (50, "done", None)]},
}


def _site(tmp, site: str):
    raw = yaml.safe_load((ROOT / "tests" / "fixtures" / "mini-site.yaml").read_text(encoding="utf-8"))
    raw["site"] = {**raw["site"], "id": site, "name": f"测试镇便民服务中心 {site}"}
    raw["data_dir"] = str(tmp / site)
    path = tmp / f"{site}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _play(site_file, play: dict, db_url: str | None = None) -> dict:
    """Run the hall's morning through the engine into its store (SQLite in its data folder, or with
    `db_url` the shared PostgreSQL database under its site id); the waits as they were played."""
    cfg = load_site_config(site_file, env={})
    if db_url is None:
        Path(cfg.data_dir).mkdir(parents=True, exist_ok=True)
    store = open_store(cfg.data_dir, db_url, cfg.site.id)
    engine = HallEngine(cfg)
    at = lambda minute: DAY.replace(hour=9) + timedelta(minutes=minute)  # noqa: E731

    def run(cmd, minute):
        result = engine.execute(cmd, at(minute))
        store.commit(result.events, {})
        return result.reply

    run(OpenCounter("W1", "demo", "123456"), 0)
    tickets = [run(IssueTicket("kiosk-1", "zh-general", "walk_in"), m)["ticket"] for m in play["issued"]]
    waits, ratings = [], []
    for ticket, minute, (call, outcome, level) in zip(tickets, play["issued"], play["served"], strict=True):
        called = run(CounterCommand("W1", "call-next"), call)["ticket"]
        assert called["id"] == ticket["id"]
        waits.append((call - minute) * 60)
        if outcome == "no-show":
            run(CounterCommand("W1", "no-show"), call + 5)
            continue
        run(FinishTicket("W1", outcome), call + 5)
        if level:
            run(SubmitRating(ticket["id"], level, ("等候时间长",) if level <= 2 else ()), call + 6)
            ratings.append(level)
    store.close()
    return {
        "tickets": len(tickets),
        "waits": waits,
        "ratings": ratings,
        "served": sum(1 for s in play["served"] if s[1] == "done"),
        "no_shows": sum(1 for s in play["served"] if s[1] == "no-show"),
        "db": f"{cfg.data_dir}/hall.db",
    }


def _fill(tmp, ids: dict[str, str], db_url: str | None = None) -> tuple[dict[str, Path], dict[str, dict]]:
    """Each hall of PLAY under its site id `ids[hall]`: its site file and what was played, by site id."""
    sites = {ids[hall]: _site(tmp, ids[hall]) for hall in PLAY}
    played = {ids[hall]: _play(sites[ids[hall]], PLAY[hall], db_url) for hall in PLAY}
    return sites, played


@pytest.fixture
def halls(tmp_path, monkeypatch):
    monkeypatch.delenv("HALL_DB_URL", raising=False)  # their data folders, whatever the shell has
    return _fill(tmp_path, {hall: hall for hall in PLAY})


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _check_county(sites: dict[str, Path], played: dict[str, dict], capsys) -> list[dict]:
    """Each hall's single-hall report, then the report over both: each hall's line equals its own
    report, and the totals are recomputed from the play. The county CSV rows."""
    a, b = (str(path) for path in sites.values())
    singles = {}
    for site, path in sites.items():
        assert main(["report", "--config", str(path), *PERIOD, "--format", "csv"]) == 0
        singles[site] = next(r for r in _rows(capsys.readouterr().out) if r["group"] == "hall")
    assert main(["report", "--config", a, "--config", b, *PERIOD, "--format", "csv"]) == 0
    rows = _rows(capsys.readouterr().out)
    # each hall's rows as its own report gives them, under its site id
    for site in sites:
        hall = next(r for r in rows if r["site"] == site and r["group"] == "hall")
        assert {k: v for k, v in hall.items() if k not in ("site", "site_name")} == singles[site]
        assert hall["site_name"] == f"测试镇便民服务中心 {site}"
        assert any(r["site"] == site and r["group"] == "queue" and r["key"] == "ZH" for r in rows)
    # the totals, recomputed from the play
    total = rows[-1]
    assert (total["group"], total["site_name"]) == ("total", "合计")
    waits = sorted(w for p in played.values() for w in p["waits"])
    ratings = [lv for p in played.values() for lv in p["ratings"]]
    assert int(total["tickets"]) == sum(p["tickets"] for p in played.values()) == 5
    assert int(total["served"]) == sum(p["served"] for p in played.values()) == 4
    assert int(total["no_shows"]) == 1 and int(total["called"]) == 5
    assert float(total["mean_wait_min"]) == pytest.approx(sum(waits) / len(waits) / 60, abs=0.005)
    assert float(total["p90_wait_min"]) == pytest.approx(waits[math.ceil(0.9 * len(waits)) - 1] / 60, abs=0.005)
    assert float(total["within_sla_pct"]) == pytest.approx(
        100 * sum(w <= 20 * 60 for w in waits) / len(waits), abs=0.05
    )
    assert [int(total[f"rating_{i}"]) for i in range(1, 6)] == [ratings.count(i) for i in range(1, 6)]
    assert float(total["satisfaction_pct"]) == pytest.approx(
        100 * sum(lv >= 3 for lv in ratings) / len(ratings), abs=0.05
    )
    assert int(total["bad_rating_cases"]) == 1  # the 1 at township A opened its rectification case
    # a 90th percentile of two halls is not one of theirs: here it is B's 46-minute wait
    assert float(total["p90_wait_min"]) != float(singles[next(iter(sites))]["p90_wait_min"])
    return rows


def test_two_halls_one_report_with_each_hall_and_the_totals(halls, capsys):
    _check_county(*halls, capsys)


def test_two_halls_in_one_postgresql_database(tmp_path, pg_url, site_id, monkeypatch, capsys):
    """Both halls written by the real engine into the same PostgreSQL database (the session's, so the
    site ids are this test's own), then read back per site id as a user would: HALL_DB_URL set."""
    ids = {hall: f"{site_id}-{hall}" for hall in PLAY}
    sites, played = _fill(tmp_path, ids, pg_url)
    import psycopg

    with psycopg.connect(pg_url) as db:  # one database, each hall's rows under its own site id
        counts = dict(
            db.execute(
                "SELECT site, count(*) FROM hall_events WHERE site = ANY(%s) GROUP BY site", (list(ids.values()),)
            ).fetchall()
        )
    assert set(counts) == set(ids.values()) and all(n > 0 for n in counts.values())
    monkeypatch.setenv("HALL_DB_URL", pg_url)
    rows = _check_county(sites, played, capsys)
    # no hall's tickets in the other's line: each line has the tickets its own hall played
    for site, p in played.items():
        hall = next(r for r in rows if r["site"] == site and r["group"] == "hall")
        assert (int(hall["tickets"]), int(hall["served"])) == (p["tickets"], p["served"])
    assert not any((tmp_path / site).exists() for site in sites)  # nothing from a data folder


def test_copied_databases_every_format_and_refusals(halls, tmp_path, capsys):
    sites, played = halls
    a, b = (str(sites[s]) for s in PLAY)
    copies = []
    for site in PLAY:  # the halls' databases brought to the county (their data folders elsewhere)
        copy = tmp_path / "export" / f"{site}.db"
        copy.parent.mkdir(exist_ok=True)
        shutil.copy(played[site]["db"], copy)
        copies.append(str(copy))
        shutil.rmtree(tmp_path / site)
    dbs = [x for c in copies for x in ("--db", c)]
    assert (
        main(
            [
                "report",
                "--config",
                a,
                "--config",
                b,
                *dbs,
                *PERIOD,
                "--format",
                "csv",
                "--out",
                str(tmp_path / "out" / "county.csv"),
            ]
        )
        == 0
    )
    files = {p.name for p in (tmp_path / "out").iterdir()}
    assert files == {"county.csv", "county-cases.csv", "county-alerts.csv"}
    assert all((tmp_path / "out" / f).read_bytes().startswith(b"\xef\xbb\xbf") for f in files)  # Excel, WPS
    cases = _rows((tmp_path / "out" / "county-cases.csv").read_text(encoding="utf-8-sig"))
    assert [(c["site"], c["kind"], c["level"]) for c in cases] == [("township-a", "bad_rating", "1")]
    assert int(_rows((tmp_path / "out" / "county.csv").read_text(encoding="utf-8-sig"))[-1]["tickets"]) == 5
    for fmt in ("md", "html", "pdf"):
        out = tmp_path / "out" / f"county.{fmt}"
        assert main(["report", "--config", a, "--config", b, *dbs, *PERIOD, "--format", fmt, "--out", str(out)]) == 0
        data = out.read_bytes()
        if fmt == "pdf":
            fonts = pdf_fonts(out)
            assert data[:5] == b"%PDF-" and any("WenQuanYi" in n for n, _ in fonts)
            assert not [f for f in fonts if f[1] == "Type 3"], fonts
        else:
            text = data.decode()
            assert "多厅政务服务监督报告" in text and "合计" in text
            assert all(f"测试镇便民服务中心 {s}" in text for s in PLAY)
    capsys.readouterr()
    assert main(["report", "--config", a, "--config", a, *dbs, *PERIOD, "--format", "csv"]) == 2
    assert "given twice" in capsys.readouterr().err
    assert main(["report", "--config", a, "--config", b, "--db", copies[0], *PERIOD]) == 2
    assert "one per hall" in capsys.readouterr().err
    assert main(["report", "--config", a, "--db", str(tmp_path / "nowhere.db"), *PERIOD]) == 2
    assert "no such file" in capsys.readouterr().err
