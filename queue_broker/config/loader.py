"""Load a site YAML, validate it, and say exactly where it is wrong: `file:line: field: reason`.

PyYAML's composed node tree gives every key and item its line; pydantic's error location is a path
into the data; the longest path the YAML knows gives the line. Cross-references (a counter naming a
missing queue, a duplicate prefix) are checked after the models, with their own paths.
"""

from __future__ import annotations

import os
from collections import Counter as Tally
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .models import SiteConfig
from .selfservice import cross_reference as selfservice_cross_reference

Path_ = tuple[str | int, ...]
# libyaml's safe loader when PyYAML has it (same nodes, marks and errors, about 10x faster: a hall's
# catalog of a few hundred items is read in well under a second, which a live reload needs)
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ConfigError(Exception):
    """A config problem with its place. `problems` holds every one found; `str()` is the first."""

    def __init__(self, problems: list[tuple[str, int | None, str, str]]):
        self.problems = problems
        super().__init__(self.format_line(problems[0]))

    @staticmethod
    def format_line(problem: tuple[str, int | None, str, str]) -> str:
        file, line, field, reason = problem
        where = f"{file}:{line}" if line else file
        return f"{where}: {field}: {reason}" if field else f"{where}: {reason}"

    def lines(self) -> list[str]:
        return [self.format_line(p) for p in self.problems]


@dataclass
class _Located:
    data: Any
    lines: dict[Path_, tuple[str, int]]  # path -> (file, line)
    # unquoted times such as 14:00, which YAML 1.1 reads as base-60 numbers (840): path -> the text
    sexagesimal: dict[Path_, str] = dataclass_field(default_factory=dict)


Located = _Located  # the public name: what `load_with_lines` returns beside the config


