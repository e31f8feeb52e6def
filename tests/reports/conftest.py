"""The example week, simulated once per test session into a temporary folder (about 10 s)."""

from __future__ import annotations

import pytest

from queue_broker.config.loader import load_site_config
from queue_broker.reports.demo_week import simulate_week
from queue_broker.store import SqliteEventStore


@pytest.fixture(scope="session")
def week(tmp_path_factory):
    result = simulate_week(tmp_path_factory.mktemp("example-week"))
    return result


@pytest.fixture
def week_store(week):
    store = SqliteEventStore(str(week.data_dir / "hall.db"))
    yield store
    store.close()


@pytest.fixture(scope="session")
def week_config(week):
    return load_site_config(week.site_file, env={})


def pdf_fonts(path) -> list[tuple[str, str]]:
    """(name, type) of every font in a PDF, as poppler's `pdffonts` lists them (scripts/setup.sh installs
    poppler-utils; without it the test fails rather than pass unchecked)."""
    import shutil
    import subprocess

    if not shutil.which("pdffonts"):
        pytest.fail("pdffonts (poppler-utils) is not installed: scripts/setup.sh installs it")
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    fonts = []
    for line in out.splitlines()[2:]:
        name, rest = line.split(None, 1)
        kind = "Type 3" if rest.startswith("Type 3") else rest.split("  ")[0].strip()
        fonts.append((name, kind))
    return fonts


def pdf_text(path, first: int | None = None, last: int | None = None) -> str:
    import shutil
    import subprocess

    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext (poppler-utils) is not installed: scripts/setup.sh installs it")
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    return subprocess.run(["pdftotext", *pages, str(path), "-"], capture_output=True, text=True, check=True).stdout
