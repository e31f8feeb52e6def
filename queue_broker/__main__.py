"""`python -m queue_broker COMMAND`: run the broker, and the operator's tools.

run --config SITE.yaml           the MQTT service (HALL_MQTT_URL, HALL_DATA_DIR override the file)
check-config SITE.yaml           validate; exit 2 with file:line: field: reason
catalog diff OLD.yaml NEW.yaml   what changed in the catalog
status --config SITE.yaml        queues and counters now (from the store)
tickets --today --config ...     today's tickets
audit verify --config ...        prove the event log was not altered
export --day YYYY-MM-DD --config ...   the day's tickets as CSV
hash-pin                          hash a PIN for the site file (reads it from stdin)
report --config ... --from --to  the supervision report of a period (csv, html, pdf, md)
forecast --config ... [--day D]   expected tickets per queue and half-hour (docs/planning.md)
day-plan --config ... [--day D]   counters needed per half-hour against the hall's
cross-train --config ...          the extra skills that cut waiting most, from the hall's history

The commands that read a hall (status, tickets, audit, export, report) read the data folder the site
file names (data_dir; HALL_DATA_DIR overrides), where `run` and `python -m provisioning up` keep it, or
HALL_DB_URL's PostgreSQL database. A folder with no hall is said to be one (exit 2).
"""

from __future__ import annotations

import argparse
import sys

from .cli import commands
from .cli.hall import NoHall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m queue_broker", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    commands.register(sub)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except NoHall as exc:  # pointed at a folder with no hall: said, never shown as an empty hall
        print(f"{parser.prog} {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
