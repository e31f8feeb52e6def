#!/usr/bin/env bash
# Run the whole test suite: start the PostgreSQL cluster the store tests need if it is installed and
# not running, then pytest under a virtual X display (Kivy windows). Extra arguments go to pytest.
# Tests start their own Mosquitto, cupsd and Chromium; nothing else needs to run.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"

if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$version" ]; then
        $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start
        for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
    fi
fi
# The store's PostgreSQL tests connect as the server's superuser over TCP (trust on Debian's loopback
# only when configured so); HALL_TEST_PG_URL overrides.
export HALL_TEST_PG_URL=${HALL_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
exec xvfb-run -a .venv/bin/python -m pytest "$@"
