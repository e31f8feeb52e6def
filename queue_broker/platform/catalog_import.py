"""Catalog in: a 事项库 export (../shared/platform.md §1) becomes the site's items, without losing the hall's
own settings (docs/platform.md, "Catalog import").

    records = read_records(...)                      sources.py: JSON / CSV / XLSX, UTF-8 or GBK, by line
    items, problems = normalise(records, mapping)    one Item per good record; a problem per bad one
    plan = plan_import(config, items, ...)           added / changed / withdrawn / unchanged, the new items
    written = write_catalog(plan, ...)               checked by the site loader, then renamed into place

An item is matched by its 业务办理项编码 (`task_handle_item`), which the site's item id derives from (a new
item's id is the code itself), so ids are stable across imports; an item of a hand-written catalog without
codes is matched once by name and gets its codes. What the export says replaces the national block, the
name and the guide's national fields (conditions, legal basis, process, fees, time limits, contact);
the hall's own settings — queue, department label, category, life events, keywords, self-service,
appointment, usual time, English name, and the guide's sample forms, common mistakes, result and note —
stay. An item stops being offered on its cancel date (or, when its department's export no longer lists
it, from the day after the import); tickets already issued and appointments already booked are served.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ..config.loader import ConfigError, load_site_config
from ..config.models import NationalItem, Service, SiteConfig
from ..protocol.messages import describe_validation_error
from ..service.catalog import build_catalog, changed_fields
from .codes import code_problem, uscc_problem
from .sources import Record

# the fields of platform.md §1, as the import knows them (a mapping file renames a province's keys to these)
TEXT_FIELDS = (
    "catalog_code",
    "task_code",
    "task_handle_item",
    "task_name",
    "task_type",
    "task_version",
    "task_state",
    "dept_code",
    "dept_name",
    "project_type",
    "promise_day_type",
    "anticipate_day_type",
    "special_procedure",
    "fee_basis",
    "transact_addr",
    "transact_time",
    "link_way",
    "supervise_way",
    "link_addr",
    "mobile_terminal_url",
    "result_name",  # 结果名称 (not in every export)
    "fee_standard",  # 收费标准, the fee as text (else is_fee and fee_basis make it)
)
LIST_FIELDS = ("accept_condition", "handle_flow", "by_law", "life_events", "keywords")
NUMBER_FIELDS = ("promise_day", "anticipate_day", "limit_scene_num")
DATE_FIELDS = ("plan_effective_date", "plan_cancel_date")
OTHER_FIELDS = ("is_fee", "materials")
FIELDS = frozenset((*TEXT_FIELDS, *LIST_FIELDS, *NUMBER_FIELDS, *DATE_FIELDS, *OTHER_FIELDS))
# what a record gives of the service's national block: NationalItem's fields, in its order (its two codes
# come from the Item)
RECORD_NATIONAL = tuple(k for k in NationalItem.model_fields if k not in ("task_code", "task_handle_item"))
MATERIAL_FIELDS = frozenset(("name", "copies", "originals", "form", "source", "required", "blank_form_url", "note"))

NAME_ONLY = "__name_only__"  # a material given by its name alone (a CSV or XLSX cell)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when present: a big export writes fast
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
NOT_IN_FORCE = {"0", "停用", "暂停", "废止", "取消", "已取消", "注销", "false", "inactive", "no", "否"}
YES = {"1", "是", "true", "yes", "y", "收费", "必须", "必要", "必需", "required"}
NO = {"0", "否", "false", "no", "n", "不收费", "免费", "非必须", "可选", "optional"}


def _known_targets(mapping: dict[str, str], known: frozenset[str], what: str) -> dict[str, str]:
    for theirs, ours in mapping.items():
        if ours not in known:
            raise ValueError(f"{theirs}: {ours!r} is not {what}")
    return mapping


class MaterialMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fields: dict[str, str] = {}  # the province's key -> name, copies, originals, form, source, required, ...
    separator: str | None = None  # CSV/XLSX: names in one cell split by this (default: ；, ; or a new line)

    @field_validator("fields")
    @classmethod
    def _known(cls, v: dict[str, str]) -> dict[str, str]:
        return _known_targets(v, MATERIAL_FIELDS, f"a material field ({', '.join(sorted(MATERIAL_FIELDS))})")


class CatalogMapping(BaseModel):
    """A province's export in the import's terms: a YAML file a hall edits without code."""

    model_config = ConfigDict(extra="forbid")
    fields: dict[str, str] = {}  # the province's key -> a field of platform.md §1
    values: dict[str, dict[str, str]] = {}  # field -> {the province's value: the value platform.md uses}
    records: str | None = None  # JSON: the dotted path to the list (default: the list, or data)
    format: Literal["json", "csv", "xlsx"] | None = None
    encoding: str | None = None  # default: UTF-8, else GBK/GB18030
    sheet: str | None = None  # XLSX: default the first sheet
    materials: MaterialMapping = MaterialMapping()

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, v: dict[str, str]) -> dict[str, str]:
        return _known_targets(v, FIELDS, "a field of the catalog (platform.md §1)")


@dataclass
class Problem:
    line: int | None
    code: str | None
    message: str  # what is wrong and what was done about it

    def text(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}{f' ({self.code})' if self.code else ''}: {self.message}"


@dataclass
class Item:
    """One good record of the export, in platform.md's terms."""

    line: int
    code: str  # task_handle_item
    task_code: str
    name: str
    values: dict[str, Any] = field(default_factory=dict)  # every other field given (normalised)
    not_in_force: bool = False


