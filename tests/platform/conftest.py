"""The platform tests' hall (tests/fixtures/platform-site.yaml): its items carry national codes, it has
the 综合出件 window, and it runs as the real broker service on the session's real Mosquitto with an
injected clock. The site file is copied into the test's folder (with the test's own site id) so a
test can edit it and reload it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.broker.conftest import Hall
from tests.clock import Clock
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
PLAT_SITE = FIXTURES / "platform-site.yaml"
TZ = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=TZ)


def cli(*args, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`python -m queue_broker ARGS` as an operator runs it, with `env` over this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "queue_broker", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def until(predicate, timeout: float = 10.0, what: str = "condition"):
    """`wait_for` with the platform tests' longer default `timeout`, polling every 50 ms."""
    return wait_for(predicate, timeout, what, step=0.05)


def write_site(folder: Path, site_id: str = "plat") -> Path:
    """The platform site and its services file in `folder`, with `site_id`."""
    folder.mkdir(parents=True, exist_ok=True)
    text = PLAT_SITE.read_text(encoding="utf-8").replace("  id: plat\n", f"  id: {site_id}\n", 1)
    path = folder / "site.yaml"
    path.write_text(text, encoding="utf-8")
    shutil.copy(FIXTURES / "platform-services.yaml", folder / "platform-services.yaml")
    return path


@pytest.fixture
def site_file(tmp_path, site_id) -> Path:
    return write_site(tmp_path / "site", site_id)


@pytest.fixture
def plat_clock() -> Clock:
    return Clock(at(2026, 11, 27, 9, 0))


@pytest.fixture
def plat_hall(mosquitto, site_id, tmp_path, plat_clock, site_file):
    with Hall(mosquitto.url, site_id, tmp_path / "data", plat_clock, config_path=site_file) as h:
        yield h


@pytest.fixture
def plat_recorder(plat_hall):
    return plat_hall.recorder()
