"""The day's chart for the supervisor: waiting citizens per queue, and the mean wait of the citizens
called, per queue and half hour. `DayData` collects (pure); `render_png` draws with matplotlib's
object API (no pyplot, so it may run on a worker thread) and returns PNG bytes.

The tablet collects from `state/queues` and `event/finished` while it runs; the broker publishes no
history, so a tablet started at noon draws the afternoon (the daily report has the whole day).
"""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import datetime, timedelta

SAMPLE_EVERY_S = 30
BUCKET_MIN = 30


class DayData:
    def __init__(self, queue_names: dict[str, str]):
        self.queue_names = dict(queue_names)
        self.waiting: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
        self.waits: dict[str, dict[datetime, list[int]]] = defaultdict(lambda: defaultdict(list))
        self._last_sample: datetime | None = None

    def sample(self, at: datetime, queues: list[dict]) -> bool:
        """A `state/queues` message; kept at most every SAMPLE_EVERY_S (and on every change of count)."""
        changed = any(not self.waiting[q["id"]] or self.waiting[q["id"]][-1][1] != q["waiting"] for q in queues)
        if not changed and self._last_sample and (at - self._last_sample).total_seconds() < SAMPLE_EVERY_S:
            return False
        self._last_sample = at
        for q in queues:
            self.queue_names.setdefault(q["id"], q["name"])
            self.waiting[q["id"]].append((at, q["waiting"]))
        return True

    def finished(self, at: datetime, queue_id: str, waited_s: int | None) -> None:
        if waited_s is None:
            return
        bucket = at.replace(minute=(at.minute // BUCKET_MIN) * BUCKET_MIN, second=0, microsecond=0)
        self.waits[queue_id][bucket].append(waited_s)

    def mean_waits(self) -> dict[str, list[tuple[datetime, float]]]:
        return {
            q: sorted((b + timedelta(minutes=BUCKET_MIN / 2), sum(v) / len(v) / 60) for b, v in buckets.items())
            for q, buckets in self.waits.items()
        }

    def points(self) -> int:
        return sum(len(v) for v in self.waiting.values())


def render_png(data: DayData, tz, font_path: str, width_px: int, height_px: int, title: str = "") -> bytes:
    from matplotlib import font_manager
    from matplotlib.dates import DateFormatter
    from matplotlib.figure import Figure

    font_manager.fontManager.addfont(font_path)
    family = font_manager.FontProperties(fname=font_path).get_name()
    dpi = 100
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    fig.set_layout_engine("constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    rc = {"fontfamily": family}
    palette = [f"C{i % 10}" for i in range(len(data.queue_names))]
    colour = {qid: palette[i] for i, qid in enumerate(sorted(data.queue_names))}  # one colour per queue, both plots
    for qid, series in sorted(data.waiting.items()):
        if series:
            xs = [t.astimezone(tz) for t, _ in series]
            top.step(
                xs,
                [n for _, n in series],
                where="post",
                label=_short(data.queue_names.get(qid, qid)),
                color=colour.get(qid),
            )
    top.set_ylabel("等候人数", **rc)
    top.set_title(title or "今日各队列等候人数与平均等候时间", **rc)
    top.grid(alpha=0.3)
    for qid, means in sorted(data.mean_waits().items()):
        xs = [t.astimezone(tz) for t, _ in means]
        bottom.plot(
            xs, [m for _, m in means], marker="o", label=_short(data.queue_names.get(qid, qid)), color=colour.get(qid)
        )
    bottom.set_ylabel(f"平均等候（分钟，每{BUCKET_MIN}分钟）", **rc)
    bottom.grid(alpha=0.3)
    bottom.xaxis.set_major_formatter(DateFormatter("%H:%M", tz=tz))
    handles, labels = top.get_legend_handles_labels()
    if handles:
        top.legend(
            handles, labels, prop={"family": family}, loc="upper left", ncols=min(4, len(labels)), fontsize="small"
        )
    if not data.points():
        top.text(0.5, 0.5, "正在收集数据……", transform=top.transAxes, ha="center", va="center", **rc)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _short(name: str) -> str:
    from ..common.hall_text import short_name

    return short_name(name)
