"""What the counter shows of hold and resume (挂起, issue 23 item 4), mixed into CounterState: the held
tickets of this counter's queues (from `state/queues`, numbers only), which of them this counter may
resume, and the site's limits. Properties only; no I/O."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from kivy.properties import ListProperty, StringProperty

from ..common.case_text import hour_text
from ..common.hall_text import short_name


class CounterHoldState:
    if TYPE_CHECKING:  # CounterState's (a ListProperty)
        queue_ids: list[str]

    held_rows = ListProperty([])  # [{"ticket_id", "number", "queue", "where", "until", "mine", "resumable"}]
    hold_limit_text = StringProperty("")

    def set_held(
        self,
        queues: list[dict],
        counter_id: str,
        counter_names: dict[str, str],
        resume_anywhere: bool,
        tz: ZoneInfo,
    ) -> None:
        """The held tickets of the queues this counter serves, oldest hold first; `resumable` when this
        counter held it or the site lets any counter of the queue resume it."""
        rows = []
        for q in queues:
            if q["id"] not in self.queue_ids:
                continue
            for ref in q.get("held") or []:
                mine = ref.get("counter_id") == counter_id
                rows.append(
                    {
                        "ticket_id": ref["ticket_id"],
                        "number": ref["number"],
                        "queue": short_name(q["name"]),
                        "where": "本窗口" if mine else counter_names.get(ref.get("counter_id") or "", "其他窗口"),
                        "since": hour_text(ref.get("since"), tz),
                        "until": hour_text(ref.get("until"), tz),
                        "mine": mine,
                        "resumable": mine or resume_anywhere,
                    }
                )
        self.held_rows = sorted(rows, key=lambda r: r["since"])
