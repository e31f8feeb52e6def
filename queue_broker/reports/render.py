"""A report as CSV (spreadsheets: UTF-8 with a byte-order mark, so Excel and WPS read the Chinese),
HTML (screen and print, A4 landscape), PDF (that same HTML laid out by WeasyPrint, `pdf.py`) and
Markdown (docs).

The HTML report is a list of sections (`SECTIONS`), one template each under `templates/report/`: the
main part first, a few pages for a day, then the appendices with the long tables. To add a section,
write its template (it sees the report as `r` and everything `context` gives) and add a `Section` to
`SECTIONS` where it belongs; headings are numbered from the list.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from jinja2 import Environment

from ..engine.cases import STATE_NAMES
from ..engine.priority import PRIORITY_NAMES
from ..templating import html_env
from .charts import render_charts, use_cjk_font
from .model import ALERT_NAMES, GROUP_NAMES, GROUPS, LEVEL_NAMES, SEVERITY_NAMES, Report, Row, minutes, pct

CSV_ENCODING = "utf-8-sig"  # a BOM first: Excel and WPS otherwise read UTF-8 Chinese as GBK and garble it

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
    """A row as report.csv has it (the columns of ROW_FIELDS): the counts as they are, times in minutes,
    shares in percent."""
    return {
        **asdict(r),
        "mean_wait_min": minutes(r.mean_wait_s),
        "p90_wait_min": minutes(r.p90_wait_s),
        "mean_service_min": minutes(r.mean_service_s),
        "within_sla_pct": pct(r.within_sla),
        **{f"rating_{i}": r.ratings[i - 1] for i in range(1, 6)},
        "rated": r.rated,
        "satisfaction_pct": pct(r.satisfaction),
        "bad_rating_cases": r.bad_cases,
        "bad_rating_cases_overdue": r.bad_cases_overdue,
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
    return html_env(
        Path(__file__).parent / "templates",
        {
            "minutes": lambda s: "–" if s is None else f"{s / 60:.1f}",
            "pct": lambda s: "–" if s is None else f"{100 * s:.1f}%",
            "stamp": lambda v: _stamp(v) or "–",
            "num": lambda v: "–" if v is None else f"{v:.1f}",
        },
    )


@dataclass(frozen=True)
class Section:
    """One part of the HTML report: `template` under templates/report/, shown when `when(report)`."""

    id: str
    title: str
    template: str
    appendix: bool = False
    page_break: bool = False  # start it on a new page when printed
    when: Callable[[Report], bool] | None = None
    heading: str = ""  # filled in by `sections`: 一、图表 / 附录二　按事项

    def shown(self, report: Report) -> bool:
        return self.when is None or self.when(report)


def _several_days(report: Report) -> bool:
    return len(report.daily) > 1


def _planning(report: Report) -> bool:
    return bool(report.planning)


def _staff_priority(report: Report) -> bool:
    return bool(report.priority_rows)


def _applications(report: Report) -> bool:
    hall = (report.applications or {}).get("hall")
    return bool(hall is not None and hall.accepted)


def _holds(report: Report) -> bool:
    return bool(report.holds and report.holds[0].get("tickets"))


SECTIONS: list[Section] = [
    Section("charts", "图表", "report/charts.html.j2"),
    Section("queues", "办件效能与评价（按队列）", "report/queues.html.j2", page_break=True),
    Section("counters", "按窗口", "report/counters.html.j2"),
    Section("days", "每日情况", "report/days.html.j2", when=_several_days),
    Section("loops", "闭环办理（差评整改、有诉即办、复杂问题告知）", "report/loops.html.j2"),
    Section("alerts", "电子监察预警", "report/alerts.html.j2"),
    Section("operators", "按工作人员", "report/operators.html.j2", appendix=True),
    Section("items", "按事项", "report/items.html.j2", appendix=True, page_break=True),
    Section("case-detail", "未结与逾期案件", "report/case_detail.html.j2", appendix=True, page_break=True),
    Section("alert-detail", "红色预警与未确认预警", "report/alert_detail.html.j2", appendix=True, page_break=True),
    # the detail of four additions, shown when the period has any
    Section(
        "planning",
        "计划：到达预测、排班建议、交叉培训",
        "report/planning.html.j2",
        appendix=True,
        page_break=True,
        when=_planning,
    ),
    Section("priority", "优先办理（工作人员核发）", "report/priority.html.j2", appendix=True, when=_staff_priority),
    Section(
        "applications",
        "办件时效（承诺件，受理至办结）",
        "report/applications.html.j2",
        appendix=True,
        page_break=True,
        when=_applications,
    ),
    Section("holds", "挂起（缺件暂离，保留顺位）", "report/holds.html.j2", appendix=True, when=_holds),
    Section("definitions", "指标说明", "report/definitions.html.j2", appendix=True),
]
CN_NUMBERS = "一二三四五六七八九十"


def _cn(n: int) -> str:
    return CN_NUMBERS[n - 1] if n <= 10 else "十" + CN_NUMBERS[n - 11] if n < 20 else str(n)


def sections(report: Report, chosen: list[Section] | None = None) -> list[Section]:
    """The sections shown for this report, numbered: the main part 一、二、…, the appendices 附录一…"""
    out, main, extra = [], 0, 0
    for s in chosen if chosen is not None else SECTIONS:
        if not s.shown(report):
            continue
        if s.appendix:
            extra += 1
            heading = f"附录{_cn(extra)}　{s.title}"
        else:
            main += 1
            heading = f"{_cn(main)}、{s.title}"
        out.append(replace(s, heading=heading))
    return out


def key_points(report: Report) -> list[str]:
    """The few lines a supervisor reads first: what missed its target in the period."""
    points = []
    late = [r for r in report.rows["queue"] if r.within_sla is not None and r.within_sla < 0.7]
    if late:
        names = "、".join(f"{r.name}（{100 * r.within_sla:.0f}%）" for r in late[:4])  # type: ignore[operator]
        points.append(f"按时叫号率低于 70% 的队列：{names}{'等' if len(late) > 4 else ''}")
    bad = report.cases["bad_rating"]
    if bad["overdue_open"] or report.cases["complaint"]["overdue_open"]:
        points.append(
            f"逾期未结：差评整改 {bad['overdue_open']} 件，有诉即办 {report.cases['complaint']['overdue_open']} 件"
        )
    reds = sum(a["red"] for a in report.alerts)
    unacked = sum(1 for a in report.alert_rows if a["first_ack_at"] is None and a["severity"] != "info")
    if reds or unacked:
        points.append(f"红色预警 {reds} 条，未确认预警 {unacked} 条")
    return points


def context(report: Report) -> dict[str, Any]:
    hall = report.rows["hall"][0]
    return {
        "r": report,
        "hall": hall,
        "groups": GROUPS,
        "group_names": GROUP_NAMES,
        "levels": LEVEL_NAMES,
        "state_names": STATE_NAMES,
        "alert_names": ALERT_NAMES,
        "severity_names": SEVERITY_NAMES,
        "counter_names": {r.key: r.name for r in report.rows["counter"]},
        "item_names": {r.key: r.name for r in report.rows["item"]},
        "points": key_points(report),
        "attention_cases": [c for c in report.case_rows if c["closed_at"] is None or c["overdue"]],
        "red_alerts": [a for a in report.alert_rows if a["severity"] == "red"],
        "unacked": [a for a in report.alert_rows if a["first_ack_at"] is None and a["severity"] != "info"],
        "priority_names": PRIORITY_NAMES,
    }


def to_html(report: Report, charts_href: str = "charts", chart_ext: str = "png") -> str:
    return (
        _env()
        .get_template("report/base.html.j2")
        .render(**context(report), sections=sections(report), charts=charts_href, chart_ext=chart_ext)
    )


def to_markdown(report: Report, charts_href: str = "charts") -> str:
    return _env().get_template("report.md.j2").render(**context(report), charts=charts_href)


def write_csv(tables: dict[str, str], out: Path) -> list[Path]:
    """`report.csv` at `out`, the others (`report-cases.csv`...) beside it with the same stem; each
    starts with the UTF-8 byte-order mark."""
    files = []
    for name, text in tables.items():
        path = out if name == "report.csv" else out.with_name(out.stem + name[len("report") :])
        path.write_text(text, encoding=CSV_ENCODING)
        files.append(path)
    return files


def write_pdf(report: Report, out: Path) -> Path:
    """The HTML report laid out by WeasyPrint, with the charts as vectors (SVG)."""
    from .pdf import html_to_pdf

    with tempfile.TemporaryDirectory(prefix="report-charts-") as tmp:
        render_charts(report, Path(tmp) / "charts", fmt="svg")
        return html_to_pdf(to_html(report, "charts", "svg"), Path(tmp), out)


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
        return [write_pdf(report, out)]
    raise ValueError(f"unknown format {fmt!r} (csv, html, pdf, md)")


__all__ = ["SECTIONS", "Section", "to_csv", "to_html", "to_markdown", "write", "write_pdf", "use_cjk_font"]
