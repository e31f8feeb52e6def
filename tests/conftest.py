"""Shared fixtures: a real Mosquitto for the whole run (no fake broker anywhere), config paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from provisioning.mosquitto import MosquittoProcess

from .journald import journal  # noqa: F401 - a journald of the test's own (tests/journald.py)
from .notify_socket import notify  # noqa: F401 - the sd_notify socket fixture (tests/notify_socket.py)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_SITE = ROOT / "examples" / "neixiang" / "site.yaml"
SHARED = ROOT.parent / "shared"

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")


@pytest.fixture(scope="session")
def mosquitto(tmp_path_factory):
    """One real mosquitto on a free loopback port for the whole test session."""
    broker = MosquittoProcess(workdir=tmp_path_factory.mktemp("mosquitto"))
    broker.start()
    yield broker
    broker.cleanup()


@pytest.fixture
def own_mosquitto(tmp_path):
    """A mosquitto of the test's own, for tests that stop or restart it."""
    broker = MosquittoProcess(workdir=tmp_path / "mosquitto")
    (tmp_path / "mosquitto").mkdir()
    broker.start()
    yield broker
    broker.cleanup()


@pytest.fixture
def site_id(request) -> str:
    """A site id of the test's own, so tests sharing the session broker never see each other."""
    import hashlib

    name = request.node.name.lower()
    digest = hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:8]
    return "t-" + "".join(c if c.isalnum() else "-" for c in name)[:36].strip("-") + "-" + digest


@pytest.fixture(scope="session")
def pg_url():
    """A fresh PostgreSQL database for this run. HALL_TEST_PG_URL names the server and a role that may
    create databases: scripts/test.sh starts the cluster and makes that role. Without a server the
    PostgreSQL tests skip, unless HALL_TEST_PG_REQUIRED=1 (scripts/test.sh and CI set it): then they
    fail, so a PostgreSQL suite that did not run is never taken for one that passed."""
    server = os.environ.get("HALL_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    shown = server.split("@")[-1]  # never the password
    try:
        import psycopg

        admin = psycopg.connect(server, autocommit=True, connect_timeout=3)
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server means: not here
        why = f"PostgreSQL is not reachable at {shown} ({exc.__class__.__name__}: {str(exc).strip()[:200]})"
        if os.environ.get("HALL_TEST_PG_REQUIRED") == "1":
            pytest.fail(f"{why}; HALL_TEST_PG_REQUIRED=1: scripts/test.sh starts the server and makes its role")
        pytest.skip(f"{why}; scripts/test.sh starts it")
    name = f"hall_test_{os.getpid()}"
    admin.execute(f"DROP DATABASE IF EXISTS {name}")
    admin.execute(f"CREATE DATABASE {name}")
    yield server.rsplit("/", 1)[0] + "/" + name
    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def chromium():
    """A real headless Chromium (Debian's package, driven by Playwright) for one test module.

    Module-scoped, not session-scoped: Playwright's sync API keeps an event loop running in the main
    thread while it lives, so a later test's `asyncio.run` (the gateway's flood test) would fail.

    Playwright cannot download its own browsers here; it drives the system's /usr/bin/chromium. A test
    opens its own context (`chromium.new_context(...)`) so cookies and storage never leak between tests.
    """
    import shutil

    from playwright.sync_api import sync_playwright

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Debian's chromium package is not installed: scripts/setup.sh installs it")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
