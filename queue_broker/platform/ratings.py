"""Ratings up: one record per 好差评 rating in the terms of ../shared/platform.md §4, and the province's
mapping of them (docs/platform.md, "Ratings up").

    rating_record(engine, ticket_id)             the record of a rating the engine holds
    with_rectification(record, engine)           the record with its 差评 rectification as it is now
    ProvinceMapping / map_record                 the province's keys and values (a YAML file the hall edits)

A record carries no ID number and no name: the platform joins it to the applicant by `case_no` (the 办件
the rating is about) or, without one, by channel and time. `eval_id` is stable (`{site}-{ticket id}`), so a
resend is the same record; the record is sent again only when its content changes (its rectification).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

# channel (pf): 1 PC, 2 mobile, 3 QR code (the ticket's page), 4 hall rating pad (评价器), 5 other hall terminal
CHANNEL_BY_ROLE = {"counter": "4", "gateway": "3", "kiosk": "5", "supervisor": "5"}
# the channel the engine records with each rating since the rating rights (docs/security.md)
CHANNEL_BY_NAME = {"rating_pad": "4", "qr_code": "3", "kiosk": "5"}
LEVEL_NAMES = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
FIELDS = (
    "eval_id",
    "case_no",
    "task_code",
    "task_handle_item",
    "task_name",
    "dept_code",
    "channel",
    "level",
    "reasons",
    "comment",
    "window_no",
    "staff_no",
    "rated_at",
    "is_default",
    "rectification",
)
RECTIFICATION_FIELDS = ("status", "result", "done_at", "callback_at", "callback_result")


def channel_of(engine: Any, rating: dict[str, Any]) -> str:
    """The 好差评 channel of a rating: the one the engine recorded with it (rating_pad, qr_code, kiosk), else
    (ratings stored before it recorded one) from the role of the node that sent it; a default rating and an
    unknown sender count as the counter's rating pad."""
    if rating.get("channel"):
        return CHANNEL_BY_NAME.get(str(rating["channel"]), "5")
    by = rating.get("by") or ""
    node = next((n for n in engine.config.nodes if n.id == by), None)
    if node is not None:
        return CHANNEL_BY_ROLE.get(node.role, "5")
    return "4"


def item_codes(engine: Any, service_id: str, case_no: str | None) -> dict[str, str | None]:
    """The national codes of what was rated: the 办件's (kept from when it was accepted), else the item's."""
    app = engine.applications.get(case_no) if case_no else None
    if app is not None and app.codes:
        return {
            "task_code": app.codes.get("task_code"),
            "task_handle_item": app.codes.get("task_handle_item"),
            "task_name": app.task_name,
            "dept_code": app.codes.get("dept_code"),
        }
    svc = engine.services.get(service_id)
    if svc is None:
        bundle = engine.bundles.get(service_id)
        first = engine.services.get(bundle.service_ids[0]) if bundle else None
        name = bundle.name if bundle else service_id
        svc_codes = first.national if first else None
    else:
        name, svc_codes = svc.name, svc.national
    return {
        "task_code": svc_codes.task_code if svc_codes else None,
        "task_handle_item": svc_codes.task_handle_item if svc_codes else None,
        "task_name": name,
        "dept_code": (svc_codes.dept_code or None) if svc_codes else None,
    }


def rating_record(engine: Any, ticket_id: str, case_index: dict[str, str] | None = None) -> dict[str, Any] | None:
    """The record of the rating of `ticket_id`, or None when the engine holds none. A rating annulled by an
    accepted appeal is still sent, with its rectification saying so (`annulled`). `case_index` (ticket id
    -> case_no) saves a search when many records are made at once."""
    r = engine.ratings.get(ticket_id)
    if r is None:
        return None
    if case_index is not None:
        case_no = case_index.get(ticket_id)
    else:
        case_no = next((no for (tid, _sid), no in engine.application_by_ticket.items() if tid == ticket_id), None)
    counter_id = r.get("counter_id")
    counter = engine.counter_cfg.get(counter_id) if counter_id else None
    at = r["at"]
    record: dict[str, Any] = {
        "eval_id": f"{engine.config.site.id}-{ticket_id}",
        "case_no": case_no,
        **item_codes(engine, r.get("service_id") or "", case_no),
        "channel": channel_of(engine, r),
        "level": r["level"],
        "reasons": list(r.get("reasons") or []),
        "comment": r.get("comment") or "",
        "window_no": str(counter.number) if counter else None,
        "staff_no": r.get("operator_id"),  # logged in at the counter when rated; none for a default rating
        "rated_at": at.isoformat() if isinstance(at, datetime) else str(at),
        "is_default": bool(r.get("default")),
        "rectification": None,
    }
    return with_rectification(record, engine, ticket_id)


