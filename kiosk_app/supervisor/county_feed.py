"""The supervisor tablet's second broker link: the county's, read-only (docs/county.md). It subscribes
what the county links bridge in (state, events, node status and device health of every hall, or of the
halls named in the settings) and feeds the pure `CountyModel` on Kivy's UI thread.

It connects as the county's reader user (credentials in `HALL_COUNTY_MQTT_URL`); that user may publish
nothing, so the link's own node status and Last Will are simply refused by the county's ACL."""

from __future__ import annotations

import logging
from collections.abc import Callable

from queue_broker.protocol import (
    EVENT_MODELS,
    CatalogState,
    CountersState,
    DeviceHealth,
    NodeStatus,
    ProtocolError,
    QueuesState,
    Topics,
    parse,
)

from ..common.hall_client import HallClient
from .county import CountyModel

log = logging.getLogger(__name__)

ANY_SITE = "+"


def site_filters(halls: list[str]) -> list[str]:
    """The subscriptions: per named hall, or over every hall (the site level as a wildcard; the
    protocol's `Topics` builds one site's topics, so its filters are taken and their site level swapped)."""
    if halls:
        return [
            f for site in halls for f in (Topics(site).all_state(), Topics(site).all_events(), Topics(site).all_nodes())
        ]
    t = Topics("any")
    return [_any_site(f) for f in (t.all_state(), t.all_events(), t.all_nodes())]


def _any_site(topic: str) -> str:
    root, _site, rest = topic.split("/", 2)
    return f"{root}/{ANY_SITE}/{rest}"


class CountyFeed:
    def __init__(self, client: HallClient, model: CountyModel, halls: list[str], on_change: Callable[[str], None]):
        self.client = client
        self.model = model
        self.halls = halls
        self.on_change = on_change
        self.received = 0

    def start(self) -> None:
        for topic_filter in site_filters(self.halls):
            self.client.watch(topic_filter, None, self._message)
        self.client.start()

    def stop(self) -> None:
        self.client.stop()

    def _message(self, payload: bytes, topic: str) -> None:
        """On the UI thread: one message of any hall, parsed by the protocol's models."""
        parts = topic.split("/")
        if len(parts) < 3:
            return
        site = parts[1]
        try:
            match = Topics(site).parse(topic)
        except ValueError:
            return
        if match is None:
            return
        self.received += 1
        m = self.model
        try:
            if match.family == "state" and match.kind == "queues":
                changed = m.queues(site, parse(QueuesState, payload).model_dump())
            elif match.family == "state" and match.kind == "counters":
                changed = m.counters(site, parse(CountersState, payload).model_dump())
            elif match.family == "state" and match.kind == "catalog":
                m.catalog(site, parse(CatalogState, payload).site_name)
                changed = True
            elif match.family == "event" and match.kind in EVENT_MODELS:
                changed = m.event(site, match.kind, parse(EVENT_MODELS[match.kind], payload).model_dump())
            elif match.family == "node":
                changed = m.node_status(site, match.params["node"], parse(NodeStatus, payload).model_dump())
            elif match.family == "device":
                changed = m.device(
                    site, match.params["node"], match.params["device"], parse(DeviceHealth, payload).model_dump()
                )
            else:
                return
        except ProtocolError as exc:
            log.warning("dropped a bad message on %s: %s", topic, exc)
            return
        if changed:
            self.on_change(site)
