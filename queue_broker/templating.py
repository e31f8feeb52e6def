"""The one Jinja set-up for the broker's HTML pages (the supervision report and the published service guides)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape


def html_env(templates: Path, filters: dict[str, Callable[..., Any]]) -> Environment:
    """Templates under `templates`, `*.html.j2` escaped, block tags that leave no blank lines, and `filters`."""
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(["html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(filters)
    return env
