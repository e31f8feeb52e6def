"""The county overview (全县概览): what the county's broker carries of each hall, folded into one row
per hall. Pure: no Kivy, no I/O, time passed in.

The county's broker holds, per bridged hall, under `hall/<site>/` (docs/county.md): the retained
`state/queues`, `state/counters`, `state/catalog`, `node/+/status` and `node/+/device/+`, and the
`event/*` stream (not retained: an overview sees events from when it started). Nothing personal
crosses the bridge, so nothing personal can reach this model.

Rules, from docs/county.md's notes:
- the newest `state/*` by its own `at` wins, not the last to arrive (QoS 1 re-sends after a
  reconnect can arrive late);
- events are deduplicated and ordered by their `at`; an alert's latest state is the one with the
  latest `at` (a `cleared` that overtook its `raised` is not undone);
- a hall is *stale* when its newest `state/queues` is older than `stale_after_s` (the queue broker
  re-publishes it every 10 s), *offline* when its queue broker's `node/broker/status` says offline
  (its Last Will, or a clean stop, bridged), else *online*; *waiting* before any state came.

Ratings: a hall of this version adds the day's 好差评 counts to its `state/queues` (`ratings`:
good, bad, rated, finished; docs/protocol.md), which gives the satisfaction rate (good of rated, as in
the reports) for the whole day. Protocol v1 itself has no rating event, so for a hall whose state
lacks the field (an older hall), or whose newest counts are of another day, the figure falls back to
the day's bad-rating cases (`event/case`, kind `bad_rating`) against the day's finished tickets, both
counted from the events seen since the tablet started. Nothing is guessed.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .alerts import AlertBook

LINK_RANK = {"offline": 0, "stale": 1, "waiting": 2, "online": 3}  # worst first
LINK_TEXT = {"offline": "离线", "stale": "数据过时", "waiting": "等待数据", "online": "在线"}
ALERT_STATE_RANK = {"raised": 0, "escalated": 1, "acked": 2, "cleared": 3}
BROKER_NODE = "broker"  # the queue broker's node id in every provisioned hall (its Last Will)
NOT_DEVICES = ("supervisor",)  # tablets come and go; their absence is no fault of the hall
MAX_EVENTS = 300


@dataclass
class HallFeed:
    """Everything the county knows of one hall."""

    site: str
    name: str = ""
    queues: list[dict] = field(default_factory=list)
    queues_at: datetime | None = None
    ratings: dict | None = None  # the day's counts of the newest state/queues, when the hall sends them
    counters: list[dict] = field(default_factory=list)
    counters_at: datetime | None = None
    broker: dict | None = None  # the latest node/broker/status
    nodes: dict[str, dict] = field(default_factory=dict)  # node id -> latest status
    devices: dict[tuple[str, str], dict] = field(default_factory=dict)  # (node, device) -> latest health
    alerts: dict[str, dict] = field(default_factory=dict)  # alert id -> latest event/alert by `at`
    events: list[tuple[datetime, str, dict]] = field(default_factory=list)  # (at, kind, payload), by `at`
    seen: set[tuple] = field(default_factory=set)  # event keys, against QoS 1 duplicates
    finished: dict[date, set[str]] = field(default_factory=dict)  # local day -> ticket ids
    bad_ratings: dict[date, set[str]] = field(default_factory=dict)  # local day -> case ids (not annulled)
    book: AlertBook = field(default_factory=AlertBook)  # the hall's alerts as its own tablet lists them


@dataclass(frozen=True)
class HallRow:
    site: str
    name: str
    link: str  # online | stale | offline | waiting
    age_s: float | None  # since the newest state/queues (`at`), None before any
    waiting: int
    longest_wait_s: int
    open_alerts: int  # monitoring alerts neither acknowledged nor cleared
    red_alerts: int
    device_faults: int  # devices in fault + nodes offline (tablets aside)
    finished_today: int
    bad_ratings_today: int
    rated_today: int | None = None  # None: the hall sends no counts for today (older hall): see bad_share
    good_today: int | None = None

    @property
    def link_text(self) -> str:
        return LINK_TEXT[self.link]

    @property
    def bad_share(self) -> float | None:
        """Bad ratings per finished ticket today (the bridge carries no count of all ratings)."""
        return self.bad_ratings_today / self.finished_today if self.finished_today else None

    @property
    def satisfaction(self) -> float | None:
        """Good (levels 3-5) of all ratings today, from the hall's own counts; None without them."""
        return self.good_today / self.rated_today if self.rated_today and self.good_today is not None else None

    def sort_key(self) -> tuple:
        return (
            LINK_RANK[self.link],
            -self.red_alerts,
            -self.open_alerts,
            -self.device_faults,
            -self.longest_wait_s,
            -self.waiting,
            self.site,
        )


