"""The published catalog (state/catalog) and its content version (seed art. 11 and 13).

The catalog of a day holds the items in force that day: an item with a `national.plan_effective_date`
after it is not offered yet, one on or after its `plan_cancel_date` is withdrawn (tickets already issued
are served). So a dated change takes effect by itself: the broker republishes when the local day turns
(`service/reload.py`), and `catalog publish` writes the same version for the same day.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..config.models import Service, SiteConfig

NATIONAL_KEYS = (
    "catalog_code",
    "task_code",
    "task_handle_item",
    "task_type",
    "dept_code",
    "project_type",
    "promise_day",
    "promise_day_type",
    "limit_scene_num",
    "online_url",
    "mobile_url",
    "effective_from",
    "withdrawn_from",
    "transact_addr",
    "transact_time",
    "supervise_way",
)


def national_fields(s: Service) -> dict[str, Any]:
    """The national codes and the platform fields a kiosk, guide or case needs (additive in state/catalog)."""
    n = s.national
    if n is None:
        return {}
    return {
        "catalog_code": n.catalog_code,
        "task_code": n.task_code,
        "task_handle_item": n.task_handle_item,
        "task_type": n.task_type or None,
        "dept_code": n.dept_code or None,
        "project_type": n.project_type,
        "promise_day": n.promise_day,
        "promise_day_type": n.promise_day_type,
        "limit_scene_num": n.limit_scene_num,
        "online_url": n.link_addr or None,
        "mobile_url": n.mobile_terminal_url or None,
        "effective_from": n.plan_effective_date.isoformat() if n.plan_effective_date else None,
        "withdrawn_from": n.plan_cancel_date.isoformat() if n.plan_cancel_date else None,
        "transact_addr": n.transact_addr or None,
        "transact_time": n.transact_time or None,
        "supervise_way": n.supervise_way or None,
    }


def hours_content(config: SiteConfig) -> dict[str, Any]:
    """Opening hours and their dated changes, so a screen can follow a live change (additive)."""
    site = config.site
    return {
        "opening_hours": {d: [p.model_dump() for p in ps] for d, ps in site.opening_hours.items()},
        "ticketing_closes_before_min": site.ticketing_closes_before_min,
        "changes": [c.model_dump(mode="json") for c in site.hours_changes],
        "holidays": [d.isoformat() for d in site.holidays],
        "extra_working_days": [d.isoformat() for d in site.extra_working_days],
    }


def catalog_content(config: SiteConfig, day: date | None = None) -> dict[str, Any]:
    """The catalog's content; with `day`, only the items in force on that local day."""
    services = [s for s in config.services if day is None or s.in_force(day)]
    offered = {s.id for s in services}
    return {
        "queues": [
            {"id": q.id, "prefix": q.prefix, "name": q.name, "name_en": q.name_en or None, "sla_min": q.sla_min}
            for q in config.queues
        ],
        "services": [
            {
                "id": s.id,
                "name": s.name,
                "queue_id": s.queue_id,
                "department": s.department,
                "guide": s.guide.model_dump(),
                "materials": [mat.model_dump() for mat in s.materials],
                "self_service": s.self_service,
                "category": s.category or None,
                "life_events": s.life_events,
                "keywords": s.keywords,
                "appointment": s.appointment,
                "usual_service_min": s.usual_service_min,
                "name_en": s.name_en or None,
                **national_fields(s),
            }
            for s in services
        ],
        "bundles": [b.model_dump() for b in config.bundles if all(sid in offered for sid in b.service_ids)],
        "hours": hours_content(config),
    }


def catalog_version(content: dict[str, Any]) -> str:
    """A content hash: the same catalog always has the same version, any change a new one."""
    blob = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def catalog_day(config: SiteConfig, now: datetime) -> date:
    return now.astimezone(ZoneInfo(config.site.timezone)).date()


def build_catalog(config: SiteConfig, now: datetime) -> dict[str, Any]:
    """state/catalog of the local day of `now`: the version is a hash of that day's content."""
    content = catalog_content(config, catalog_day(config, now))
    return {
        "version": catalog_version(content),
        **content,
        "site_name": config.site.name,
        "effective_from": config.catalog_effective_from.isoformat() if config.catalog_effective_from else None,
        "updated_at": now.isoformat(),
    }


def diff_catalogs(old: SiteConfig, new: SiteConfig) -> list[str]:
    """What changed between two catalogs, one line a change, in words a supervisor reads."""
    a, b = catalog_content(old), catalog_content(new)
    lines: list[str] = []
    if a["hours"] != b["hours"]:
        for field in changed_fields(a["hours"], b["hours"]):
            lines.append(f"~ hours {field} changed")
    for section in ("queues", "services", "bundles"):
        before = {x["id"]: x for x in a[section]}
        after = {x["id"]: x for x in b[section]}
        for key in sorted(after.keys() - before.keys()):
            lines.append(f"+ {section[:-1]} {key} {after[key].get('name', '')}: added")
        for key in sorted(before.keys() - after.keys()):
            lines.append(f"- {section[:-1]} {key} {before[key].get('name', '')}: removed")
        for key in sorted(before.keys() & after.keys()):
            for field in changed_fields(before[key], after[key]):
                lines.append(f"~ {section[:-1]} {key} {after[key].get('name', '')}: {field} changed")
    return lines


def changed_fields(x: dict, y: dict, prefix: str = "") -> list[str]:
    out = []
    for k in sorted(set(x) | set(y)):
        if x.get(k) == y.get(k):
            continue
        if isinstance(x.get(k), dict) and isinstance(y.get(k), dict):
            out.extend(changed_fields(x[k], y[k], f"{prefix}{k}."))
        else:
            out.append(f"{prefix}{k}")
    return out
