"""Halls a staff screen may hand a citizen over to (同城通办, docs/county.md): the setting, checked at
start, and what staff read about each target and about the broker's answer. Shared by the counter
terminal and the supervisor tablet."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from queue_broker.protocol.messages import LevelId, SiteId

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]

# the reply's `handover.state`: `sent` is the usual answer (committed here, to be delivered); the others
# come back when a timed-out request is retried after the other hall answered
HANDOVER_STATES = {"sent": "已发出，等待对方受理", "accepted": "对方已受理", "refused": "对方未受理"}


class HandoverSite(BaseModel):
    """One hall (and optionally one of its queues) offered as a hand-over target. The ids use the
    protocol's own types, so a target the broker would refuse as malformed is refused here, at start."""

    model_config = ConfigDict(extra="forbid")

    site: SiteId
    name: Name  # what staff read: the hall's name, not its id
    queue_id: LevelId | None = None  # none: the other hall's queue of the same service item
    queue_name: Name | None = None

    @model_validator(mode="after")
    def _queue_name_needs_queue(self) -> HandoverSite:
        if self.queue_name is not None and self.queue_id is None:
            raise ValueError("queue_name without queue_id")
        return self


def check_unique(targets: list[HandoverSite]) -> None:
    keys = [(t.site, t.queue_id) for t in targets]
    if len(keys) != len(set(keys)):
        raise ValueError("handover_sites: the same site and queue twice")


def target_rows(targets: list[dict]) -> list[dict]:
    """Each target with the line staff read: {"site", "name", "queue_id", "text"}."""
    return [
        {
            "site": t["site"],
            "name": t["name"],
            "queue_id": t.get("queue_id"),
            "text": t["name"]
            + "　"
            + (f"队列：{t.get('queue_name') or t['queue_id']}" if t.get("queue_id") else "同一事项的队列"),
        }
        for t in targets
    ]


def handover_payload(ticket_id: str, target: dict) -> dict:
    """`cmd/supervisor/handover` for one ticket to one of `target_rows`: without a queue, the other hall's
    queue of the same item."""
    payload = {"ticket_id": ticket_id, "to_site": target["site"]}
    if target.get("queue_id"):
        payload["to_queue_id"] = target["queue_id"]
    return payload


def ask_text(number: str, hall: str) -> str:
    """The first tap's question: a hand-over cannot be taken back, so the second tap sends it."""
    return f"将 {number} 转交{hall}？再点一次确认"


def confirmed_target(state, armed: str, index: int, number: str) -> dict | None:
    """The tablet's tap on hand-over target `index` for ticket `number`: the first tap arms it (the state's
    property `armed` keeps the index) and asks (`ask_text`); the second disarms and returns the target to
    send to. None: asked, or no such target."""
    if not 0 <= index < len(state.handover_targets):
        return None
    target = state.handover_targets[index]
    if getattr(state, armed) != index:
        setattr(state, armed, index)
        state.say(ask_text(number, target["name"]), "warn")
        return None
    setattr(state, armed, -1)
    return target


def sent_text(number: str, hall: str, reply: dict) -> str:
    """The broker's `ok` to a hand-over, for staff: committed here, to be delivered."""
    state = (reply.get("handover") or {}).get("state", "")
    return f"{number} 已转交{hall}：{HANDOVER_STATES.get(state, state)}"