def with_rectification(record: dict[str, Any], engine: Any, ticket_id: str) -> dict[str, Any]:
    """`record` with the rectification of its 差评 as it stands (None for a good rating)."""
    case_id = engine.case_by_ticket.get(("bad_rating", ticket_id))
    case = engine.cases.get(case_id) if case_id else None
    if case is None:
        return {**record, "rectification": None}
    rectify = [h for h in case.history if h["action"] == "rectify"]
    revisit = [h for h in case.history if h["action"] == "revisit"]
    callback = revisit[-1] if revisit else None
    return {
        **record,
        "rectification": {
            "case_id": case.id,
            "status": case.state,
            "result": rectify[-1]["note"] if rectify else None,
            "done_at": case.closed_at.isoformat() if case.closed_at else None,
            "callback_at": callback["at"] if callback else None,
            "callback_result": (
                ("满意" if callback.get("satisfied") else "不满意")
                + (f"：{callback['note']}" if callback["note"] else "")
                if callback
                else None
            ),
            "deadline": case.deadline.isoformat(),
            "annulled": case.state == "annulled",
        },
    }


# --- the province's keys ------------------------------------------------------------------------


class ResponseRule(BaseModel):
    """How the province says "received": a field that must hold one of `ok_values`, and optionally the list
    of the records it acknowledges (by the province's key for eval_id); without it, an ok answer
    acknowledges the whole batch."""

    model_config = ConfigDict(extra="forbid")
    ok_path: str = "code"
    ok_values: list[Any] = [0, "0", 200, "200"]
    acked_path: str | None = None  # e.g. data.accepted: the eval_ids it took


class ProvinceMapping(BaseModel):
    """A province's 好差评 interface in a file the hall edits (docs/platform.md)."""

    model_config = ConfigDict(extra="forbid")
    fields: dict[str, str | None] = {}  # our field (or rectification.x) -> the province's key; null drops it
    values: dict[str, dict[str, Any]] = {}  # our field -> {our value: the province's value}
    wrap: str | None = "records"  # the body is {wrap: [...]} (null: a bare list)
    extra: dict[str, Any] = {}  # constant fields of the body (an area code, a system id)
    response: ResponseRule = ResponseRule()

    @field_validator("fields")
    @classmethod
    def _known(cls, v: dict[str, str | None]) -> dict[str, str | None]:
        known = {*FIELDS, "revision", *(f"rectification.{f}" for f in RECTIFICATION_FIELDS)}
        for ours in v:
            if ours not in known:
                raise ValueError(f"{ours!r} is not a field of the rating record ({', '.join(FIELDS)})")
        return v


def map_record(record: dict[str, Any], mapping: ProvinceMapping) -> dict[str, Any]:
    """The record under the province's keys and values."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key in mapping.values and isinstance(value, str | int | bool) and str(value) in mapping.values[key]:
            value = mapping.values[key][str(value)]
        if key == "rectification" and isinstance(value, dict):
            value = {
                mapping.fields.get(f"rectification.{k}", k): v
                for k, v in value.items()
                if mapping.fields.get(f"rectification.{k}", k) is not None
            }
        target = mapping.fields.get(key, key)
        if target is not None:
            out[target] = value
    return out


def dig(data: Any, path: str) -> Any:
    """`data` at a dotted path, or None."""
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data