# --- records -> items ---------------------------------------------------------------------------


def normalise(records: Iterable[Record], mapping: CatalogMapping, today: date) -> tuple[list[Item], list[Problem]]:
    items: list[Item] = []
    problems: list[Problem] = []
    first_line: dict[str, int] = {}
    unused: dict[str, int] = {}
    for rec in records:
        if "__not_an_object__" in rec.data:
            problems.append(Problem(rec.line, None, "not a record (a JSON object): skipped"))
            continue
        if "__extra_cells__" in rec.data:
            problems.append(
                Problem(
                    rec.line, None, f"{rec.data['__extra_cells__']} more cells than the header has columns: skipped"
                )
            )
            continue
        data: dict[str, Any] = {}
        for key, value in rec.data.items():
            ours = mapping.fields.get(key, key if key in FIELDS else None)
            if ours is None:
                unused[key] = unused.get(key, 0) + 1
                continue
            if isinstance(value, str):
                value = value.strip()
            table = mapping.values.get(ours)
            if table and str(value) in table:
                value = table[str(value)]
            data[ours] = value
        item, item_problems = _item(rec.line, data, mapping, today)
        problems.extend(item_problems)
        if item is None:
            continue
        if item.code in first_line:
            problems.append(
                Problem(rec.line, item.code, f"the same task_handle_item as line {first_line[item.code]}: skipped")
            )
            continue
        first_line[item.code] = rec.line
        items.append(item)
    if unused:
        problems.append(
            Problem(
                None,
                None,
                f"columns not used (no field of platform.md, none in the mapping): {', '.join(sorted(unused))}",
            )
        )
    return items, problems


