"""The report as a PDF for print (A4 landscape), drawn with matplotlib's PdfPages: installable from
PyPI alone, no browser and no network at run time. Chinese text uses the WenQuanYi font (embedded as
a subset); tables are split across pages with their header repeated."""

from __future__ import annotations

from pathlib import Path

from matplotlib import pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages

from ..engine.cases import STATE_NAMES
from .charts import CHARTS, use_cjk_font
from .model import Report, Row, minutes, pct

A4_LANDSCAPE = (11.69, 8.27)
ROWS_PER_PAGE = 30
ROW_HEADER = [
    "名称",
    "取号",
    "办结",
    "告知",
    "过号",
    "作废",
    "平均等候",
    "90%等候",
    "平均办理",
    "按时率%",
    "评5",
    "评4",
    "评3",
    "评2",
    "评1",
    "默认",
    "满意率%",
    "差评",
    "逾期",
    "投诉",
]


def _row_cells(r: Row) -> list[str]:
    return [
        r.name[:16],
        str(r.tickets),
        str(r.served),
        str(r.incomplete),
        str(r.no_shows),
        str(r.cancelled),
        minutes(r.mean_wait_s),
        minutes(r.p90_wait_s),
        minutes(r.mean_service_s),
        pct(r.within_sla),
        *[str(r.ratings[i]) for i in (4, 3, 2, 1, 0)],
        str(r.defaulted),
        pct(r.satisfaction),
        str(r.bad_cases),
        str(r.bad_cases_overdue),
        str(r.complaints),
    ]


def _page(pdf: PdfPages, title: str, subtitle: str = ""):
    fig = plt.figure(figsize=A4_LANDSCAPE)
    fig.text(0.04, 0.95, title, fontsize=15, va="top")
    if subtitle:
        fig.text(0.04, 0.915, subtitle, fontsize=8.5, color="#333333", va="top")
    return fig


def _table_pages(
    pdf: PdfPages,
    report: Report,
    title: str,
    header: list[str],
    rows: list[list[str]],
    widths: list[float] | None = None,
) -> None:
    chunks = [rows[i : i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)] or [[]]
    for n, chunk in enumerate(chunks, 1):
        more = f"（{n}/{len(chunks)}）" if len(chunks) > 1 else ""
        fig = _page(pdf, title + more, f"{report.site_name} · {report.start} 至 {report.end}")
        ax = fig.add_axes((0.03, 0.04, 0.94, 0.84))
        ax.axis("off")
        if chunk:
            table = ax.table(
                cellText=chunk, colLabels=header, loc="upper center", cellLoc="right", colWidths=widths, colLoc="center"
            )
            table.auto_set_font_size(False)
            table.set_fontsize(7.5)
            table.scale(1, 1.25)
            for (r, c), cell in table.get_celld().items():
                cell.set_linewidth(0.4)
                if r == 0:
                    cell.set_facecolor("#e8e8e8")
                if c == 0:
                    cell.set_text_props(ha="left")
        else:
            ax.text(0, 1, "（无）", fontsize=10, va="top")
        pdf.savefig(fig)
        plt.close(fig)


