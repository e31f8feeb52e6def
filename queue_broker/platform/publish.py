"""Guides out: the catalog of a day as a static site and a JSON feed (../shared/platform.md §2,
docs/platform.md "Catalog publish").

    DIR/index.html        the hall's items by department and by life event, 一件事 bundles, and a search box
                          that works without a server (the index is inline JSON, the search a small script)
    DIR/items/ID.html     one page per item: materials, conditions, time limits, fees, 最多跑N次, online link
    DIR/catalog.json      the JSON feed: the same records (national codes, guide, materials)
    DIR/style.css

Built from `build_catalog(config, day)`, the content the broker publishes on `state/catalog` that day, so
the pages, the feed, the kiosk's guides and the printed 一次性告知单 are one catalog version; the version
and the date are on every page. Pages load nothing from the network (no fonts, scripts or images from
elsewhere). The folder is written next to the target and swapped in with two renames, so a reader sees
the old site or the new one.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment

from ..config.models import SiteConfig
from ..engine.hours import WEEKDAYS
from ..service.catalog import NATIONAL_KEYS, build_catalog
from ..templating import html_env

WEEKDAY_NAMES = dict(zip(WEEKDAYS, ("周一", "周二", "周三", "周四", "周五", "周六", "周日"), strict=True))


def _env() -> Environment:
    return html_env(Path(__file__).parent / "templates", {"scenes": scenes_text})


def scenes_text(n: int | None) -> str:
    if n is None:
        return ""
    return "零跑动（全程网办）" if n == 0 else f"最多跑{'一二三四五六七八九'[n - 1] if n <= 9 else n}次"


def hours_text(config: SiteConfig, day: date) -> list[str]:
    from ..engine.hours import OpeningHours

    hours, _ = OpeningHours.from_config(config).schedule(day)
    out = []
    for d in WEEKDAYS:
        periods = hours.get(d, [])
        out.append(f"{WEEKDAY_NAMES[d]} " + ("、".join(f"{p.start}–{p.end}" for p in periods) if periods else "不开放"))
    return out


def feed(config: SiteConfig, day: date) -> dict[str, Any]:
    """The JSON feed of the day: the catalog version, the hall, and every item in force."""
    tz = ZoneInfo(config.site.timezone)
    catalog = build_catalog(config, datetime.combine(day, time(12), tz))
    queues = {q["id"]: q for q in catalog["queues"]}
    items = []
    for s in catalog["services"]:
        # every item has every national key (None where the item has no national record)
        items.append(
            {
                **dict.fromkeys(NATIONAL_KEYS),
                **s,
                "queue_name": queues[s["queue_id"]]["name"],
                "url": f"items/{s['id']}.html",
            }
        )
    return {
        "version": catalog["version"],
        "date": day.isoformat(),
        "site": {
            "id": config.site.id,
            "name": config.site.name,
            "address": config.site.address,
            "phone": config.site.phone,
            "opening_hours": hours_text(config, day),
        },
        "items": items,
        "bundles": catalog["bundles"],
    }


def search_index(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": s["id"],
            "n": s["name"],
            "d": s["department"],
            "k": " ".join(
                [*s.get("keywords", []), *s.get("life_events", []), s.get("category") or "", s.get("task_code") or ""]
            ),
            "u": s["url"],
        }
        for s in data["items"]
    ]


def render_site(config: SiteConfig, day: date) -> dict[str, str]:
    """Every file of the site: relative path -> text."""
    data = feed(config, day)
    env = _env()
    by_dept: dict[str, list[dict[str, Any]]] = {}
    by_event: dict[str, list[dict[str, Any]]] = {}
    for s in data["items"]:
        by_dept.setdefault(s["department"], []).append(s)
        for e in s.get("life_events", []):
            by_event.setdefault(e, []).append(s)
    names = {s["id"]: s["name"] for s in data["items"]}
    common = {"site": data["site"], "version": data["version"], "date": data["date"]}
    index_json = json.dumps(search_index(data), ensure_ascii=False).replace("</", "<\\/")
    files = {
        "index.html": env.get_template("index.html.j2").render(
            **common,
            departments=sorted(by_dept.items(), key=lambda kv: -len(kv[1])),
            life_events=sorted(by_event.items(), key=lambda kv: -len(kv[1])),
            bundles=data["bundles"],
            names=names,
            count=len(data["items"]),
            index_json=index_json,
        ),
        "catalog.json": json.dumps(data, ensure_ascii=False, indent=1) + "\n",
        "style.css": (Path(__file__).parent / "templates" / "style.css").read_text(encoding="utf-8"),
    }
    item_page = env.get_template("item.html.j2")
    for s in data["items"]:
        files[f"items/{s['id']}.html"] = item_page.render(**common, s=s)
    return files


def write_site(files: dict[str, str], out: Path) -> None:
    """Write the site into a fresh folder beside `out`, then swap it in."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{out.name}-new-", dir=out.parent))
    try:
        for rel, text in files.items():
            path = fresh / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        os.chmod(fresh, 0o755)
        old = out.with_name(f".{out.name}-old")
        if old.exists():
            shutil.rmtree(old)
        if out.exists():
            os.replace(out, old)
        os.replace(fresh, out)
        if old.exists():
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
