"""The report's charts (matplotlib, Agg, no screen): waiting by hour, ratings by counter, SLA share by
queue, and the days of the period. Chinese text uses WenQuanYi Micro Hei (Debian `fonts-wqy-microhei`);
without it the charts still render, with boxes for Chinese characters, and a warning is logged."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from .model import LEVEL_NAMES, Report  # noqa: E402

log = logging.getLogger("queue_broker.reports")
CJK_FONTS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
LEVEL_COLOURS = {1: "#b2182b", 2: "#ef8a62", 3: "#d9d9d9", 4: "#67a9cf", 5: "#2166ac"}
_font_ready = False


def use_cjk_font() -> str | None:
    """Register the first CJK font found and make it the default; its family name, or None."""
    global _font_ready
    for path in CJK_FONTS:
        if Path(path).exists():
            if not _font_ready:
                font_manager.fontManager.addfont(path)
            name = font_manager.FontProperties(fname=path).get_name()
            plt.rcParams["font.family"] = [name, "DejaVu Sans"]
            plt.rcParams["axes.unicode_minus"] = False
            _font_ready = True
            return name
    log.warning("no CJK font (install fonts-wqy-microhei): Chinese text in charts will show as boxes")
    return None


def _minutes(seconds: float | None) -> float:
    """Minutes, or NaN where there is no figure: matplotlib leaves a gap, never a false 0."""
    return math.nan if seconds is None else seconds / 60


def waiting_by_hour(report: Report, size: tuple[float, float] | None = None) -> Figure:
    """Mean and 90th-percentile wait by the hour of issue, with the tickets issued; hours when the
    windows were closed (lunch, evening) are shaded and have no figure instead of 0 minutes."""
    hours = [h["hour"] for h in report.hourly]
    fig, ax = plt.subplots(figsize=size or (8, 3.6), layout="constrained")
    means = [_minutes(h["row"].mean_wait_s) for h in report.hourly]
    p90s = [_minutes(h["row"].p90_wait_s) for h in report.hourly]
    closed = [h["hour"] for h in report.hourly if not h["open"]]
    for i, hour in enumerate(closed):
        ax.axvspan(hour - 0.5, hour + 0.5, color="#e6e6e6", zorder=0, label="窗口未开放" if i == 0 else None)
    ax.bar(hours, means, color="#4c72b0", label="平均等候")
    ax.plot(hours, p90s, color="#c44e52", marker="o", label="90% 分位等候")
    ax.set_xticks(hours, [f"{h:02d}时" for h in hours])
    if hours:
        ax.set_xlim(hours[0] - 0.5, hours[-1] + 0.5)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("分钟")
    ax.set_title(f"按取号时段的等候时间 {report.start:%m-%d} 至 {report.end:%m-%d}")
    ax2 = ax.twinx()
    issued = [h["row"].tickets if h["open"] or h["row"].tickets else math.nan for h in report.hourly]
    ax2.plot(hours, issued, color="#55a868", linestyle="--", label="取号数")
    ax2.set_ylim(bottom=0)
    ax2.set_ylabel("取号数")
    lines = ax.get_legend_handles_labels()
    more = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], loc="upper right", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return fig


def ratings_by_counter(report: Report, size: tuple[float, float] | None = None) -> Figure:
    rows = [r for r in report.rows["counter"] if r.rated]
    fig, ax = plt.subplots(figsize=size or (8, max(3.6, 0.16 * len(rows) + 1.4)), layout="constrained")
    names = [r.name.split(" ")[0] for r in rows]
    left = [0] * len(rows)
    for level in (1, 2, 3, 4, 5):
        values = [r.ratings[level - 1] for r in rows]
        ax.barh(names, values, left=left, color=LEVEL_COLOURS[level], label=f"{level} {LEVEL_NAMES[level]}")
        left = [a + b for a, b in zip(left, values, strict=True)]
    for i, r in enumerate(rows):
        ax.text(left[i] + 1, i, f"{r.satisfaction:.1%}" if r.satisfaction is not None else "", va="center", fontsize=7)
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=7)
    ax.set_xlabel("评价数（右侧为满意率：基本满意及以上）")
    ax.set_title("各窗口评价分布（好差评）")
    ax.legend(ncol=5, fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.06))
    ax.grid(axis="x", alpha=0.3)
    return fig


def sla_share_by_queue(report: Report, size: tuple[float, float] | None = None) -> Figure:
    rows = [r for r in report.rows["queue"] if r.called]
    fig, ax = plt.subplots(figsize=size or (8, max(3.6, 0.18 * len(rows) + 1.2)), layout="constrained")
    names = [f"{r.name}（{report.queue_sla_min.get(r.key, '?')}分钟）" for r in rows]
    shares = [100 * (r.within_sla or 0) for r in rows]
    colours = ["#2166ac" if s >= 90 else "#f4a582" if s >= 70 else "#b2182b" for s in shares]
    ax.barh(names, shares, color=colours)
    for i, s in enumerate(shares):
        ax.text(min(s + 1, 93), i, f"{s:.1f}%", va="center", fontsize=7)
    ax.axvline(90, color="#444444", linestyle="--", linewidth=1)
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=7)
    ax.set_xlabel("在目标等候时间内叫号的比例 %（虚线 90%）")
    ax.set_title("各队列按时叫号率（括号内为目标等候时间）")
    ax.grid(axis="x", alpha=0.3)
    return fig


def days_of_period(report: Report, size: tuple[float, float] | None = None) -> Figure:
    days = [d for d in report.daily if d["row"].tickets or d["kind"] in ("working", "swapped")]
    fig, ax = plt.subplots(figsize=size or (8, 3.2), layout="constrained")
    labels = [f"{d['day']:%m-%d}\n{'一二三四五六日'[d['day'].weekday()]}" for d in days]
    served = [d["row"].served for d in days]
    no_shows = [d["row"].no_shows for d in days]
    other = [d["row"].tickets - d["row"].served - d["row"].no_shows for d in days]
    ax.bar(labels, served, color="#4c72b0", label="办结")
    ax.bar(labels, no_shows, bottom=served, color="#dd8452", label="过号")
    ax.bar(
        labels,
        other,
        bottom=[a + b for a, b in zip(served, no_shows, strict=True)],
        color="#bbbbbb",
        label="作废或未叫",
    )
    ax.set_title("每日取号与办结")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return fig


CHARTS = {
    "waiting_by_hour": waiting_by_hour,
    "ratings_by_counter": ratings_by_counter,
    "sla_share_by_queue": sla_share_by_queue,
    "days": days_of_period,
}


CHART_SIZE = (8.0, 4.0)  # inches: one shape for all, so four fit a page two by two


def render_charts(report: Report, folder: Path, dpi: int = 130, fmt: str = "png") -> dict[str, Path]:
    """Every chart in `folder` as PNG (HTML, Markdown) or SVG (vectors, for the PDF); {name: path}.
    SVG text is drawn as outlines, so the PDF embeds no font for the charts."""
    use_cjk_font()
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, make in CHARTS.items():
        fig = make(report, size=CHART_SIZE)
        path = folder / f"{name}.{fmt}"
        meta = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
        fig.savefig(path, dpi=dpi, metadata=meta)
        plt.close(fig)
        out[name] = path
    return out
