"""The day's 好差评 counts of a hall, for `state/queues` (an additive field, docs/protocol.md).

Counts only, nothing personal: the county overview needs a satisfaction rate, and protocol v1 has no
rating event, so the hall publishes these with the retained state the county link already carries.
Definitions as in the supervision reports (queue_broker/reports/model.py), so the figure equals the
day's report: a ticket belongs to the day it was issued; a rating is submitted or defaulted (默认满意)
and not annulled by an accepted appeal; good = levels 3-5, bad = levels 1-2; finished = finished at a
counter (outcome done or incomplete).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .state import EngineState

GOOD_FROM = 3  # 基本满意 and better: the reports' satisfaction rate


def day_ratings(engine: EngineState, now: datetime) -> dict[str, Any]:
    """{"day", "good", "bad", "rated", "finished"} for the local day of `now`."""
    today = engine.local_day(now)
    good = bad = finished = 0
    # tickets are kept in the order they were issued, so today's are the newest: stop at the first
    # older one instead of walking the whole week that housekeeping keeps
    for tid in reversed(engine.tickets):
        t = engine.tickets[tid]
        if t.day < today:
            break
        if t.day > today:
            continue
        if t.outcome is not None:
            finished += 1
        if t.rating is None or engine.ratings.get(tid, {}).get("annulled"):
            continue
        if t.rating >= GOOD_FROM:
            good += 1
        else:
            bad += 1
    return {"day": today.isoformat(), "good": good, "bad": bad, "rated": good + bad, "finished": finished}
