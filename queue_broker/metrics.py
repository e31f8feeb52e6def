"""Prometheus metrics of the queue broker (prometheus-client), for the hall's IT staff.

`serve_metrics(service, host, port)` starts an HTTP endpoint (`/metrics`) on its own thread. Live
figures are read from `service.engine` at scrape time (a collector: nothing is copied on the hot
path); MQTT message counts and command latency come from a tap on the service's link, installed by
wrapping the link's receive callback, `reply` and the client's `publish` — the broker's code is not
changed. Enable it on a running broker with HALL_METRICS_ADDR=127.0.0.1:9464 (see docs/supervision.md).

| metric | labels | what |
|---|---|---|
| `hall_queue_waiting` | queue | citizens waiting now |
| `hall_queue_longest_wait_seconds` | queue | the longest wait now |
| `hall_queue_estimated_wait_seconds` | queue | the estimate a new ticket would get |
| `hall_queue_sla_seconds` | queue | the queue's target wait (`sla_min`), for the alert rules |
| `hall_wait_seconds` (histogram) | queue | today's waits, issue to first call |
| `hall_tickets_today` | queue, state | today's tickets by state |
| `hall_counters` | status | counters closed / open / paused |
| `hall_counter_open` | counter | 1 when open or paused |
| `hall_alerts_open` | kind, severity | alerts neither acknowledged nor cleared |
| `hall_alerts_active` | kind, severity | alerts not cleared |
| `hall_cases_open` | kind, state | bad-rating, complaint and complex-question cases not finished |
| `hall_cases_overdue` | kind | open cases past their deadline |
| `hall_device_ok` | node, device, kind | 1 when the device reports ok |
| `hall_ratings_total` | level | ratings (submitted and defaulted) |
| `hall_mqtt_messages_received_total` | family | MQTT messages the broker received (cmd, device, ...) |
| `hall_mqtt_messages_published_total` | family | MQTT messages it published (reply, state, event, ...) |
| `hall_command_latency_seconds` (histogram) | kind | a request's arrival to its reply being published |
| `hall_commands_total`, `hall_batches_total` | | requests that changed something; committed batches |
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric

WAIT_BUCKETS = (60, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200)
LATENCY_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class LinkTap:
    """Counts the broker's MQTT traffic and times each request to its reply."""

    def __init__(self, service: Any, registry: CollectorRegistry):
        self.topics = service.topics
        self.received = Counter(
            "hall_mqtt_messages_received", "MQTT messages received by the broker", ["family"], registry=registry
        )
        self.published = Counter(
            "hall_mqtt_messages_published", "MQTT messages published by the broker", ["family"], registry=registry
        )
        self.latency = Histogram(
            "hall_command_latency_seconds",
            "From a request's arrival to its reply",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self._arrivals: OrderedDict[tuple[str | None, bytes], tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()
        link = service.link
        client = link._client  # paho's client: the one place where every message passes
        inner_on_message, inner_publish, inner_reply = client.on_message, client.publish, link.reply

        def on_message(c, userdata, msg):
            kind = self._kind(msg.topic)
            self.received.labels(kind.split(":")[0]).inc()
            props = getattr(msg, "properties", None)
            corr = getattr(props, "CorrelationData", None) if props else None
            if corr is not None and kind.startswith("cmd"):
                with self._lock:
                    self._arrivals[(getattr(props, "ResponseTopic", None), bytes(corr))] = (time.perf_counter(), kind)
                    while len(self._arrivals) > 10_000:
                        self._arrivals.popitem(last=False)
            return inner_on_message(c, userdata, msg)

        def publish(topic, payload=None, *args, **kwargs):
            self.published.labels(self._kind(topic).split(":")[0]).inc()
            return inner_publish(topic, payload, *args, **kwargs)

        def reply(inbound, data):
            with self._lock:
                seen = self._arrivals.pop((inbound.response_topic, inbound.correlation_data), None)
            result = inner_reply(inbound, data)
            if seen is not None:
                self.latency.labels(seen[1].split(":", 1)[1]).observe(time.perf_counter() - seen[0])
            return result

        client.on_message = on_message
        client.publish = publish
        link.reply = reply

    def _kind(self, topic: str) -> str:
        match = self.topics.parse(topic)
        if match is None:
            return "other:other"
        if match.family == "cmd":
            return f"cmd:{match.kind}"
        return f"{match.family}:{match.kind}"


class HallCollector:
    """Reads the engine at scrape time. The engine thread may change it meanwhile: a scrape that
    meets a dict changing size simply tries again."""

    def __init__(self, service: Any):
        self.service = service

    def collect(self):
        for _ in range(5):
            try:
                families = self._families()
            except RuntimeError:  # dictionary changed size during iteration
                time.sleep(0.01)
                continue
            yield from families
            return

    def _families(self) -> list[Metric]:
        svc = self.service
        engine = svc.engine
        now: datetime = svc.clock()
        today = engine.local_day(now)
        out: list[Metric] = []

        waiting = GaugeMetricFamily("hall_queue_waiting", "Citizens waiting now", labels=["queue"])
        longest = GaugeMetricFamily("hall_queue_longest_wait_seconds", "The longest wait now", labels=["queue"])
        estimate = GaugeMetricFamily("hall_queue_estimated_wait_seconds", "Estimate for a new ticket", labels=["queue"])
        sla = GaugeMetricFamily("hall_queue_sla_seconds", "The queue's target wait (sla_min)", labels=["queue"])
        for qid in list(engine.queues):
            view = engine.queue_view(qid, now)
            waiting.add_metric([qid], view["waiting"])
            longest.add_metric([qid], view["longest_wait_s"])
            estimate.add_metric([qid], view["estimated_wait_s"])
            sla.add_metric([qid], engine.queues[qid].sla_min * 60)
        out += [waiting, longest, estimate, sla]

        tickets = [t for t in list(engine.tickets.values()) if t.day == today]
        waits = HistogramMetricFamily("hall_wait_seconds", "Today's waits, issue to first call", labels=["queue"])
        by_state = GaugeMetricFamily("hall_tickets_today", "Today's tickets by state", labels=["queue", "state"])
        for qid in engine.queues:
            mine = [t for t in tickets if t.queue_id == qid]
            values = [(t.called_at - t.issued_at).total_seconds() for t in mine if t.called_at is not None]
            buckets = [(str(b), sum(1 for v in values if v <= b)) for b in WAIT_BUCKETS]
            buckets.append(("+Inf", len(values)))
            waits.add_metric([qid], buckets, sum(values))
            states: dict[str, int] = {}
            for t in mine:
                states[t.state] = states.get(t.state, 0) + 1
            for state, n in sorted(states.items()):
                by_state.add_metric([qid, state], n)
        out += [waits, by_state]

        counters = GaugeMetricFamily("hall_counters", "Counters by status", labels=["status"])
        open_ = GaugeMetricFamily("hall_counter_open", "1 when the counter is open or paused", labels=["counter"])
        tally = {"closed": 0, "open": 0, "paused": 0}
        for c in list(engine.counters.values()):
            tally[c.status] = tally.get(c.status, 0) + 1
            open_.add_metric([c.id], 0 if c.status == "closed" else 1)
        for status, n in tally.items():
            counters.add_metric([status], n)
        out += [counters, open_]

        alerts_open = GaugeMetricFamily(
            "hall_alerts_open", "Alerts neither acknowledged nor cleared", labels=["kind", "severity"]
        )
        alerts_active = GaugeMetricFamily("hall_alerts_active", "Alerts not cleared", labels=["kind", "severity"])
        open_n: dict[tuple[str, str], int] = {}
        active_n: dict[tuple[str, str], int] = {}
        for a in list(engine.alerts.values()):
            if a.cleared_at is not None:
                continue
            key = (a.kind, a.severity)
            active_n[key] = active_n.get(key, 0) + 1
            if a.acked_at is None:
                open_n[key] = open_n.get(key, 0) + 1
        for key, n in sorted(open_n.items()):
            alerts_open.add_metric(list(key), n)
        for key, n in sorted(active_n.items()):
            alerts_active.add_metric(list(key), n)
        out += [alerts_open, alerts_active]

        cases_open = GaugeMetricFamily("hall_cases_open", "Cases not finished", labels=["kind", "state"])
        overdue = GaugeMetricFamily("hall_cases_overdue", "Open cases past their deadline", labels=["kind"])
        c_open: dict[tuple[str, str], int] = {}
        c_over: dict[str, int] = {}
        for case in list(engine.cases.values()):
            if case.open:
                c_open[(case.kind, case.state)] = c_open.get((case.kind, case.state), 0) + 1
                if now >= case.deadline:
                    c_over[case.kind] = c_over.get(case.kind, 0) + 1
        for key, n in sorted(c_open.items()):
            cases_open.add_metric(list(key), n)
        for kind in ("bad_rating", "complaint", "complex_question"):
            overdue.add_metric([kind], c_over.get(kind, 0))
        out += [cases_open, overdue]

        device = GaugeMetricFamily("hall_device_ok", "1 when the device reports ok", labels=["node", "device", "kind"])
        for d in list(engine.devices.values()):
            device.add_metric([d.node_id, d.device_id, d.kind], 1 if d.ok else 0)
        out.append(device)

        ratings = CounterMetricFamily("hall_ratings", "Ratings, submitted and defaulted", labels=["level"])
        levels = {str(i): 0 for i in range(1, 6)}
        for r in list(engine.ratings.values()):
            levels[str(r["level"])] = levels.get(str(r["level"]), 0) + 1
        for level, n in levels.items():
            ratings.add_metric([level], n)
        out.append(ratings)

        out.append(
            CounterMetricFamily(
                "hall_commands", "Requests that changed something", value=getattr(svc, "commands_done", 0)
            )
        )
        out.append(CounterMetricFamily("hall_batches", "Committed batches", value=getattr(svc, "batches_done", 0)))
        reads = getattr(svc, "reads", None)  # service/reads.py: status reads answered off the engine thread
        if reads is not None:
            by = CounterMetricFamily(
                "hall_status_reads", "cmd/ticket/view requests by what answered them", labels=["by"]
            )
            by.add_metric(["snapshot"], reads.hits)
            by.add_metric(["engine"], reads.misses)
            out.append(by)
        return out


class MetricsServer:
    def __init__(self, server: Any, thread: threading.Thread, registry: CollectorRegistry, tap: LinkTap):
        self.server, self.thread, self.registry, self.tap = server, thread, registry, tap

    @property
    def port(self) -> int:
        return self.server.server_port

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def build_registry(service: Any) -> tuple[CollectorRegistry, LinkTap]:
    registry = CollectorRegistry()
    tap = LinkTap(service, registry)
    registry.register(HallCollector(service))
    return registry, tap


def serve_metrics(service: Any, host: str = "127.0.0.1", port: int = 9464) -> MetricsServer:
    """Serve `/metrics` on host:port (port 0: any free port, see `.port`)."""
    registry, tap = build_registry(service)
    server, thread = start_http_server(port, addr=host, registry=registry)
    return MetricsServer(server, thread, registry, tap)