def write_pdf(report: Report, out: Path) -> Path:
    use_cjk_font()
    hall = report.rows["hall"][0]
    bad, complaint, question = (report.cases[k] for k in ("bad_rating", "complaint", "complex_question"))
    with PdfPages(
        out,
        metadata={
            "Title": f"{report.site_name} 监督报告 {report.start}–{report.end}",
            "Creator": "queue_broker report",
            "CreationDate": None,
        },
    ) as pdf:
        fig = _page(
            pdf,
            f"{report.site_name} 政务服务监督报告",
            f"统计期间 {report.start} 至 {report.end}（{len(report.working_days)} 个工作日）· 数据截至 "
            f"{report.as_of:%Y-%m-%d %H:%M} · 事件日志 {report.events} 条，哈希链头 {report.chain_head[:16]}…",
        )
        lines = [
            f"取号 {hall.tickets}，办结 {hall.served}（其中一次性告知 {hall.incomplete}），过号 {hall.no_shows}，作废 {hall.cancelled}",
            f"平均等候 {minutes(hall.mean_wait_s)} 分钟，90% 不超过 {minutes(hall.p90_wait_s)} 分钟；"
            f"平均办理 {minutes(hall.mean_service_s)} 分钟；按时叫号率 {pct(hall.within_sla)}%",
            f"评价 {hall.rated} 次（非常满意 {hall.ratings[4]}，满意 {hall.ratings[3]}，基本满意 {hall.ratings[2]}，"
            f"不满意 {hall.ratings[1]}，非常不满意 {hall.ratings[0]}；默认满意 {hall.defaulted}），满意率 {pct(hall.satisfaction)}%",
            f"差评整改：期初未结 {bad['carried_in']}，新增 {bad['opened']}，办结 {bad['finished']}，期末未结 "
            f"{bad['open_at_end']}（逾期 {bad['overdue_open']}），逾期办结 {bad['finished_late']}",
            f"有诉即办：期初未结 {complaint['carried_in']}，新增 {complaint['opened']}，办结 {complaint['finished']}，"
            f"期末未结 {complaint['open_at_end']}（逾期 {complaint['overdue_open']}），逾期办结 {complaint['finished_late']}",
            f"复杂问题告知：新增 {question['opened']}，办结 {question['finished']}，期末未结 {question['open_at_end']}"
            f"（逾期 {question['overdue_open']}），逾期告知 {question['finished_late']}",
            "电子监察预警："
            + "；".join(f"{a['name']} {a['raised']}（红 {a['red']}）" for a in report.alerts if a["raised"]),
        ]
        for i, line in enumerate(lines):
            fig.text(0.05, 0.84 - i * 0.05, line, fontsize=10.5, va="top", wrap=True)
        fig.text(
            0.05,
            0.38,
            "说明：等候＝取号至首次叫号；90% 等候为第 ⌈0.9n⌉ 小的值；按时叫号率＝等候不超过队列目标时间的比例；\n"
            "满意率＝基本满意及以上 / 评价数（含默认满意，不含申诉成立的差评）；期限按工作日计（国家法定节假日与调休 + 本地调整）。",
            fontsize=8.5,
            color="#333333",
            va="top",
        )
        pdf.savefig(fig)
        plt.close(fig)

        for make in CHARTS.values():  # one chart a page, drawn as vectors on the whole page
            chart = make(report, size=A4_LANDSCAPE)
            pdf.savefig(chart)
            plt.close(chart)

        widths = [0.19] + [0.04] * (len(ROW_HEADER) - 1)
        for group, title in (
            ("queue", "按队列"),
            ("counter", "按窗口"),
            ("operator", "按工作人员"),
            ("item", "按事项"),
        ):
            rows = report.rows["hall"] + report.rows[group] if group == "queue" else report.rows[group]
            _table_pages(pdf, report, title, ROW_HEADER, [_row_cells(r) for r in rows], widths)
        _table_pages(pdf, report, "每日情况", ROW_HEADER, [_row_cells(d["row"]) for d in report.daily], widths)

        case_header = ["类别", "期初未结", "新增", "办结", "期末未结", "期末逾期", "逾期办结", "新增件当前状态"]
        case_rows = [
            [
                c["name"],
                str(c["carried_in"]),
                str(c["opened"]),
                str(c["finished"]),
                str(c["open_at_end"]),
                str(c["overdue_open"]),
                str(c["finished_late"]),
                "；".join(f"{STATE_NAMES[s]} {n}" for s, n in c["opened_by_state"].items() if n),
            ]
            for c in report.cases.values()
        ]
        _table_pages(pdf, report, "闭环办理", case_header, case_rows, [0.1] + [0.07] * 6 + [0.42])
        detail = [
            [
                c["id"],
                c["kind_name"],
                f"{c['opened_at']:%m-%d %H:%M}",
                f"{c['deadline']:%m-%d %H:%M}",
                c["state_name"],
                f"{c['closed_at']:%m-%d %H:%M}" if c["closed_at"] else "",
                "逾期" if c["overdue"] else "",
                c["counter_id"],
                c["service_id"][:24],
                (c["reasons"] or c["category"])[:20],
            ]
            for c in report.case_rows
            if c["closed_at"] is None or c["overdue"]
        ]
        _table_pages(
            pdf,
            report,
            f"未结与逾期案件（本期涉及共 {len(report.case_rows)} 件，其余按期办结）",
            ["编号", "类别", "受理", "期限", "状态", "办结", "逾期", "窗口", "事项", "理由/类别"],
            detail,
            [0.12, 0.09, 0.08, 0.08, 0.12, 0.08, 0.05, 0.06, 0.17, 0.15],
        )
        alert_rows = [
            [
                f"{a['name']}（{a['rule']}）",
                str(a["raised"]),
                str(a["red"]),
                str(a["acked"]),
                "" if a["mean_ack_min"] is None else f"{a['mean_ack_min']:.1f}",
                str(a["cleared"]),
            ]
            for a in report.alerts
        ]
        _table_pages(
            pdf,
            report,
            "电子监察预警",
            ["规则", "预警", "红色", "已确认", "平均确认(分钟)", "已解除"],
            alert_rows,
            [0.4, 0.1, 0.1, 0.1, 0.15, 0.1],
        )
        reds = [
            [
                f"{a['raised_at']:%m-%d %H:%M}",
                a["rule_name"],
                f"{a['first_ack_at']:%H:%M}" if a["first_ack_at"] else "未确认",
                f"{a['cleared_at']:%m-%d %H:%M}" if a["cleared_at"] else "",
                a["message"][:60],
            ]
            for a in report.alert_rows
            if a["severity"] == "red"
        ]
        _table_pages(
            pdf, report, "红色预警", ["时间", "规则", "确认", "解除", "内容"], reds, [0.09, 0.16, 0.07, 0.09, 0.59]
        )
    return out
