"""`python -m queue_broker COMMAND`: run the broker, and the operator's tools.

run --config SITE.yaml           the MQTT service (HALL_MQTT_URL, HALL_DATA_DIR override the file)
check-config SITE.yaml           validate; exit 2 with file:line: field: reason
catalog diff OLD.yaml NEW.yaml   what changed in the catalog
status --config SITE.yaml        queues and counters now (from the store)
tickets --today --config ...     today's tickets
audit verify --config ...        prove the event log was not altered
export --day YYYY-MM-DD --config ...   the day's tickets as CSV
hash-pin                          hash a PIN for the site file (reads it from stdin)
"""

from __future__ import annotations

import argparse
import sys

from .cli import commands


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m queue_broker", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    commands.register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