def _compose(path: Path) -> _Located:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([(str(path), None, "", "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([(str(path), None, "", f"cannot be read: {exc}")]) from None
    try:
        # one parse gives the nodes (their lines) and the data; the nodes are walked before the data is
        # constructed, which flattens merge keys (<<: *anchor) into them
        loader = _SafeLoader(text)
        try:
            node = loader.get_single_node()
            lines: dict[Path_, tuple[str, int]] = {}
            dupes: list[tuple[str, int | None, str, str]] = []
            sexagesimal: dict[Path_, str] = {}
            if node is not None:
                _walk(node, (), str(path), lines, dupes, sexagesimal)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError([(str(path), line, "", f"not valid YAML: {exc.problem or exc.context}")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([(str(path), None, "", f"not valid YAML: {exc}")]) from None
    if dupes:
        raise ConfigError(dupes)
    return _Located(data if data is not None else {}, lines, sexagesimal)


def _walk(node: yaml.Node, at: Path_, file: str, lines: dict, dupes: list, sexagesimal: dict | None = None) -> None:
    lines.setdefault(at, (file, node.start_mark.line + 1))
    if (
        sexagesimal is not None
        and isinstance(node, yaml.ScalarNode)
        and node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
        and ":" in node.value
    ):
        sexagesimal[at] = node.value
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                dupes.append((file, key_node.start_mark.line + 1, dotted((*at, key)), "the key appears twice"))
            seen.add(key)
            lines[(*at, key)] = (file, key_node.start_mark.line + 1)
            _walk(value_node, (*at, key), file, lines, dupes, sexagesimal)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*at, i)] = (file, item.start_mark.line + 1)
            _walk(item, (*at, i), file, lines, dupes, sexagesimal)


def dotted(path: Path_) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _locate(path: Path_, located: _Located, default_file: str) -> tuple[str, int | None]:
    for n in range(len(path), -1, -1):
        if path[:n] in located.lines:
            return located.lines[path[:n]]
    return default_file, None


def unquoted_time(text: str) -> str:
    """What to write instead of an unquoted `14:00` (or `9:30`): the time in quotes, two-digit hours."""
    head, _, rest = text.partition(":")
    return f"write times in quotes: '{head.zfill(2) if head.isdigit() else head}:{rest}'"


def time_problems(located: _Located, file: str) -> list:
    """Every unquoted time in the file: YAML 1.1 reads 14:00 as the base-60 number 840, which is never
    what a hall's file means, even where a number would pass (a timeout of 1:30 would be 90)."""
    problems = []
    for at, text in located.sexagesimal.items():
        where_file, line = _locate(at, located, file)
        value = yaml.safe_load(text)
        problems.append((where_file, line, dotted(at), f"{unquoted_time(text)} (unquoted, YAML reads it as {value})"))
    return problems


def _pydantic_problems(exc: ValidationError, located: _Located, file: str, prefix: Path_ = ()) -> list:
    """The problems of a validation error, located in the file; `prefix` is where the validated data sits
    in it (a device's options, a node's screen). An error at an unquoted time says so, nothing more."""
    problems = []
    for err in exc.errors():
        loc: Path_ = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        # pydantic adds the union member's name or literal into loc; keep only the data path
        loc = (*prefix, *(p for p in loc if isinstance(p, int) or not p.startswith(("list[", "dict[", "literal["))))
        if loc in located.sexagesimal:
            continue  # time_problems says it
        where_file, line = _locate(loc, located, file)
        kind = err["type"]
        if kind == "extra_forbidden":
            reason = f"unknown key '{loc[-1]}'"
        elif kind == "missing":
            reason = "is required but missing"
        else:
            reason = err["msg"][0].lower() + err["msg"][1:]
            if (
                "input" in err
                and kind not in ("value_error", "assertion_error")
                and not isinstance(err["input"], dict | list)
            ):
                reason += f" (got {err['input']!r})"
        problems.append((where_file, line, dotted(loc), reason))
    return problems


pydantic_problems = _pydantic_problems  # for the board checks (queue_broker/config/boards.py)


def _cross_reference(cfg: SiteConfig) -> Iterator[tuple[Path_, str]]:
    queue_ids = {q.id for q in cfg.queues}
    service_ids = {s.id for s in cfg.services}
    counter_ids = {c.id for c in cfg.counters}

    def dupes(items: list, attr: str, section: str, what: str) -> Iterator[tuple[Path_, str]]:
        counts = Tally(getattr(x, attr) for x in items)
        seen: set = set()
        for i, x in enumerate(items):
            v = getattr(x, attr)
            if counts[v] > 1 and v in seen:
                yield (section, i, attr), f"{what} {v!r} is used twice"
            seen.add(v)

    yield from dupes(cfg.queues, "id", "queues", "queue id")
    yield from dupes(cfg.queues, "prefix", "queues", "ticket prefix")
    yield from dupes(cfg.counters, "id", "counters", "counter id")
    yield from dupes(cfg.counters, "number", "counters", "counter number")
    yield from dupes(cfg.services, "id", "services", "service id")
    yield from dupes(cfg.bundles, "id", "bundles", "bundle id")
    yield from dupes(cfg.operators, "id", "operators", "operator id")
    yield from dupes(cfg.nodes, "id", "nodes", "node id")
    clash = service_ids & {b.id for b in cfg.bundles}
    for i, b in enumerate(cfg.bundles):
        if b.id in clash:
            yield ("bundles", i, "id"), f"bundle id {b.id!r} is also a service id"
    for i, c in enumerate(cfg.counters):
        for field in ("home", "eligible"):
            for j, q in enumerate(getattr(c, field)):
                if q not in queue_ids:
                    yield ("counters", i, field, j), f"counter {c.id} names queue {q!r}, which is not defined"
    for i, s in enumerate(cfg.services):
        if s.queue_id not in queue_ids:
            yield ("services", i, "queue_id"), f"service {s.id} names queue {s.queue_id!r}, which is not defined"
    for i, b in enumerate(cfg.bundles):
        if b.queue_id not in queue_ids:
            yield ("bundles", i, "queue_id"), f"bundle {b.id} names queue {b.queue_id!r}, which is not defined"
        for j, sid in enumerate(b.service_ids):
            if sid not in service_ids:
                yield ("bundles", i, "service_ids", j), f"bundle {b.id} names service {sid!r}, which is not defined"
    for i, op in enumerate(cfg.operators):
        if op.counters != "*":
            for j, cid in enumerate(op.counters):
                if cid not in counter_ids:
                    yield (
                        ("operators", i, "counters", j),
                        f"operator {op.id} names counter {cid!r}, which is not defined",
                    )
    for j, sid in enumerate(cfg.site.self_service.service_ids):
        if sid not in service_ids:
            yield ("site", "self_service", "service_ids", j), f"service {sid!r} is not defined"
    for qid in cfg.priorities.queue_weights:
        if qid not in queue_ids:
            yield ("priorities", "queue_weights", qid), f"queue {qid!r} is not defined"
    for sid in cfg.appointments.capacity_overrides:
        if sid not in service_ids:
            yield ("appointments", "capacity_overrides", sid), f"service {sid!r} is not defined"
    for i, n in enumerate(cfg.nodes):
        if n.role == "counter" and n.counter_id is None:
            yield ("nodes", i, "counter_id"), f"counter node {n.id} must name its counter_id"
        if n.counter_id is not None and n.counter_id not in counter_ids:
            yield ("nodes", i, "counter_id"), f"node {n.id} names counter {n.counter_id!r}, which is not defined"
        for j, d in enumerate(n.devices):
            if [x.id for x in n.devices].count(d.id) > 1:
                yield ("nodes", i, "devices", j, "id"), f"device id {d.id!r} is used twice on node {n.id}"
    for day, periods in cfg.site.opening_hours.items():
        spans = sorted((p.start, p.end, k) for k, p in enumerate(periods))
        for (s1, e1, _), (s2, _, k2) in zip(spans, spans[1:], strict=False):
            if s2 < e1:
                yield ("site", "opening_hours", day, k2), f"opening period {s2} overlaps the one from {s1}"
    yield from _platform_references(cfg, queue_ids, service_ids)
    yield from selfservice_cross_reference(cfg)
    yield from dupes(cfg.reserves, "id", "reserves", "reserve id")
    for i, r in enumerate(cfg.reserves):
        for j, q in enumerate(r.eligible):
            if q not in queue_ids:
                yield ("reserves", i, "eligible", j), f"reserve {r.id} names queue {q!r}, which is not defined"
        for j, cid in enumerate(r.counters if r.counters != "*" else []):
            if cid not in counter_ids:
                yield ("reserves", i, "counters", j), f"reserve {r.id} names counter {cid!r}, which is not defined"


def _platform_references(cfg: SiteConfig, queue_ids: set[str], service_ids: set[str]) -> Iterator[tuple[Path_, str]]:
    """The national codes, dated hours and platform settings (docs/platform.md)."""
    seen: dict[str, str] = {}
    for i, s in enumerate(cfg.services):
        if s.national is None:
            continue
        code = s.national.task_handle_item
        if code in seen:
            yield ("services", i, "national", "task_handle_item"), f"{code} is also the code of service {seen[code]}"
        seen.setdefault(code, s.id)
    dates: set = set()
    for i, change in enumerate(cfg.site.hours_changes):
        if change.effective_from in dates:
            yield (
                ("site", "hours_changes", i, "effective_from"),
                f"two hour changes take effect on {change.effective_from}",
            )
        dates.add(change.effective_from)
        for day, periods in change.opening_hours.items():
            spans = sorted((p.start, p.end, k) for k, p in enumerate(periods))
            for (s1, e1, _), (s2, _, k2) in zip(spans, spans[1:], strict=False):
                if s2 < e1:
                    yield (
                        ("site", "hours_changes", i, "opening_hours", day, k2),
                        f"opening period {s2} overlaps the one from {s1}",
                    )
    pf = cfg.platform
    if pf.default_queue is not None and pf.default_queue not in queue_ids:
        yield ("platform", "default_queue"), f"queue {pf.default_queue!r} is not defined"
    for dept, qid in pf.queue_by_department.items():
        if qid not in queue_ids:
            yield ("platform", "queue_by_department", dept), f"queue {qid!r} is not defined"
    if pf.pickup_service_id is not None and pf.pickup_service_id not in service_ids:
        yield ("platform", "pickup_service_id"), f"service {pf.pickup_service_id!r} is not defined"


def load_site_config(path: str | os.PathLike, env: Mapping[str, str] | None = None) -> SiteConfig:
    """Read, validate and cross-check a site file; apply HALL_MQTT_URL and HALL_DATA_DIR overrides.

    Raises ConfigError naming file, line and field. Relative paths in the file (data_dir,
    services_file) are taken from the file's folder.
    """
    return load_with_lines(path, env)[0]


def load_with_lines(path: str | os.PathLike, env: Mapping[str, str] | None = None) -> tuple[SiteConfig, Located]:
    """`load_site_config`, and where each key of the file is (for checks of their own, with lines)."""
    env = os.environ if env is None else env
    path = Path(path)
    located = _compose(path)
    if not isinstance(located.data, dict):
        raise ConfigError([(str(path), 1, "", "the file must hold a mapping of sections (site, queues, ...)")])
    services_file = located.data.get("services_file")
    if isinstance(services_file, str):
        extra = _compose(path.parent / services_file)
        if not isinstance(extra.data, dict):
            raise ConfigError([(str(path.parent / services_file), 1, "", "must hold services: and bundles:")])
        for key, value in extra.data.items():
            if key not in ("services", "bundles"):
                f, line = extra.lines.get((key,), (str(path.parent / services_file), None))
                raise ConfigError([(f, line, key, f"unknown key '{key}' (a services file holds services and bundles)")])
            if key in located.data:
                raise ConfigError(
                    [(str(path), located.lines[(key,)][1], key, f"{key} are given here and in {services_file}")]
                )
            located.data[key] = value
        located.lines.update({p: v for p, v in extra.lines.items() if p})
        located.sexagesimal.update(extra.sexagesimal)
    times = time_problems(located, str(path))
    try:
        cfg = SiteConfig.model_validate(located.data)
    except ValidationError as exc:
        raise ConfigError(_by_line(times + _pydantic_problems(exc, located, str(path)))) from None
    if times:
        raise ConfigError(times)
    problems = []
    for where, reason in _cross_reference(cfg):
        file, line = _locate(where, located, str(path))
        problems.append((file, line, dotted(where), reason))
    if problems:
        raise ConfigError(problems)
    base = path.resolve().parent
    cfg.data_dir = str((base / cfg.data_dir).resolve()) if not os.path.isabs(cfg.data_dir) else cfg.data_dir
    if env.get("HALL_MQTT_URL"):
        cfg.mqtt.url = env["HALL_MQTT_URL"]  # may carry credentials: never printed
    if env.get("HALL_DATA_DIR"):
        cfg.data_dir = env["HALL_DATA_DIR"]
    cfg._source_path = str(path.resolve())
    return cfg, located


def _by_line(problems: list) -> list:
    return sorted(problems, key=lambda p: (p[0], p[1] or 0))


def load_or_exit(path: str | os.PathLike) -> SiteConfig:
    """For command lines: the config, or every problem on stderr (one line each) and exit status 2."""
    import sys

    try:
        return load_site_config(path)
    except ConfigError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        raise SystemExit(2) from None


M = TypeVar("M", bound=BaseModel)


def load_yaml_model(path: str | os.PathLike, model: type[M]) -> M:
    """Any other YAML file of the hall (a catalog or ratings mapping file, docs/platform.md) validated by
    `model`, with the same `file:line: field: reason` errors as the site file (ConfigError)."""
    path = Path(path)
    located = _compose(path)
    if not isinstance(located.data, dict):
        raise ConfigError([(str(path), 1, "", f"the file must hold a mapping ({model.__name__})")])
    try:
        return model.model_validate(located.data)
    except ValidationError as exc:
        raise ConfigError(_pydantic_problems(exc, located, str(path))) from None
