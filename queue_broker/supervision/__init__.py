"""Supervision (seed art. 17, 25, 37–39): electronic monitoring rules, the working-day calendar, the
default-satisfied rule and the device-health feed. The closed loops themselves (bad-rating cases,
complaints, complex questions) are engine commands in `queue_broker/engine/cases.py`.

    supervision_tasks(config)  the pure tick tasks (monitor, default-satisfied): the broker's
                               `default_tasks` adds them; the simulated week runs the same ones
    attach(service)            what needs the running service: the device-health subscription
                               and, when HALL_METRICS_ADDR is set, the Prometheus endpoint

Imports are inside the functions: the engine imports `supervision.calendar`, and this package must
not import the engine back at import time.
"""

from __future__ import annotations

import logging
import os
from typing import Any

log = logging.getLogger("queue_broker")


def supervision_tasks(config: Any) -> list:
    from .monitor import Monitor
    from .ratings import DefaultSatisfiedTask

    return [Monitor(), DefaultSatisfiedTask()]


def attach(service: Any, metrics_addr: str | None = None, env: Any = os.environ) -> dict[str, Any]:
    """Subscribe the device-health feed on the service's link and add its tick task; start the
    metrics endpoint on `metrics_addr` or HALL_METRICS_ADDR (`host:port`, e.g. `127.0.0.1:9464`)."""
    from .devices import DeviceFeed

    feed = DeviceFeed(service.topics).attach(service.link)
    service.tick_tasks.append(feed)
    handles: dict[str, Any] = {"device_feed": feed}
    addr = metrics_addr or env.get("HALL_METRICS_ADDR")
    if addr:
        from ..metrics import serve_metrics

        host, _, port = addr.rpartition(":")
        try:  # metrics are for IT staff: without them the hall still runs, and the log says why
            server = serve_metrics(service, host or "127.0.0.1", int(port))
        except (OSError, ValueError) as exc:
            log.error("no metrics endpoint on %s: %s; the broker runs without it", addr, exc)
        else:
            handles["metrics"] = server
            log.info("Prometheus metrics on http://%s:%d/metrics", host or "127.0.0.1", server.port)
    return handles
