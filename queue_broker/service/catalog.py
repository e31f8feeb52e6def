"""The published catalog (state/catalog) and its content version (seed art. 11 and 13)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from ..config.models import SiteConfig


def catalog_content(config: SiteConfig) -> dict[str, Any]:
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
            }
            for s in config.services
        ],
        "bundles": [b.model_dump() for b in config.bundles],
    }


def catalog_version(content: dict[str, Any]) -> str:
    """A content hash: the same catalog always has the same version, any change a new one."""
    blob = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def build_catalog(config: SiteConfig, now: datetime) -> dict[str, Any]:
    content = catalog_content(config)
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
    for section in ("queues", "services", "bundles"):
        before = {x["id"]: x for x in a[section]}
        after = {x["id"]: x for x in b[section]}
        for key in sorted(after.keys() - before.keys()):
            lines.append(f"+ {section[:-1]} {key} {after[key].get('name', '')}: added")
        for key in sorted(before.keys() - after.keys()):
            lines.append(f"- {section[:-1]} {key} {before[key].get('name', '')}: removed")
        for key in sorted(before.keys() & after.keys()):
            for field in _changed_fields(before[key], after[key]):
                lines.append(f"~ {section[:-1]} {key} {after[key].get('name', '')}: {field} changed")
    return lines


def _changed_fields(x: dict, y: dict, prefix: str = "") -> list[str]:
    out = []
    for k in sorted(set(x) | set(y)):
        if x.get(k) == y.get(k):
            continue
        if isinstance(x.get(k), dict) and isinstance(y.get(k), dict):
            out.extend(_changed_fields(x[k], y[k], f"{prefix}{k}."))
        else:
            out.append(f"{prefix}{k}")
    return out
