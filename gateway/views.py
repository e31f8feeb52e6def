"""The broker's answers in the shapes of the HTTP contract (docs/gateway-api.md). Nothing is invented:
a field the broker did not give is null. Never a name, an ID number, a phone number or a holder hash:
the broker's citizen view carries none, and `ticket_view` copies only the fields named here."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from queue_broker.config.models import SiteConfig
from queue_broker.engine.hours import OpeningHours
from queue_broker.supervision.calendar import WorkCalendar

STATUS = {"done": "finished"}  # the broker's state names, where the contract says otherwise


def minutes_range(range_s: Any) -> dict[str, int] | None:
    if not isinstance(range_s, list | tuple) or len(range_s) != 2:
        return None
    lo, hi = (max(0, int(x)) for x in range_s)
    return {"lo_min": int(round(lo / 60)), "hi_min": max(int(round(lo / 60)), math.ceil(hi / 60))}


def ticket_view(t: dict[str, Any], as_of: datetime) -> dict[str, Any]:
    """The contract's ticket view of the broker's `citizen_view`."""
    state = str(t.get("state") or "waiting")
    status = STATUS.get(state, state)
    counter = None
    if t.get("counter_id") and t.get("counter_number") is not None:
        counter = {"id": t["counter_id"], "number": t["counter_number"], "name": t.get("counter_name")}
    notice = t.get("notice")
    return {
        "number": t["number"],
        "service_id": t["service_id"],
        "service_name": t.get("service_name"),
        "status": status,
        "ahead": int(t.get("waiting_ahead") or 0) if status == "waiting" else 0,
        "estimate": minutes_range(t.get("estimated_wait_range_s")) if status == "waiting" else None,
        "counter": counter,
        "called_at": t.get("called_at"),
        "channel": "remote" if t.get("remote") else t.get("channel"),
        "as_of": as_of.isoformat(timespec="seconds"),
        # additive (v1 clients ignore them): what the citizen page shows besides
        "queue_name": t.get("queue_name"),
        "recalls": t.get("recalls") or 0,
        "rated": bool(t.get("rated")),
        "notice": None
        if not isinstance(notice, dict)
        else {
            "channel": notice.get("channel"),
            "travel_min": notice.get("travel_min"),
            "come_now": notice.get("due_at") is not None,
        },
    }


def same(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    """Two views say the same thing (the time they were asked aside)."""
    if a is None or b is None:
        return a is b
    return {k: v for k, v in a.items() if k != "as_of"} == {k: v for k, v in b.items() if k != "as_of"}


class HallInfo:
    """The site file's part of `GET /api/v1/hall`: opening hours, switches; the rest is the broker's state."""

    def __init__(self, config: SiteConfig):
        self.config = config
        self.tz = ZoneInfo(config.site.timezone)
        self.hours = OpeningHours(config.site, WorkCalendar.from_config(config))
        self.reasons = [{"code": f"r{i + 1}", "text": r} for i, r in enumerate(config.ratings.bad_reasons)]

    def reason_text(self, code: str) -> str | None:
        for r in self.reasons:
            if code in (r["code"], r["text"]):
                return r["text"]
        return None

    def view(self, queues_state: dict[str, Any], catalog: dict[str, Any], now: datetime) -> dict[str, Any]:
        local = now.astimezone(self.tz)
        open_now = self.hours.ticketing_open(now)
        out: dict[str, Any] = {"site_id": self.config.site.id, "name": self.config.site.name, "open_now": open_now}
        periods = self.hours.periods(local.date())
        if periods:
            out["closes_at"] = _at(local, periods[-1].end)
        if not open_now:
            nxt = self.hours.next_opening(now)
            if nxt is not None:
                out["opens_at"] = nxt.astimezone(self.tz).isoformat(timespec="seconds")
        out["queues"] = [
            {
                "id": q["id"],
                "name": q.get("name"),
                "waiting": q.get("waiting", 0),
                "estimate": minutes_range(q.get("estimated_wait_range_s"))
                or minutes_range([q.get("estimated_wait_s", 0)] * 2),
            }
            for q in queues_state.get("queues", [])
        ]
        out["services"] = [
            {
                "id": s["id"],
                "name": s.get("name"),
                "queue_id": s.get("queue_id"),
                "bookable": bool(s.get("appointment", False)),
                "remote_ticket": self.config.gateway.allows_remote(s["id"]),
            }
            for s in catalog.get("services", [])
        ]
        out["rating_reasons"] = self.reasons  # additive: the codes a bad rating names
        out["as_of"] = queues_state.get("at")
        return out


def _at(local: datetime, hhmm: str) -> str:
    h, m = (int(x) for x in hhmm.split(":"))
    if h == 24:
        h, m = 23, 59
    return local.replace(hour=h, minute=m, second=0, microsecond=0).isoformat(timespec="seconds")
