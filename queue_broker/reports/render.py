"""A report as CSV (machines, spreadsheets), HTML (screen and print, A4 landscape), PDF (matplotlib's
PdfPages: no browser, no network; Chinese through the WenQuanYi font) and Markdown (docs)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..engine.cases import STATE_NAMES
from ..engine.priority import PRIORITY_NAMES
from .charts import render_charts, use_cjk_font
from .model import GROUP_NAMES, GROUPS, LEVEL_NAMES, Report, Row, minutes, pct

ROW_FIELDS = [
    "group",
    "key",
    "name",
    "tickets",
    "served",
    "incomplete",
    "no_shows",
    "cancelled",
    "called",
    "mean_wait_min",
    "p90_wait_min",
    "mean_service_min",
    "within_sla_pct",
    "rating_1",
    "rating_2",
    "rating_3",
    "rating_4",
    "rating_5",
    "rated",
    "defaulted",
    "annulled",
    "satisfaction_pct",
    "bad_rating_cases",
    "bad_rating_cases_overdue",
    "complaints",
]
CASE_FIELDS = [
    "id",
    "kind",
    "opened_at",
    "deadline",
    "state",
    "closed_at",
    "overdue",
    "counter_id",
    "operator_id",
    "service_id",
    "level",
    "reasons",
    "category",
    "steps",
]
ALERT_FIELDS = [
    "id",
    "rule",
    "subject",
    "raised_at",
    "severity",
    "escalated_at",
    "first_ack_at",
    "ack_min",
    "cleared_at",
    "message",
]


def row_record(r: Row) -> dict[str, Any]:
    return {
        "group": r.group,
        "key": r.key,
        "name": r.name,
        "tickets": r.tickets,
        "served": r.served,
        "incomplete": r.incomplete,
        "no_shows": r.no_shows,
        "cancelled": r.cancelled,
        "called": r.called,
        "mean_wait_min": minutes(r.mean_wait_s),
        "p90_wait_min": minutes(r.p90_wait_s),
        "mean_service_min": minutes(r.mean_service_s),
        "within_sla_pct": pct(r.within_sla),
        **{f"rating_{i}": r.ratings[i - 1] for i in range(1, 6)},
        "rated": r.rated,
        "defaulted": r.defaulted,
        "annulled": r.annulled,
        "satisfaction_pct": pct(r.satisfaction),
        "bad_rating_cases": r.bad_cases,
        "bad_rating_cases_overdue": r.bad_cases_overdue,
        "complaints": r.complaints,
    }


def _stamp(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | str):
        return value
    if isinstance(value, float):
        return f"{value:.1f}"
    if hasattr(value, "strftime"):
        return _stamp(value)
    return str(value)


def _csv(fields: list[str], records: Iterable[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for rec in records:
        w.writerow({k: _cell(v) for k, v in rec.items()})
    return buf.getvalue()


def to_csv(report: Report) -> dict[str, str]:
    """{'report.csv': groups, 'report-cases.csv': cases, 'report-alerts.csv': alerts}."""
    rows = [row_record(r) for group in ("hall", *GROUPS) for r in report.rows[group]]
    return {
        "report.csv": _csv(ROW_FIELDS, rows),
        "report-cases.csv": _csv(CASE_FIELDS, report.case_rows),
        "report-alerts.csv": _csv(ALERT_FIELDS, report.alert_rows),
    }


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["minutes"] = lambda s: "–" if s is None else f"{s / 60:.1f}"
    env.filters["pct"] = lambda s: "–" if s is None else f"{100 * s:.1f}%"
    env.filters["stamp"] = lambda v: _stamp(v) or "–"
    env.filters["num"] = lambda v: "–" if v is None else f"{v:.1f}"
    return env


def context(report: Report) -> dict[str, Any]:
    hall = report.rows["hall"][0]
    return {
        "r": report,
        "hall": hall,
        "groups": GROUPS,
        "group_names": GROUP_NAMES,
        "levels": LEVEL_NAMES,
        "state_names": STATE_NAMES,
        "attention_cases": [c for c in report.case_rows if c["closed_at"] is None or c["overdue"]],
        "red_alerts": [a for a in report.alert_rows if a["severity"] == "red"],
        "unacked": [a for a in report.alert_rows if a["first_ack_at"] is None],
        "priority_names": PRIORITY_NAMES,
    }


def to_html(report: Report, charts_href: str = "charts") -> str:
    return _env().get_template("report.html.j2").render(**context(report), charts=charts_href)


def to_markdown(report: Report, charts_href: str = "charts") -> str:
    return _env().get_template("report.md.j2").render(**context(report), charts=charts_href)


def write_csv(tables: dict[str, str], out: Path) -> list[Path]:
    """`report.csv` at `out`, the others (`report-cases.csv`...) beside it with the same stem."""
    files = []
    for name, text in tables.items():
        path = out if name == "report.csv" else out.with_name(out.stem + name[len("report") :])
        path.write_text(text, encoding="utf-8")
        files.append(path)
    return files


def write(report: Report, fmt: str, out: Path) -> list[Path]:
    """Write the report in `fmt` at `out` (a file; HTML and Markdown put their charts in `charts/` beside
    it, CSV writes its cases and alerts files beside it). Returns the files written."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        return write_csv(to_csv(report), out)
    if fmt in ("html", "md"):
        charts = render_charts(report, out.parent / "charts")
        text = to_html(report) if fmt == "html" else to_markdown(report)
        out.write_text(text, encoding="utf-8")
        return [out, *charts.values()]
    if fmt == "pdf":
        from .pdf import write_pdf

        write_pdf(report, out)
        return [out]
    raise ValueError(f"unknown format {fmt!r} (csv, html, pdf, md)")


__all__ = ["to_csv", "to_html", "to_markdown", "write", "use_cjk_font"]
