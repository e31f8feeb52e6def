"""A report over several halls as CSV (a `site` column before the single-hall columns: each hall's rows,
then the totals; UTF-8 with a BOM), Markdown and HTML (one page: totals, one line per hall, each hall's
queues, closed loops, alerts) and PDF (that HTML laid out by WeasyPrint, as the single-hall PDF)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .county import CountyReport
from .model import GROUPS
from .render import ALERT_FIELDS, CASE_FIELDS, ROW_FIELDS, _csv, _env, row_record, write_csv

SITE_FIELDS = ["site", "site_name"]


def to_csv(report: CountyReport) -> dict[str, str]:
    """{'report.csv': every hall's rows and the totals, 'report-cases.csv', 'report-alerts.csv'}."""
    rows: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    alerts: list[dict[str, Any]] = []
    for r in report.halls:
        site = {"site": r.site_id, "site_name": r.site_name}
        rows += [{**site, **row_record(x)} for group in ("hall", *GROUPS) for x in r.rows[group]]
        cases += [{**site, **c} for c in r.case_rows]
        alerts += [{**site, **a} for a in r.alert_rows]
    rows.append({"site": "", "site_name": "合计", **row_record(report.total)})
    return {
        "report.csv": _csv(SITE_FIELDS + ROW_FIELDS, rows),
        "report-cases.csv": _csv(SITE_FIELDS + CASE_FIELDS, cases),
        "report-alerts.csv": _csv(SITE_FIELDS + ALERT_FIELDS, alerts),
    }


def to_markdown(report: CountyReport) -> str:
    return _env().get_template("county.md.j2").render(r=report, groups=GROUPS)


def to_html(report: CountyReport) -> str:
    return _env().get_template("county.html.j2").render(r=report, groups=GROUPS)


def write(report: CountyReport, fmt: str, out: Path) -> list[Path]:
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        return write_csv(to_csv(report), out)
    if fmt in ("html", "md"):
        out.write_text(to_html(report) if fmt == "html" else to_markdown(report), encoding="utf-8")
        return [out]
    if fmt == "pdf":
        write_pdf(report, out)
        return [out]
    raise ValueError(f"unknown format {fmt!r} (csv, html, pdf, md)")


def write_pdf(report: CountyReport, out: Path) -> Path:
    from .pdf import html_to_pdf

    return html_to_pdf(to_html(report), out.parent, out)
