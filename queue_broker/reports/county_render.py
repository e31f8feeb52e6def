"""A report over several halls as CSV (a `site` column before the single-hall columns: each hall's rows,
then the totals), Markdown and HTML (one page: totals, one line per hall, each hall's queues, closed
loops, alerts) and PDF (the same tables with matplotlib, as the single-hall PDF)."""

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
    from matplotlib.backends.backend_pdf import PdfPages

    from .charts import use_cjk_font
    from .pdf import ROW_HEADER, _row_cells, _table_pages

    use_cjk_font()
    halls = [r.rows["hall"][0] for r in report.halls]
    with PdfPages(
        out,
        metadata={
            "Title": f"多厅监督报告 {report.start}–{report.end}",
            "Creator": "queue_broker report",
            "CreationDate": None,
        },
    ) as pdf:
        header = ["大厅", *ROW_HEADER[1:]]
        cells = [[r.site_name[:16], *_row_cells(h)[1:]] for r, h in zip(report.halls, halls, strict=True)]
        _table_pages(pdf, report, "各大厅与合计", header, [*cells, _row_cells(report.total)])
        for r in report.halls:
            _table_pages(
                pdf,
                report,
                f"{r.site_name} · 按队列",
                ROW_HEADER,
                [_row_cells(x) for x in r.rows["hall"] + r.rows["queue"]],
            )
        _table_pages(pdf, report, "逐日合计", ["日期", *ROW_HEADER[1:]], [_row_cells(d["row"]) for d in report.daily])
    return out