class CountyModel:
    """Feed it what the county's broker delivers (parsed payloads as dicts); read `rows(now)`.

    `halls`: the site ids to show (others are ignored); empty: every hall that appears."""

    def __init__(
        self,
        tz,
        halls: list[str] | tuple[str, ...] = (),
        stale_after_s: float = 30.0,
        names: dict[str, str] | None = None,
    ):
        self.tz = tz
        self.only = tuple(halls)
        self.stale_after_s = stale_after_s
        self.halls: dict[str, HallFeed] = {}
        self._names = dict(names or {})
        for site in self.only:
            self._hall(site)

    def _hall(self, site: str) -> HallFeed | None:
        if self.only and site not in self.only:
            return None
        if site not in self.halls:
            self.halls[site] = HallFeed(site, name=self._names.get(site, ""))
        return self.halls[site]

    # ------------------------------------------------------------------ retained state
    def queues(self, site: str, msg: dict) -> bool:
        h = self._hall(site)
        if h is None or (h.queues_at is not None and msg["at"] < h.queues_at):
            return False
        h.queues, h.queues_at = list(msg["queues"]), msg["at"]
        h.ratings = msg.get("ratings")
        return True

    def counters(self, site: str, msg: dict) -> bool:
        h = self._hall(site)
        if h is None or (h.counters_at is not None and msg["at"] < h.counters_at):
            return False
        h.counters, h.counters_at = list(msg["counters"]), msg["at"]
        return True

    def catalog(self, site: str, site_name: str | None) -> None:
        h = self._hall(site)
        if h is not None and site_name and not self._names.get(site):
            h.name = site_name

    def node_status(self, site: str, node: str, msg: dict) -> bool:
        h = self._hall(site)
        if h is None:
            return False
        old = h.nodes.get(node)
        if old is not None and msg["at"] < old["at"]:
            return False
        h.nodes[node] = msg
        if node == BROKER_NODE:
            h.broker = msg
        h.book.node_status(node, msg["online"], msg.get("role", ""), msg["at"])
        return True

    def device(self, site: str, node: str, device: str, msg: dict) -> bool:
        h = self._hall(site)
        if h is None:
            return False
        old = h.devices.get((node, device))
        if old is not None and msg["at"] < old["at"]:
            return False
        h.devices[(node, device)] = msg
        h.book.device_health(node, device, msg, msg["at"])
        return True

    # ------------------------------------------------------------------ events
    def event(self, site: str, kind: str, msg: dict) -> bool:
        """One `event/<kind>`; False when it was a duplicate or of a hall not shown."""
        h = self._hall(site)
        if h is None:
            return False
        key = _event_key(kind, msg)
        if key in h.seen:
            return False
        h.seen.add(key)
        at = msg["at"]
        bisect.insort(h.events, (at, kind, msg), key=lambda e: e[0])
        if len(h.events) > MAX_EVENTS:
            dropped = h.events.pop(0)
            h.seen.discard(_event_key(dropped[1], dropped[2]))
        day = at.astimezone(self.tz).date()
        if kind == "finished":
            h.finished.setdefault(day, set()).add(msg["ticket_id"])
        elif kind == "case" and msg.get("kind") == "bad_rating":
            self._bad_rating(h, msg, day)
        elif kind == "alert":
            self._alert(h, msg)
        return True

    def _bad_rating(self, h: HallFeed, msg: dict, day: date) -> None:
        case_id = msg["case_id"]
        if msg.get("action") == "open":
            h.bad_ratings.setdefault(day, set()).add(case_id)
        if msg.get("state") == "annulled":  # an accepted appeal: the rating no longer counts
            for cases in h.bad_ratings.values():
                cases.discard(case_id)
        h.book.case(msg, msg["at"])

    def _alert(self, h: HallFeed, msg: dict) -> None:
        aid = msg.get("id") or f"{msg.get('kind')}:{msg['at'].isoformat()}"
        old = h.alerts.get(aid)
        rank = (msg["at"], ALERT_STATE_RANK.get(msg.get("state") or "raised", 0))
        if old is not None and rank < (old["at"], ALERT_STATE_RANK.get(old.get("state") or "raised", 0)):
            return  # an older state that arrived late
        h.alerts[aid] = msg
        h.book.broker_alert(msg, msg["at"])

    # ------------------------------------------------------------------ view
    def row(self, site: str, now: datetime) -> HallRow:
        h = self.halls[site]
        age = max(0.0, (now - h.queues_at).total_seconds()) if h.queues_at else None
        if h.broker is not None and not h.broker["online"] and (h.queues_at is None or h.broker["at"] >= h.queues_at):
            link = "offline"
        elif age is None:
            link = "waiting"
        elif age > self.stale_after_s:
            link = "stale"
        else:
            link = "online"
        open_alerts = [
            a
            for a in h.alerts.values()
            if a.get("state") not in ("acked", "cleared")
            and not a.get("recommendation_id")
            and a.get("severity") in ("yellow", "red")
        ]
        faults = sum(1 for d in h.devices.values() if d.get("state") == "fault" and d.get("kind") != "help")
        offline = sum(
            1 for n, s in h.nodes.items() if n != BROKER_NODE and not s["online"] and s.get("role") not in NOT_DEVICES
        )
        today = now.astimezone(self.tz).date()
        finished, bad = len(h.finished.get(today, ())), len(h.bad_ratings.get(today, ()))
        counts = h.ratings if h.ratings is not None and h.ratings["day"] == today else None
        if counts is not None:  # the hall's own figures for the whole day beat what the tablet saw
            finished, bad = counts["finished"], counts["bad"]
        return HallRow(
            site=site,
            name=h.name or site,
            link=link,
            age_s=age,
            waiting=sum(q["waiting"] for q in h.queues),
            longest_wait_s=max((q["longest_wait_s"] for q in h.queues if q["waiting"]), default=0),
            open_alerts=len(open_alerts),
            red_alerts=sum(1 for a in open_alerts if a["severity"] == "red"),
            device_faults=faults + offline,
            finished_today=finished,
            bad_ratings_today=bad,
            rated_today=counts["rated"] if counts else None,
            good_today=counts["good"] if counts else None,
        )

    def rows(self, now: datetime) -> list[HallRow]:
        """Every hall, the worst first: offline, stale, waiting for data, then by red alerts, open alerts,
        device faults, the longest wait and the number waiting."""
        return sorted((self.row(site, now) for site in self.halls), key=HallRow.sort_key)

    def recent(self, site: str, kind: str | None = None, n: int = 10) -> list[tuple[datetime, str, dict]]:
        """The hall's latest events by their `at`, newest first."""
        events = [e for e in self.halls[site].events if kind is None or e[1] == kind]
        return events[::-1][:n]


