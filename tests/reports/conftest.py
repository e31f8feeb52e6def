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