def _item(line: int, data: dict[str, Any], mapping: CatalogMapping, today: date) -> tuple[Item | None, list[Problem]]:
    problems: list[Problem] = []
    code = _text(data.get("task_handle_item"))
    task_code = _text(data.get("task_code"))
    name = _text(data.get("task_name"))
    for value, what in ((code, "task_handle_item (业务办理项编码)"), (task_code, "task_code (实施编码)")):
        wrong = code_problem(value, what)
        if wrong:
            return None, [Problem(line, code or None, f"{wrong}: skipped")]
    if not name:
        return None, [Problem(line, code, "task_name is missing: skipped")]
    values: dict[str, Any] = {}
    for key in TEXT_FIELDS:
        if key in data and key not in ("task_handle_item", "task_code", "task_name"):
            values[key] = _text(data[key])
    for key in LIST_FIELDS:
        if key in data:
            values[key] = _lines(data[key])
    for keys, parse, what in (
        (NUMBER_FIELDS, _number, "a number of days"),
        (DATE_FIELDS, _date, "a date (YYYY-MM-DD)"),
    ):
        for key in keys:
            if key in data and _text(data[key]) != "":
                parsed = parse(data[key])
                if parsed is None:
                    problems.append(Problem(line, code, f"{key} {data[key]!r} is not {what}: ignored"))
                else:
                    values[key] = parsed
    if "is_fee" in data:
        fee = _yes_no(data["is_fee"])
        if fee is None:
            problems.append(Problem(line, code, f"is_fee {data['is_fee']!r} is neither yes nor no: ignored"))
        else:
            values["is_fee"] = fee
    if "materials" in data:
        materials, wrong = _materials(data["materials"], mapping.materials)
        if wrong:
            problems.append(Problem(line, code, f"materials: {wrong}: kept the item's previous list"))
        else:
            values["materials"] = materials
    # values the model takes only in one spelling
    for key, allowed in (("project_type", ("即办", "承诺")), ("promise_day_type", ("工作日", "自然日"))):
        if key in values:
            v = values[key].removesuffix("件")
            if key == "project_type" and v in ("1", "即办件"):
                v = "即办"
            if key == "project_type" and v in ("2", "承诺件"):
                v = "承诺"
            if v not in allowed:
                problems.append(Problem(line, code, f"{key} {values[key]!r} is not {' or '.join(allowed)}: ignored"))
                del values[key]
            else:
                values[key] = v
    if "anticipate_day_type" in values and values["anticipate_day_type"] not in ("工作日", "自然日"):
        del values["anticipate_day_type"]
    if values.get("dept_code"):
        wrong = uscc_problem(values["dept_code"])
        if wrong:
            problems.append(Problem(line, code, f"dept_code {wrong}: kept as given; check the department's code"))
    start, end = values.get("plan_effective_date"), values.get("plan_cancel_date")
    if start and end and end <= start:
        return None, [
            *problems,
            Problem(line, code, f"plan_cancel_date {end} is not after plan_effective_date {start}: skipped"),
        ]
    if values.get("project_type") == "承诺" and not values.get("promise_day"):
        problems.append(
            Problem(line, code, "a 承诺件 without promise_day: its cases (办件) get the guide's time limit")
        )
    not_in_force = values.get("task_state", "").lower() in NOT_IN_FORCE
    return Item(line, code, task_code, name, values, not_in_force), problems


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _lines(value: Any) -> list[str]:
    if isinstance(value, list):
        return [_text(v) for v in value if _text(v)]
    text = _text(value)
    parts = re.split(r"[\r\n]+|；", text)
    return [p.strip() for p in parts if p.strip()]


def _number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() and value >= 0 else None
    m = re.fullmatch(r"\s*(\d+)\s*(个)?\s*(工作日|自然日|日|天)?\s*", str(value))
    return int(m.group(1)) if m else None


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text[: len(datetime(2000, 12, 31).strftime(pattern))], pattern).date()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        return None