def _event_key(kind: str, msg: dict) -> tuple:
    ident = msg.get("id") or msg.get("ticket_id") or msg.get("case_id") or msg.get("counter_id") or msg.get("text")
    return (kind, ident, msg.get("state"), msg.get("action"), msg.get("recall"), msg["at"])


def row_dict(row: HallRow, tz=None) -> dict[str, Any]:
    """A row as the overview screen shows it (plain data for Kivy properties and the remote control)."""
    from ..common.hall_text import duration_text

    if row.link == "stale" and row.age_s is not None:
        link_text = f"数据过时 {duration_text(row.age_s)}"
    else:
        link_text = row.link_text
    return {
        "site": row.site,
        "name": row.name,
        "link": row.link,
        "link_text": link_text,
        "age_s": None if row.age_s is None else round(row.age_s, 1),
        "waiting": row.waiting,
        "longest_wait_s": row.longest_wait_s,
        "longest": duration_text(row.longest_wait_s) if row.waiting else "—",
        "open_alerts": row.open_alerts,
        "red_alerts": row.red_alerts,
        "device_faults": row.device_faults,
        "finished_today": row.finished_today,
        "bad_ratings_today": row.bad_ratings_today,
        "rated_today": row.rated_today,
        "good_today": row.good_today,
        "satisfaction_pct": None if row.satisfaction is None else round(100 * row.satisfaction, 1),
        "rating_text": rating_text(row),
        "level": (
            "red"
            if row.link in ("offline", "stale") or row.red_alerts
            else "yellow"
            if row.open_alerts or row.device_faults or row.link == "waiting"
            else "ok"
        ),
    }


def rating_text(row: HallRow) -> str:
    """满意率 from the hall's day counts; for an older hall, its bad ratings against finished tickets."""
    if row.rated_today is not None:
        rate = "—" if row.satisfaction is None else f"{100 * row.satisfaction:.0f}%"
        return f"满意率 {rate}（评价 {row.rated_today}，差评 {row.bad_ratings_today} / 办结 {row.finished_today}）"
    share = row.bad_share
    return f"差评 {row.bad_ratings_today} / 办结 {row.finished_today}" + (
        "" if share is None else f"（{100 * share:.0f}%）"
    )
