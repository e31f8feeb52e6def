#!/usr/bin/env bash
# Run the whole test suite: give the PostgreSQL store tests a server they can log in to, then pytest
# under a virtual X display (Kivy windows). Extra arguments go to pytest. Tests start their own
# Mosquitto, cupsd and Chromium; nothing else needs to run.
#
# PostgreSQL: scripts/setup.sh installs it; a fresh Debian or Ubuntu cluster lets local users in by
# peer authentication and TCP clients by password (scram-sha-256), never by trust. So this script
# starts the cluster when it is stopped and makes a role of its own for the tests, `hall_test` (LOGIN
# CREATEDB, a new random password each run), as the postgres user: `runuser` as root, `sudo -u postgres`
# otherwise. The tests create and drop their own database with it, over TCP on 127.0.0.1.
#   HALL_TEST_PG_URL=postgresql://USER:PASSWORD@HOST:PORT/DB   use that server instead (nothing is made)
#   HALL_TEST_PG_CLUSTER=15/main                               which local cluster (default: the first)
#   HALL_TEST_PG_REQUIRED=0                                    let the PostgreSQL tests skip (not in CI)
# A PostgreSQL test that cannot reach its server fails instead of skipping (HALL_TEST_PG_REQUIRED=1).
set -euo pipefail
cd "$(dirname "$0")/.."

as_postgres() {  # from / : the postgres user may not enter this checkout
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    elif command -v sudo >/dev/null 2>&1; then
        (cd / && sudo -n -u postgres -- "$@")
    else
        return 1
    fi
}

pg_for_tests() {
    if ! command -v pg_lsclusters >/dev/null 2>&1; then
        echo "test: PostgreSQL is not installed (scripts/setup.sh installs it)" >&2
        return 1
    fi
    local cluster=${HALL_TEST_PG_CLUSTER:-}
    if [ -z "$cluster" ]; then  # "main" of the newest version, else the first there is
        cluster=$(pg_lsclusters -h | awk '$2 == "main" {print $1 "/" $2}' | sort -V | tail -n 1)
        [ -n "$cluster" ] || cluster=$(pg_lsclusters -h | awk 'NR == 1 {print $1 "/" $2}')
    fi
    if [ -z "$cluster" ]; then
        echo "test: PostgreSQL has no cluster (pg_createcluster 15 main makes one)" >&2
        return 1
    fi
    local version=${cluster%/*} name=${cluster#*/} port status
    read -r port status < <(pg_lsclusters -h "$version" "$name" | awk '{print $3, $4}')
    if [ "$status" != "online" ]; then
        echo "test: starting PostgreSQL cluster $cluster (port $port)"
        if [ "$(id -u)" -eq 0 ]; then
            pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start
        else
            sudo -n pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start
        fi
    fi
    for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 0.5; done
    local password
    password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    if ! as_postgres psql -q -X -v ON_ERROR_STOP=1 -p "$port" -d postgres -v password="$password" <<'SQL'
SELECT 'CREATE ROLE hall_test' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hall_test') \gexec
ALTER ROLE hall_test WITH LOGIN CREATEDB NOSUPERUSER PASSWORD :'password';
SQL
    then
        echo "test: could not make the role hall_test as the postgres user (root or sudo needed)" >&2
        return 1
    fi
    export HALL_TEST_PG_URL="postgresql://hall_test:${password}@127.0.0.1:${port}/postgres"
}

export HALL_TEST_PG_REQUIRED=${HALL_TEST_PG_REQUIRED:-1}
if [ -z "${HALL_TEST_PG_URL:-}" ]; then
    if ! pg_for_tests && [ "$HALL_TEST_PG_REQUIRED" = 1 ]; then
        echo "test: the PostgreSQL tests would fail: set HALL_TEST_PG_URL, or HALL_TEST_PG_REQUIRED=0 to skip them" >&2
    fi
fi
exec xvfb-run -a .venv/bin/python -m pytest "$@"