def _yes_no(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    return None


def _materials(value: Any, mapping: MaterialMapping) -> tuple[list[dict[str, Any]], str | None]:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            import json

            try:
                value = json.loads(text)
            except ValueError as exc:
                return [], f"not a JSON list ({exc})"
        else:
            sep = mapping.separator
            names = text.split(sep) if sep else re.split(r"[\r\n]+|；|;", text)
            value = [n.strip() for n in names if n.strip()]
    if not isinstance(value, list):
        return [], "neither a list nor names separated by ；"
    out = []
    for i, m in enumerate(value):
        if isinstance(m, str):
            out.append({"name": m, "originals": 1, NAME_ONLY: True})  # details kept from the item (merge)
            continue
        if not isinstance(m, dict):
            return [], f"item {i + 1} is neither a name nor an object"
        mm = {mapping.fields.get(k, k): v for k, v in m.items()}
        name = _text(mm.get("name"))
        if not name:
            return [], f"item {i + 1} has no name"
        notes = [n for n in (_text(mm.get("note")), _source(mm.get("source")), _text(mm.get("blank_form_url"))) if n]
        copies, originals = _number(mm.get("copies")) or 0, _number(mm.get("originals"))
        required = _yes_no(mm.get("required")) if mm.get("required") is not None else True
        out.append(
            {
                "name": name,
                "originals": originals if originals is not None else (0 if copies else 1),
                "copies": copies,
                "form": _text(mm.get("form")),
                "note": "；".join(notes),
                "required": True if required is None else required,
            }
        )
    return out, None


def _source(value: Any) -> str:
    text = _text(value)
    return f"来源：{text}" if text else ""


# --- items -> the site's catalog ----------------------------------------------------------------


@dataclass
class Change:
    service_id: str
    code: str
    name: str
    line: int | None = None
    detail: str = ""  # changed fields, the queue of a new item, the withdrawal date and what happens


@dataclass
class ImportPlan:
    services: list[dict[str, Any]]  # the new services section, as YAML data
    added: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    withdrawn: list[Change] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Usage:
    """What the hall has for an item now (from its event store): so a withdrawal can say what happens."""

    waiting: dict[str, int] = field(default_factory=dict)  # service id -> tickets not yet ended
    booked: dict[str, list[date]] = field(default_factory=dict)  # service id -> appointment days (booked)


def plan_import(
    config: SiteConfig,
    raw_services: list[dict[str, Any]],
    items: list[Item],
    today: date,
    usage: Usage | None = None,
) -> ImportPlan:
    """Merge `items` into the site's items (`raw_services`, the services section as YAML data)."""
    usage = usage or Usage()
    plan = ImportPlan(services=[])
    by_code = {s.national.task_handle_item: s for s in config.services if s.national}
    by_name = {s.name: s for s in config.services if s.national is None}
    raw_by_id = {r.get("id"): r for r in raw_services if isinstance(r, dict)}
    seen: set[str] = set()
    new_entries: list[dict[str, Any]] = []
    for item in items:
        current = by_code.get(item.code)
        matched_by_name = False
        if current is None and item.name in by_name:
            current, matched_by_name = by_name.pop(item.name), True
        if current is None:
            entry = _new_entry(config, item, today, plan)
            if entry is not None:
                new_entries.append(entry)
            continue
        seen.add(current.id)
        entry = _merged_entry(raw_by_id[current.id], item)
        if item.not_in_force and _cancel(entry) is None:
            entry["national"]["plan_cancel_date"] = today
        wrong = _invalid(entry)
        if wrong:
            plan.problems.append(Problem(item.line, item.code, f"{wrong}: kept the item as it was"))
            plan.unchanged += 1
            continue
        before = current.model_dump(mode="json")
        after = Service.model_validate(entry).model_dump(mode="json")
        raw_by_id[current.id] = entry
        fields = changed_fields(before, after)
        cancel = _cancel(entry)
        if cancel is not None and (current.national is None or current.national.plan_cancel_date != cancel):
            plan.withdrawn.append(_withdrawal(current.id, item.code, item.name, item.line, cancel, today, usage))
        elif fields:
            detail = ", ".join(fields)
            if matched_by_name:
                detail = f"matched by name, codes added; {detail}"
            plan.changed.append(Change(current.id, item.code, item.name, item.line, detail))
        else:
            plan.unchanged += 1
    # items of a department this export covers, no longer in it: withdrawn from tomorrow
    departments = {i.values.get("dept_code") for i in items} | {i.values.get("dept_name") for i in items}
    departments.discard(None)
    departments.discard("")
    for s in config.services:
        n = s.national
        if n is None or s.id in seen or n.plan_cancel_date is not None:
            continue
        if n.dept_code in departments or n.dept_name in departments:
            entry = raw_by_id[s.id]
            entry.setdefault("national", {})["plan_cancel_date"] = today + timedelta(days=1)
            change = _withdrawal(s.id, n.task_handle_item, s.name, None, today + timedelta(days=1), today, usage)
            change.detail = f"not in its department's export any more; {change.detail}"
            plan.withdrawn.append(change)
    plan.services = [raw_by_id.get(r.get("id"), r) if isinstance(r, dict) else r for r in raw_services] + new_entries
    return plan


def _cancel(entry: dict[str, Any]) -> date | None:
    value = (entry.get("national") or {}).get("plan_cancel_date")
    return _date(value) if value is not None else None


def _withdrawal(sid: str, code: str, name: str, line: int | None, day: date, today: date, usage: Usage) -> Change:
    parts = [f"no new tickets from {day}" if day > today else f"no new tickets from today ({day})"]
    waiting = usage.waiting.get(sid, 0)
    if waiting:
        parts.append(f"{waiting} ticket{'s' if waiting > 1 else ''} already issued will be served")
    later = [d for d in usage.booked.get(sid, []) if d >= day]
    if len(later) == 1:
        parts.append(f"1 appointment booked for {later[0]} is kept and served")
    elif later:
        parts.append(f"{len(later)} appointments booked for {min(later)} or later are kept and served")
    return Change(sid, code, name, line, "; ".join(parts))


def _national(item: Item, previous: dict[str, Any] | None) -> dict[str, Any]:
    n: dict[str, Any] = dict(previous or {})
    v = item.values
    n.update({"task_code": item.task_code, "task_handle_item": item.code})
    for key in RECORD_NATIONAL:
        if key in v:
            n[key] = v[key]
    if "project_type" not in n:  # a record silent on it: a time limit makes it a 承诺件
        n["project_type"] = "承诺" if v.get("promise_day") else "即办"
    return n


def _guide_updates(item: Item, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """The guide's national fields from the record; a field the record leaves empty keeps its text, and an
    implementing body that already names the department keeps the hall's fuller wording."""
    v, g = item.values, {}
    if v.get("dept_name") and v["dept_name"] not in str((current or {}).get("implementing_body", "")):
        g["implementing_body"] = v["dept_name"]
    if v.get("by_law"):
        g["legal_basis"] = v["by_law"]
    if v.get("accept_condition"):
        g["conditions"] = v["accept_condition"]
    if v.get("handle_flow"):
        g["process"] = v["handle_flow"]
    if v.get("fee_standard"):
        g["fee"] = v["fee_standard"]
    elif "is_fee" in v:
        g["fee"] = ("收费" + (f"：{v['fee_basis']}" if v.get("fee_basis") else "")) if v["is_fee"] else "不收费"
    if v.get("fee_basis"):
        g["fee_basis"] = v["fee_basis"]
    if "promise_day" in v:
        g["time_limit_days"] = v["promise_day"]
    if "anticipate_day" in v:
        g["legal_time_limit_days"] = v["anticipate_day"]
    if v.get("link_way"):
        g["contact"] = v["link_way"]
    if v.get("link_addr") or v.get("mobile_terminal_url"):
        g["online"] = True
    if v.get("result_name"):
        g["result"] = v["result_name"]
    return g


def merge_materials(new: list[dict[str, Any]], old: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The export's list in the export's order; a material the export gives by name only keeps the
    details (originals, copies, form, note) the hall's list has for that name."""
    known = {m.get("name"): m for m in old if isinstance(m, dict)}
    out = []
    for m in new:
        if m.get(NAME_ONLY):
            out.append(dict(known.get(m["name"]) or {k: v for k, v in m.items() if k != NAME_ONLY}))
        else:
            out.append(m)
    return out


def _invalid(entry: dict[str, Any]) -> str | None:
    """Why the entry is not a valid item (the site's own model decides), or None."""
    try:
        Service.model_validate(entry)
    except ValidationError as exc:
        return "the record does not make a valid item: " + describe_validation_error(exc)
    return None


def _merged_entry(raw: dict[str, Any], item: Item) -> dict[str, Any]:
    entry = _plain(raw)
    entry["name"] = item.name
    entry["guide"] = {**entry.get("guide", {}), **_guide_updates(item, entry.get("guide"))}
    if "materials" in item.values:
        entry["materials"] = merge_materials(item.values["materials"], entry.get("materials") or [])
    for key in ("life_events", "keywords"):  # the hall's own lists win; the export fills empty ones
        if item.values.get(key) and not entry.get(key):
            entry[key] = item.values[key]
    entry["national"] = _national(item, entry.get("national"))
    return entry


def _new_entry(config: SiteConfig, item: Item, today: date, plan: ImportPlan) -> dict[str, Any] | None:
    v = item.values
    cancel = v.get("plan_cancel_date")
    if item.not_in_force or (cancel is not None and cancel <= today):
        plan.problems.append(Problem(item.line, item.code, "a new item already withdrawn: not added"))
        return None
    pf = config.platform
    queue = pf.queue_by_department.get(v.get("dept_code", "")) or pf.queue_by_department.get(v.get("dept_name", ""))
    queue = queue or pf.default_queue
    if queue is None:
        plan.problems.append(
            Problem(
                item.line,
                item.code,
                f"no queue for department {v.get('dept_name') or v.get('dept_code') or '?'}: not added "
                "(set platform.queue_by_department or platform.default_queue in the site file)",
            )
        )
        return None
    guide = {
        "implementing_body": v.get("dept_name", ""),
        "legal_basis": [],
        "conditions": [],
        "fee": "不收费",
        "process": [],
        "time_limit_days": 0,
        "result": "",
        "contact": "",
        **_guide_updates(item),
    }
    entry: dict[str, Any] = {
        "id": item.code,
        "name": item.name,
        "queue_id": queue,
        "department": v.get("dept_name") or v.get("dept_code") or "",
        "life_events": v.get("life_events", []),
        "keywords": v.get("keywords", []),
        "appointment": False,
        "guide": guide,
        "materials": merge_materials(v.get("materials", []), []),
        "national": _national(item, None),
    }
    wrong = _invalid(entry)
    if wrong:
        plan.problems.append(Problem(item.line, item.code, f"{wrong}: not added"))
        return None
    start = v.get("plan_effective_date")
    when = f"offered from {start}" if start and start > today else "offered now"
    plan.added.append(Change(item.code, item.code, item.name, item.line, f"queue {queue}, {when}"))
    return entry


def _plain(value: Any) -> Any:
    """YAML data as plain dicts and lists (anchors and aliases resolved into copies)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# --- writing ------------------------------------------------------------------------------------


class ImportError_(ValueError):
    """The new catalog could not be written (it would not load, or the folder is not writable)."""


@dataclass
class Written:
    files: list[Path]
    catalog_version: str
    config: SiteConfig


def site_yaml(site_path: Path) -> tuple[dict[str, Any], str | None, dict[str, Any]]:
    """(the site file's YAML data, its services_file name or None, the services section's YAML data)."""
    data = yaml.load(site_path.read_text(encoding="utf-8"), Loader=_LOADER) or {}  # noqa: S506 - safe loader
    services_file = data.get("services_file")
    if services_file:
        extra = yaml.load((site_path.parent / services_file).read_text(encoding="utf-8"), Loader=_LOADER) or {}  # noqa: S506
        return data, services_file, extra
    return data, None, {"services": data.get("services", []), "bundles": data.get("bundles", [])}


def write_catalog(site_path: Path, plan: ImportPlan, out_dir: Path, header: str, now: datetime) -> Written:
    """Write the new catalog into `out_dir`: the services file (or, for a site with its items inline, a
    copy of the site file holding them). Everything is written into a temporary folder first and loaded
    by the site loader there; only a catalog that loads is renamed into place, so `out_dir` never holds a
    half-written or invalid catalog."""
    data, services_file, section = site_yaml(site_path)
    section = {**section, "services": plan.services}
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".catalog-import-", dir=out_dir) as tmp_name:
        tmp = Path(tmp_name)
        if services_file:
            site_copy = tmp / site_path.name
            site_copy.write_text(site_path.read_text(encoding="utf-8"), encoding="utf-8")
            target = tmp / services_file
            target.parent.mkdir(parents=True, exist_ok=True)
            _dump(target, header, section)
            staged = [(target, out_dir / services_file)]
        else:
            site_copy = tmp / site_path.name
            _dump(site_copy, header, {**data, **section})
            staged = [(site_copy, out_dir / site_path.name)]
        try:
            config = load_site_config(site_copy, env={})
        except ConfigError as exc:
            raise ImportError_("the new catalog does not load: " + "; ".join(exc.lines()[:3])) from None
        version = build_catalog(config, now)["version"]
        for src, dst in staged:
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)  # atomic on one file system: the old file or the new, never half
    return Written([dst for _src, dst in staged], version, config)


def _dump(path: Path, header: str, data: dict[str, Any]) -> None:
    text = yaml.dump(
        _plain(data), Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=1000, default_flow_style=False
    )
    with open(path, "w", encoding="utf-8") as f:
        f.write(header)
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
