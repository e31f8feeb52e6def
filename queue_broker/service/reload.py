"""Catalog and opening hours change without a restart (issue 19 item 4; docs/platform.md, "Live reload").

- `cmd/supervisor/reload` (or SIGHUP to `python -m queue_broker run`, or `python -m queue_broker reload`)
  reads the broker's own site file again. It is checked exactly as at start (the loader's `file:line:
  field: reason`); a file that fails, or a change that cannot be made while the hall runs (another site
  id or time zone, a queue or counter removed), is refused with the reason and the running configuration
  stays as it was. Otherwise the engine swaps it in between two commands (`engine/configuration.py`),
  `state/catalog` is published again, and a `config_changed` event records the versions, the changes in
  words and who asked — in the hash-chained log (`python -m queue_broker audit verify`).
- Dated changes apply by themselves: an item's effective and cancel dates and `site.hours_changes` are
  read by the engine against the day; when the local day turns and the day's catalog or hours differ
  from yesterday's, the catalog is published again and a `dated` change is recorded (by `schedule`).
- At start, a site file that is not the version the log last recorded (edited while the broker was
  stopped) is recorded as a `startup` change, so no change escapes the log.

`mqtt`, `data_dir` and the nodes' own settings are not the broker's to change live: the reply names
what needs a restart (or the node's own reinstall).
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date, datetime
from typing import Any

from ..config.loader import ConfigError, load_site_config
from ..config.models import SiteConfig
from ..engine.commands import ApplyConfig, RecordConfigChange
from ..engine.hours import OpeningHours
from .catalog import build_catalog, catalog_content, catalog_version, diff_catalogs

log = logging.getLogger("queue_broker.reload")

# sections whose change a running broker does not take (the reply says so)
RESTART_SECTIONS = {
    "mqtt": "mqtt: the broker's connection (restart the broker)",
    "data_dir": "data_dir: where the database lives (restart the broker)",
    "rebalancer": "rebalancer: read when the broker starts (restart the broker)",
    "nodes": "nodes: each node reads its own copy of the site file (provision and reinstall its bundle)",
    "voice": "voice: the voice nodes read their own copy of the site file (reinstall their bundle)",
}


class ReloadRefused(ValueError):
    """The new file cannot be taken: `problems` are the loader's lines, or the reasons it cannot go live."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(problems[0] if problems else "refused")


def config_version(cfg: SiteConfig) -> str:
    """A hash of everything in the file but the connection and the data folder (which the environment
    may override): the same file always has the same version."""
    body = cfg.model_dump(mode="json", exclude={"mqtt", "data_dir"})
    blob = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def describe_changes(old: SiteConfig, new: SiteConfig) -> tuple[list[str], list[str]]:
    """(changes in words, what needs a restart) between two site files."""
    changes = diff_catalogs(old, new)
    a = old.model_dump(mode="json", exclude={"queues", "services", "bundles"})
    b = new.model_dump(mode="json", exclude={"queues", "services", "bundles"})
    restart = []
    for section in sorted(set(a) | set(b)):
        if a.get(section) == b.get(section):
            continue
        if section in RESTART_SECTIONS:
            restart.append(RESTART_SECTIONS[section])
            continue
        if section == "site":
            for key in sorted(set(a["site"]) | set(b["site"])):
                if a["site"].get(key) != b["site"].get(key):
                    changes.append(f"~ site.{key} changed")
            continue
        changes.append(f"~ {section} changed")
    return changes, restart


def reload_command(running: SiteConfig, from_version: str | None, by: str, note: str, now: datetime) -> ApplyConfig:
    """Read and check the running broker's site file again; ReloadRefused says why it cannot be taken."""
    path = running.source_path
    if not path:
        raise ReloadRefused(["this broker was not started from a site file: nothing to reload"])
    try:
        new = load_site_config(path, env={})
    except ConfigError as exc:
        raise ReloadRefused(exc.lines()) from None
    except OSError as exc:
        raise ReloadRefused([f"{path}: cannot be read: {exc}"]) from None
    # the connection and data folder are the running ones (the environment overrides them at start)
    new.mqtt, new.data_dir = running.mqtt, running.data_dir
    changes, restart = describe_changes(running, new)
    return ApplyConfig(
        config=new,
        version=config_version(new),
        from_version=from_version,
        catalog_version=build_catalog(new, now)["version"],
        changes=tuple(changes),
        restart_needed=tuple(restart),
        kind="reload",
        by=by,
        note=note,
    )


def startup_command(engine: Any, config: SiteConfig, now: datetime) -> ApplyConfig | RecordConfigChange | None:
    """At start: record the running file when the log last recorded another version (or none yet), or
    the dated changes that took effect while the broker was stopped."""
    version = config_version(config)
    if engine.config_version == version:
        last = engine.config_log[-1]
        day = engine.local_day(now)
        before = datetime.fromisoformat(last["at"]).astimezone(engine.tz).date()
        lines = dated_lines(config, before, day) if before < day else []
        if lines:
            return dated_command(engine, config, before, day, lines)
        return None
    before = engine.config_version
    note = (
        "the site file changed while the broker was stopped"
        if before
        else "the configuration this hall runs from, first recorded"
    )
    return ApplyConfig(
        config=config,
        version=version,
        from_version=before,
        catalog_version=build_catalog(config, now)["version"],
        kind="startup",
        by="start-up",
        note=note,
    )


class DatedChanges:
    """A tick task: when the local day turns, record what took effect by date and say whether the catalog
    must be published again (`republish` is read by the service after the tick)."""

    __name__ = "dated_changes"

    def __init__(self, day: date | None = None) -> None:
        self._day = day  # the local day the catalog was last published for
        self.republish = False

    def __call__(self, engine: Any, now: datetime) -> list[Any]:
        day = engine.local_day(now)
        if self._day is None or day == self._day:
            self._day = day
            return []
        before, self._day = self._day, day
        config = engine.config
        lines = dated_lines(config, before, day)
        if not lines:
            return []
        self.republish = True
        return [dated_command(engine, config, before, day, lines)]


def dated_command(engine: Any, config: SiteConfig, before: date, day: date, lines: list[str]) -> RecordConfigChange:
    old, new = catalog_version(catalog_content(config, before)), catalog_version(catalog_content(config, day))
    return RecordConfigChange(
        version=engine.config_version or config_version(config),
        from_version=engine.config_version,
        catalog_version=new,
        changes=tuple(lines),
        note=f"catalog {old} -> {new} ({before} -> {day})",
    )


def dated_lines(config: SiteConfig, before: date, day: date) -> list[str]:
    """What changed by date between the local days `before` and `day`: items offered or withdrawn, hours."""
    a = {s["id"]: s for s in catalog_content(config, before)["services"]}
    b = {s["id"]: s for s in catalog_content(config, day)["services"]}
    lines = [f"+ service {sid} {b[sid]['name']}: in force from {day}" for sid in sorted(b.keys() - a.keys())]
    lines += [f"- service {sid} {a[sid]['name']}: withdrawn from {day}" for sid in sorted(a.keys() - b.keys())]
    hours = OpeningHours.from_config(config)
    if hours.schedule(before) != hours.schedule(day):
        lines.append(f"~ opening hours: the hours dated {day} take effect")
    return lines
