"""What a board will fail on, found before it starts: its devices and its screen, with line numbers.

The site file's models leave two parts free-form, because they belong to other packages: a device's
`options` (validated by its device package when the node opens it) and a node's `screen:` (validated by
its face when it starts). A typo there used to pass `check-config` and stop a kiosk on the morning it
was installed. `check_site` validates both with the packages' own models, as the boards will, and
reports every problem the way the loader does (`file:line: field: reason`):

- a device's backend: one its kind has, else the nearest name ("did you mean 'serial'?");
- its options: the backend's model (unknown keys with the nearest known key, types, ranges);
- the device files it names (`port`, `path`, `device`): absolute paths, no two devices of one board
  on the same one;
- a node's screen settings: the model of its face (kiosk, counter terminal, call screen, supervisor
  tablet); a screen on a node that shows none; a kiosk's frequent items that the hall does not have.

A device kind whose package cannot be imported where the check runs (the `devices` extra is not
installed) is not checked; the check says so in a note rather than passing it in silence.
"""

from __future__ import annotations

import difflib
import importlib
import os
from collections.abc import Mapping
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from .loader import ConfigError, Located, dotted, load_with_lines, pydantic_problems
from .models import NodeEntry, SiteConfig

PathT = tuple[str | int, ...]

# The settings model of each role's face. The kiosk's module is named for both layouts of kiosk_app
# (today's, and the one with the kiosk in its own sub-package); the first that imports is used.
SCREEN_SETTINGS: dict[str, tuple[str, ...]] = {
    "kiosk": ("kiosk_app.kiosk.settings:KioskSettings", "kiosk_app.settings:KioskSettings"),
    "counter": ("kiosk_app.counter.settings:CounterSettings",),
    "display": ("kiosk_app.callscreen.settings:CallScreenSettings",),
    "supervisor": ("kiosk_app.supervisor.settings:SupervisorSettings",),
}


def check_site(path: str | os.PathLike, env: Mapping[str, str] | None = None) -> tuple[SiteConfig, list[str]]:
    """Load the site file (ConfigError as `load_site_config`), then check every board's devices and
    screen (ConfigError with every problem found). Returns the config and notes on what was not checked."""
    cfg, located = load_with_lines(path, env)
    file = str(path)
    problems: list[tuple[str, int | None, str, str]] = []
    notes: list[str] = []

    def add(where: PathT, reason: str) -> None:
        f, line = _locate(where, located, file)
        problems.append((f, line, dotted(where), reason))

    unchecked: dict[str, list[str]] = {}
    for i, node in enumerate(cfg.nodes):
        _check_devices(node, ("nodes", i), located, file, add, problems, unchecked)
        _check_screen(cfg, node, ("nodes", i), located, file, add, problems, notes)
    for kind, why in unchecked.items():
        notes.append(f"{len(why)} {kind} device(s) not checked here: {why[0]}")
    if problems:
        raise ConfigError(sorted(problems, key=lambda p: (p[0], p[1] or 0)))
    return cfg, notes


def _locate(where: PathT, located: Located, file: str) -> tuple[str, int | None]:
    for n in range(len(where), -1, -1):
        if where[:n] in located.lines:
            return located.lines[where[:n]]
    return file, None


def nearest(word: str, choices: list[str]) -> str:
    """ "; did you mean 'x'?" for the closest of `choices`, or nothing when none is close."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _with_suggestions(problems: list, model: type[BaseModel], prefix: PathT) -> list:
    """Unknown keys get the nearest key the model (or the nested model they sit in) does have."""
    out = []
    for f, line, where, reason in problems:
        if reason.startswith("unknown key '"):
            key = reason[len("unknown key '") : -1]
            inner = where[len(dotted(prefix)) :].lstrip(".").split(".")[:-1]
            fields = _fields_at(model, inner)
            if fields:
                reason += nearest(key, fields)
        out.append((f, line, where, reason))
    return out


def _fields_at(model: type[BaseModel], parts: list[str]) -> list[str]:
    for part in parts:
        info = model.model_fields.get(part)
        if info is None:
            return []
        inner = [a for a in (info.annotation, *get_args(info.annotation)) if _is_model(a)]
        if not inner:
            return []
        model = inner[0]
    return list(model.model_fields)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and get_origin(annotation) is None and issubclass(annotation, BaseModel)


def _check_devices(
    node: NodeEntry, at: PathT, located: Located, file: str, add, problems: list, unchecked: dict
) -> None:
    from devices.options import PATH_FIELDS, option_models, option_problems

    seen_paths: dict[str, str] = {}
    for j, dev in enumerate(node.devices):
        where = (*at, "devices", j)
        try:
            models = option_models(dev.kind)
        except ImportError as exc:
            unchecked.setdefault(dev.kind, []).append(
                f"its package needs {exc.name or exc} (install the devices extra: pip install 'hall-appliance[devices]')"
            )
            continue
        model = models.get(dev.backend)
        if model is None:
            names = list(models)
            add(
                (*where, "backend"),
                f"unknown {dev.kind} backend {dev.backend!r}{nearest(dev.backend, names)} (backends: {', '.join(names)})",
            )
            continue
        prefix = (*where, "options")
        try:
            options = model.model_validate(dev.options)
        except ValidationError as exc:
            problems.extend(_with_suggestions(pydantic_problems(exc, located, file, prefix), model, prefix))
            continue
        for inside, reason in option_problems(dev.kind, options):
            add((*prefix, *inside), reason)
        for name in PATH_FIELDS:
            value = getattr(options, name, None)
            if not isinstance(value, str) or not value:
                continue
            if not value.startswith("/"):
                add((*prefix, name), f"{value!r} is not a device file: give its absolute path, e.g. /dev/ttyUSB0")
            elif value in seen_paths:
                add(
                    (*prefix, name),
                    f"{value} is also used by device {seen_paths[value]!r} of node {node.id}: one device file, one device",
                )
            else:
                seen_paths[value] = dev.id


def screen_model(role: str) -> type[BaseModel] | None:
    """The settings model of `role`'s face, or None for a role without a screen."""
    for spec in SCREEN_SETTINGS.get(role, ()):
        module, _, name = spec.partition(":")
        try:
            found = getattr(importlib.import_module(module), name, None)
        except ImportError:
            continue
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
    return None


def _check_screen(
    cfg: SiteConfig, node: NodeEntry, at: PathT, located: Located, file: str, add, problems: list, notes: list
) -> None:
    if node.role not in SCREEN_SETTINGS:
        if node.screen:
            shown = ", ".join(SCREEN_SETTINGS)
            add((*at, "screen"), f"a {node.role} node shows no screen (only {shown} nodes have one): remove it")
        return
    model = screen_model(node.role)
    if model is None:
        notes.append(f"screen of {node.id} not checked here: the {node.role} face's settings could not be imported")
        return
    prefix = (*at, "screen")
    try:
        settings = model.model_validate(node.screen or {})
    except ValidationError as exc:
        problems.extend(_with_suggestions(pydantic_problems(exc, located, file, prefix), model, prefix))
        return
    items = {s.id for s in cfg.services} | {b.id for b in cfg.bundles}
    for k, sid in enumerate(getattr(settings, "frequent_service_ids", None) or []):
        if sid not in items:
            add((*prefix, "frequent_service_ids", k), f"there is no service item {sid!r}{nearest(sid, sorted(items))}")
    checkin = getattr(settings, "checkin_service_id", None)
    if checkin and checkin not in items:
        add((*prefix, "checkin_service_id"), f"there is no service item {checkin!r}{nearest(checkin, sorted(items))}")
